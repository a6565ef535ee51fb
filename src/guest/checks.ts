// Guest-level checks a plan reports beside the placement: what libxl does
// with RMRRs, traditional's std VGA decoding past its BAR, options whose
// devices are not catalogued, and how to keep hvmloader from moving RAM.
// Each returns findings that say what to change.

import type { PlacedBar, PlacementResult } from '../contract.js';
import { hex, humanSize } from '../hex.js';
import type { DeviceModel, GuestConfig } from './config.js';
import type { VirtualFunction } from './emulated.js';
import type { PlatformParams, Toolstack } from './libxl.js';
import type { HostFunction } from './lspci.js';
import { rdmRange, rmrrSize, type HostRmrr } from './rdm.js';
import { carries, sinceSeries, type Release } from './releases.js';

import { finding, type Finding } from '../verdict/findings.js';
export type { Finding, Severity } from '../verdict/findings.js';

export const barName = (b: PlacedBar) => `bar ${b.reg.slice(2)} (${humanSize(BigInt(b.size))})`;

// Options that add PCI functions whose slots and BARs are not catalogued: say
// so, since every device created after them moves one slot on.
export function unmodelled(cfg: GuestConfig, dm: DeviceModel): string[] {
  const out: string[] = [];
  const after = 'the slots of devices created after it (NICs, passed-through devices) are one lower here than in the guest';
  if (dm === 'qemu-xen') {
    if (cfg.spiceVdagent) out.push(`spicevdagent: the virtio-serial controller is not modelled; ${after}`);
    if (cfg.gfxPassthru) out.push('gfx_passthru: QEMU 8.0 and later keep slot 02.0 for the IGD and move the platform device to 03.0; this plan uses the layout without that reservation');
  }
  return out;
}

// Device keys older xl does not read: the device is simply not there. The
// keys arrived with 05d428addd (hdtype, 4.6) and 066e134fb3 (vendor_device, 4.4).
export function tooEarly(cfg: GuestConfig, dm: DeviceModel, release: Release): string[] {
  const out: string[] = [];
  if (dm === 'qemu-xen' && cfg.hdtype === 'ahci' && !carries(release, 'libxl-ahci')) out.push(`hdtype = "ahci" needs Xen ${sinceSeries('libxl-ahci')} or later; xl ${release.text} ignores it and the disks stay on IDE`);
  if (dm === 'qemu-xen' && cfg.vendorDevice === 'xenserver' && !carries(release, 'xl-vendor-device')) out.push(`vendor_device needs Xen ${sinceSeries('xl-vendor-device')} or later; xl ${release.text} ignores it`);
  return out;
}

// qemu-xen-traditional's std VGA decodes min(videoram, 16) MiB from its BAR
// whatever hvmloader sized (QT@xen-4.8.0 hw/vga.c caps at 16 MiB; hw/pci.c
// pci_update_mappings maps the full size at the written address). A size
// that is not a power of two is sized by its mask's lowest bit, so the
// framebuffer runs past what hvmloader reserved.
export function traditionalStdVga(dm: DeviceModel, params: PlatformParams, functions: VirtualFunction[], result: PlacementResult): Finding[] {
  if (dm !== 'qemu-xen-traditional' || params.vga !== 'stdvga') return [];
  const vga = functions.find((f) => f.vendorId === 0x1234 && f.deviceId === 0x1111);
  if (!vga) return [];
  const out: Finding[] = [];
  const MIB = 1n << 20n;
  if (params.videoramMiB > 16) {
    out.push(finding('videoram-unused', `videoram = ${params.videoramMiB}: qemu-xen-traditional's std VGA uses 16 MiB; libxl still takes ${params.videoramMiB} MiB from the guest's RAM`, 'set videoram = 16'));
  }
  const decoded = BigInt(Math.min(params.videoramMiB, 16)) * MIB;
  if ((decoded & (decoded - 1n)) === 0n) return out;
  const bar = result.bars.find((b) => b.slot === vga.slot && b.function === vga.function && b.index === 0);
  if (!bar || !bar.address || bar.placement === 'unplaced') return out;
  // the BAR keeps only the bits of ~(size - 1): the card may sit lower than hvmloader wrote
  const base = (b: PlacedBar) => BigInt(b.address!) & ~0xfn; // the address without the BAR's flag bits
  const written = base(bar);
  const start = written & ~(decoded - 1n) & 0xffffffffn;
  const end = start + decoded;
  const hit = result.bars.filter((b) => b !== bar && b.type !== 'io' && b.address && b.placement !== 'unplaced' && base(b) < end && base(b) + BigInt(b.size) > start);
  const over = hit.map((b) => `${b.slot.toString(16).padStart(2, '0')}:${b.function} ${barName(b)}`);
  out.push(
    finding(
      hit.length ? 'stdvga-overlap' : 'stdvga-decodes-past',
      `videoram = ${params.videoramMiB}: hvmloader sizes the std VGA framebuffer as ${humanSize(BigInt(bar.size))} (its mask's lowest bit) but the card decodes ${humanSize(decoded)}, from ${hex(start)}${start !== written ? ` (hvmloader wrote ${hex(written)}; the BAR keeps only the bits of ~(size - 1))` : ''} to ${hex(end - 1n)}${hit.length ? `, over ${over.join(', ')}` : ', past what hvmloader reserved'}`,
      'set videoram to a power of two (8 or 16)',
    ),
  );
  return out;
}

// What keeps hvmloader from moving RAM for qemu-xen beyond what planning again
// finds (an xl.cfg value, a later release: fixes.ts): who must write
// allow-memory-relocate, or the other device model.
export function relocationFix(release: Release, toolstack: Toolstack): string | undefined {
  if (toolstack !== 'libxl') return `the toolstack must write hvmloader/allow-memory-relocate=0 to the guest's xenstore before it starts, as libxl does for qemu-xen from Xen ${sinceSeries('relocate-devices-not-memory')}`;
  if (!carries(release, 'relocate-devices-not-memory')) return `use Xen ${sinceSeries('relocate-devices-not-memory')} or later, whose libxl tells hvmloader not to move RAM for qemu-xen, or use qemu-xen-traditional`;
  return undefined;
}

// What libxl's reserved-device-memory handling means for the guest (4.6 on).
export function rdmFindings(cfg: GuestConfig, params: PlatformParams, devices: Map<string, HostFunction>, rmrrs: HostRmrr[], release: Release): Finding[] {
  const out: Finding[] = [];
  const rdm = params.rdm;
  if (!rdm || !carries(release, 'libxl-rdm')) return out;
  const MIB = 1n << 20n;
  const owners = (devs: string[]) => (devs.length ? ` (RMRR of ${devs.join(', ')})` : ' (host-wide, rdm strategy=host)');
  if (rdm.loweredBy > 0n) {
    out.push(finding('rdm-lowmem', `libxl ends low RAM at ${hex(rdm.lowMemEnd)}, below an RMRR, and moves ${humanSize(rdm.loweredBy)} of RAM above 4 GiB`));
  }
  for (const c of rdm.conflicts) {
    const range = rdmRange(c.entry);
    const below4g = c.entry.start < 1n << 32n;
    // the boundary that lets pass 1 move low RAM's end below the range
    const boundary = (c.entry.start - 1n) / MIB;
    const fix = below4g
      ? `set rdm_mem_boundary = ${boundary} so libxl ends low RAM below the range, or lower ${cfg.maxmemMiB > cfg.memoryMiB ? 'maxmem' : 'memory'} to ${c.entry.start / MIB + BigInt(params.videoramMiB)} MiB or less`
      : 'lower memory so RAM above 4 GiB ends below the range';
    if (c.outcome === 'fails') {
      out.push(finding('rdm-conflict', `guest RAM covers the RMRR ${range}${owners(c.entry.devices)} and its policy is strict: libxl stops ("RDM conflict at ${hex(c.entry.start)}") and the guest is not created`, fix));
    } else if (c.outcome === 'undetermined') {
      out.push(finding('rdm-conflict-undetermined', `guest RAM covers the RMRR ${range}${owners(c.entry.devices)} and xl left its policy uninitialised: libxl either stops or ignores it`, fix));
    } else {
      out.push(finding('rdm-conflict-ignored', `guest RAM covers the RMRR ${range}${owners(c.entry.devices)}; its policy is relaxed so libxl only warns ("Ignoring RDM conflict"): the device's DMA there lands in guest RAM`, fix));
    }
  }
  for (const e of rdm.hidden) {
    out.push(finding('rdm-hidden', `libxl ${release.text} leaves the RMRR ${rdmRange(e)} of ${e.devices.join(', ')} out of the guest's memory map (a pci entry without rdm_policy keeps an unset policy before 4.14): hvmloader may put a BAR over it`, 'add rdm_policy=strict to the pci entry'));
  }
  for (const s of rdm.shared) {
    const others = s.rmrr.devices.filter((d) => d !== s.device);
    const message = `the RMRR ${rdmRange({ start: s.rmrr.start, size: rmrrSize(s.rmrr) })} of ${s.device} is shared with ${others.join(', ')}: Xen ${s.refused ? 'refuses to assign the device ("disallowed to assign ... with shared RMRR")' : 'assigns it with a warning ("risky")'}`;
    out.push(s.refused ? finding('rmrr-shared-refused', message, `add rdm_policy=relaxed to the pci entry for ${s.device} (the devices sharing the range keep DMAing into it)`) : finding('rmrr-shared', message));
  }
  // devices that nearly always have RMRRs, when none were given for them
  for (const spec of cfg.pci) {
    const fn = devices.get(spec.bdf);
    const usb = fn?.classCode === 0x0c03;
    const igd = fn?.vendorId === 0x8086 && fn.classCode === 0x0300;
    if ((usb || igd) && !rmrrs.some((r) => r.devices.includes(spec.bdf))) {
      out.push(finding('rmrr-unknown', `${spec.bdf} is ${igd ? 'an Intel IGD' : 'a USB controller'}, which usually has an RMRR; none was given, so this plan reserves nothing for it`, `pass its RMRR with --rmrr START-END@${spec.bdf} (from the host's DMAR table or xl dmesg with iommu=verbose)`));
    }
  }
  return out;
}

