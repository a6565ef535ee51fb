// The buses the benchmarks place: a typical passthrough guest, a bus with
// every slot and function populated, and a set of realistic guests' buses.
import { readFileSync } from 'node:fs';
import { indexDevices, parseLspci, parseRmrrSpec, planGuest, readGuest } from '../src/index.js';
import { hvmloaderOf, parseRelease } from '../src/guest/releases.js';
import type { BarInput, BusInput, DeviceInput } from '../src/index.js';

const emulated: DeviceInput[] = [
  { slot: 0, vendorId: '0x8086', deviceId: '0x1237', classCode: '0x0600', bars: [] },
  { slot: 1, vendorId: '0x8086', deviceId: '0x7000', classCode: '0x0601', bars: [] },
  { slot: 1, function: 1, vendorId: '0x8086', deviceId: '0x7010', classCode: '0x0101', bars: [{ index: 4, type: 'io', size: '0x10' }] },
  { slot: 1, function: 3, vendorId: '0x8086', deviceId: '0x7113', classCode: '0x0680', interruptPin: 1, bars: [] },
  {
    slot: 2, vendorId: '0x5853', deviceId: '0x0001', classCode: '0xff80', interruptPin: 1,
    bars: [{ index: 0, type: 'io', size: '0x100' }, { index: 1, type: 'mem32', prefetchable: true, size: '0x1000000' }],
  },
  {
    slot: 3, vendorId: '0x1234', deviceId: '0x1111', classCode: '0x0300',
    bars: [{ index: 0, type: 'mem32', prefetchable: true, size: '0x1000000' }, { index: 2, type: 'mem32', size: '0x1000' }, { type: 'rom', size: '0x10000' }],
  },
];

/** About 8 devices and 20 BARs: the emulated set, a GPU, a NIC, an NVMe drive and an e1000. */
export function typicalBus(hvmloader: BusInput['hvmloader'] = '4.21'): BusInput {
  return {
    hvmloader,
    lowMemEnd: '0xf0000000',
    highMemEnd: '0x20f000000',
    allowMemoryRelocate: false,
    devices: [
      ...emulated,
      {
        slot: 4, vendorId: '0x8086', deviceId: '0x100e', classCode: '0x0200', interruptPin: 1,
        bars: [{ index: 0, type: 'mem32', size: '0x20000' }, { index: 1, type: 'io', size: '0x40' }, { type: 'rom', size: '0x40000' }],
      },
      {
        slot: 5, vendorId: '0x10de', deviceId: '0x1eb8', classCode: '0x0302', interruptPin: 1,
        bars: [
          { index: 0, type: 'mem32', size: '0x1000000' },
          { index: 1, type: 'mem64', prefetchable: true, size: '0x10000000' },
          { index: 3, type: 'mem64', prefetchable: true, size: '0x2000000' },
          { index: 5, type: 'io', size: '0x80' },
          { type: 'rom', size: '0x80000' },
        ],
      },
      {
        slot: 6, vendorId: '0x8086', deviceId: '0x1572', classCode: '0x0200', interruptPin: 1,
        bars: [
          { index: 0, type: 'mem64', prefetchable: true, size: '0x800000' },
          { index: 3, type: 'mem64', prefetchable: true, size: '0x8000' },
          { type: 'rom', size: '0x80000' },
        ],
      },
      {
        slot: 7, vendorId: '0x144d', deviceId: '0xa808', classCode: '0x0108', interruptPin: 1,
        bars: [{ index: 0, type: 'mem64', size: '0x4000' }],
      },
    ],
  };
}

const hex = (n: number) => '0x' + n.toString(16);

/** All 32 slots x 8 functions, each with six BARs and a ROM (1,792 BARs). */
export function fullBus(hvmloader: BusInput['hvmloader'] = '4.21'): BusInput {
  const devices: DeviceInput[] = [];
  for (let slot = 0; slot < 32; slot++) {
    for (let fn = 0; fn < 8; fn++) {
      const devfn = (slot << 3) | fn;
      const isa = devfn === 0x08;
      const k = (devfn * 7) % 11;
      devices.push({
        slot,
        function: fn,
        vendorId: isa ? '0x8086' : '0x1af4',
        deviceId: isa ? '0x7000' : hex(0x1000 + devfn),
        classCode: '0x0200',
        interruptPin: (devfn % 4) + 1,
        bars: [
          { index: 0, type: 'mem32', size: hex(0x1000 << k) },
          { index: 1, type: 'io', size: hex(0x10 << (k % 4)) },
          { index: 2, type: 'mem32', prefetchable: true, size: hex(0x10000 << (k % 5)) },
          { index: 3, type: 'mem32', size: hex(0x1000 << ((k + 3) % 8)) },
          { index: 4, type: 'io', size: '0x4' },
          { index: 5, type: 'mem32', size: '0x1000' },
          { type: 'rom', size: hex(0x800 << (k % 6)) },
        ],
      });
    }
  }
  return { hvmloader, lowMemEnd: '0x7f000000', devices };
}

// ---- realistic buses ---------------------------------------------------------
// What planGuest builds for real guests: the qemu-xen and qemu-xen-traditional
// emulated sets (VGA, NIC, disk controllers, platform device), 0-4 of the
// bundled host devices passed through, RAM from 512 MiB to 64 GiB, the IGD's
// RMRR on some, and on some the raw read-backs (masks) instead of sizes.

const HOST_DEVICES: [bdf: string, file: string][] = [
  ['0b:00.0', 'geforce-rtx3090.lspci'],
  ['00:02.0', 'intel-igd.lspci'],
  ['3b:00.0', 'x710-sriov.lspci'],
  ['01:00.0', 'nvme-ssd.lspci'],
  ['3b:02.0', 'x710-vf.lspci'],
];
const RAM_MIB = [512, 1024, 2048, 3840, 4096, 8192, 16384, 65536];
const IGD_STOLEN = '0x7b800000-0x7fffffff@0000:00:02.0';

/** The raw read-back of a BAR of this size (what writing all-ones returns). */
function maskOf(bar: BarInput): BarInput {
  const size = BigInt(bar.size as string);
  if (bar.type === 'mem64') {
    const low = Number((~(size - 1n) & 0xfffffff0n) | 0x4n | (bar.prefetchable ? 0x8n : 0n));
    const high = Number((~(size - 1n) >> 32n) & 0xffffffffn);
    return { index: bar.index, type: bar.type, ...(bar.prefetchable ? { prefetchable: true } : {}), mask: '0x' + low.toString(16), maskHigh: '0x' + high.toString(16) };
  }
  if (bar.type === 'io') return { index: bar.index, type: 'io', mask: '0x' + Number((~(size - 1n) & 0xfffffffcn) | 1n).toString(16) };
  if (bar.type === 'rom') return { type: 'rom', mask: '0x' + Number(~(size - 1n) & 0xfffff800n).toString(16) };
  return { index: bar.index, type: 'mem32', ...(bar.prefetchable ? { prefetchable: true } : {}), mask: '0x' + Number((~(size - 1n) & 0xfffffff0n) | (bar.prefetchable ? 0x8n : 0n)).toString(16) };
}

/**
 * `count` buses (BusInput, as JSON gives them) of varied realistic guests,
 * built through the guest layer (readGuest + planGuest) under 4.17.4 and 4.19
 * and both device models. Deterministic: bus i is always the same.
 */
export function realisticBuses(count: number, rootUrl: URL): BusInput[] {
  const text = (path: string) => readFileSync(new URL(path, rootUrl), 'utf8');
  const host = indexDevices(HOST_DEVICES.map(([bdf, file]) => ({ bdf, functions: parseLspci(text(`scenarios/devices/${file}`)) })));
  const rmrrs = [parseRmrrSpec(IGD_STOLEN)];
  const kinds: BusInput[] = [];
  for (let passthrough = 0; passthrough <= 4; passthrough++) {
    for (const mib of RAM_MIB) {
      const pci = HOST_DEVICES.slice(0, passthrough).map(([bdf]) => `'0000:${bdf}'`);
      // the IGD (second) brings its RMRR; libxl reserves it with rdm
      const cfg = [
        `name = "bench-${passthrough}-${mib}"`,
        'type = "hvm"',
        `memory = ${mib}`,
        mib >= 4096 ? 'vga = "stdvga"' : 'vga = "cirrus"',
        `pci = [ ${pci.join(', ')} ]`,
        `vif = [ 'bridge=xenbr0,model=${mib % 3 === 0 ? 'rtl8139' : 'e1000'}' ]`,
        "disk = [ 'phy:/dev/vg0/g,hda,w' ]",
        ...(passthrough >= 2 ? ['rdm = "strategy=host,policy=relaxed"'] : []),
      ].join('\n');
      const plan = planGuest(readGuest(cfg, 'bench.cfg'), host, { xen: ['4.17.4', '4.19'], deviceModels: ['qemu-xen', 'qemu-xen-traditional'], rmrrs, fixes: false });
      for (const c of plan.cases) if (c.bus && c.hvmloader) kinds.push({ ...c.bus, hvmloader: hvmloaderOf(parseRelease(c.xen)).hvmloader });
    }
  }
  if (kinds.length === 0) throw new Error('the guest layer built no bench buses');
  return Array.from({ length: count }, (_, i) => {
    const bus = kinds[(i * 7) % kinds.length];
    // every third bus with raw read-backs for the functions past the chipset's (slot 2 on)
    if (i % 3 !== 2) return structuredClone(bus);
    return { ...structuredClone(bus), devices: bus.devices.map((d) => (d.slot < 2 ? structuredClone(d) : { ...structuredClone(d), bars: (d.bars ?? []).map((b) => (b.size === undefined ? structuredClone(b) : maskOf(b))) })) };
  });
}
