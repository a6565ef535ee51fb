// The buses the benchmarks place: a typical passthrough guest and a bus with
// every slot and function populated.
import type { BusInput, DeviceInput } from '../src/index.js';

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
