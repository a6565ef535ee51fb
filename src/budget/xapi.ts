// XAPI's estimate of the same guest, for comparison: xenopsd's memory model
// (xapi-project/xen-api ocaml/xapi-idl/memory/memory.ml at 02c6ed1a7e40).
// In MiB: the shadow allowance is 256 pages per vCPU plus 2 pages per MiB of
// static-max, rounded up to whole MiB (at least 1, times the shadow multiplier,
// 1.0 by default); the overhead adds "extra internal" and "extra external"
// (1 + 1 MiB for HVM, 0 + 1 MiB for a Linux PV guest); the footprint XAPI
// wants free on the host is the target plus that overhead.

import type { GuestConfig } from '../guest/config.js';
import type { GuestType } from './rules.js';

export function xapiFootprintMiB(cfg: GuestConfig, type: GuestType): number | null {
  if (type === 'pvh') return null; // XAPI models PVH only as PV-in-PVH with a shim
  const vcpus = cfg.maxvcpus ?? cfg.vcpus ?? 1; // XAPI always has VCPUs_max
  const shadowMiB = Math.max(1, Math.ceil((256 * vcpus + 2 * cfg.maxmemMiB) / 256));
  const extra = type === 'hvm' ? 2 : 1;
  return cfg.memoryMiB + extra + shadowMiB;
}
