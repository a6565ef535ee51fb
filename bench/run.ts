// Placement throughput, as ratios and rates. Run with `npm run bench`.
//
// The reference is hvmloader's own pci_setup compiled natively and run on a
// simulated bus on this machine kind (figures from the project's issue):
// about 11 us per typical bus (half of it printf) and 1.24 ms for the full bus.
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { budget, encode, indexDevices, parseBus, parseLspci, place, placeMany, planGuest, readGuest } from '../src/index.js';
import { fullBus, typicalBus } from './buses.js';

const NATIVE_TYPICAL_US = 11;
const NATIVE_FULL_US = 1240;
const BATCH = 1000;

const typicalInput = typicalBus();
const typical = parseBus(typicalInput);
const fullInput = fullBus();
const full = parseBus(fullInput);
const batchInputs = Array.from({ length: BATCH }, (_, i) => typicalBus((['4.3', '4.6', '4.19', '4.21'] as const)[i % 4]));
const batchBuses = batchInputs.map((b) => parseBus(b));
const encoded = encode(batchBuses);

const bench = new Bench({ time: 1500, warmupTime: 300 });
// per task: how many bus placements one iteration performs, and the native time per placement
const work: Record<string, { buses: number; nativeUs: number }> = {};
function task(name: string, buses: number, nativeUs: number, fn: () => unknown) {
  work[name] = { buses, nativeUs };
  bench.add(name, fn);
}

task('typical bus: place(json) with log', 1, NATIVE_TYPICAL_US, () => place(typicalInput));
task('typical bus: place(parsed) with log', 1, NATIVE_TYPICAL_US, () => place(typical));
task('typical bus: place(parsed) no log', 1, NATIVE_TYPICAL_US, () => place(typical, { log: false }));
task(`typical bus: placeMany(encoded x${BATCH})`, BATCH, NATIVE_TYPICAL_US, () => placeMany(encoded));
task(`typical bus: placeMany(parsed x${BATCH}) incl. encoding`, BATCH, NATIVE_TYPICAL_US, () => placeMany(batchBuses));
task(`typical bus: placeMany(encoded x${BATCH}) + read summaries`, BATCH, NATIVE_TYPICAL_US, () => {
  const r = placeMany(encoded);
  let unplaced = 0;
  for (let i = 0; i < r.count; i++) unplaced += r.unplaced(i);
  return unplaced;
});
task('full bus (1,792 BARs): place(json) with log', 1, NATIVE_FULL_US, () => place(fullInput));
task('full bus (1,792 BARs): place(parsed) with log', 1, NATIVE_FULL_US, () => place(full));
task('full bus (1,792 BARs): place(parsed) no log', 1, NATIVE_FULL_US, () => place(full, { log: false }));

// a toolstack's question before starting a guest: the bundled GPU+NIC guest,
// parsed once, planned under two releases and both device models (4 placements)
const root = new URL('../../', import.meta.url);
const text = (path: string) => readFileSync(new URL(path, root), 'utf8');
const guest = readGuest(text('scenarios/guests/win10-gpu-nic.cfg'), 'win10-gpu-nic.cfg');
const hostDevices = indexDevices([
  { bdf: '0b:00.0', functions: parseLspci(text('scenarios/devices/geforce-rtx3090.lspci')) },
  { bdf: '3b:00.0', functions: parseLspci(text('scenarios/devices/x710-sriov.lspci')) },
]);
task('guest plan: planGuest(win10 guest, 4.17.4+4.19 x both device models)', 4, NaN, () =>
  planGuest(guest, hostDevices, { xen: ['4.17.4', '4.19'], deviceModels: ['qemu-xen', 'qemu-xen-traditional'] }),
);
task('guest plan, outcomes only: planGuest(..., { fixes: false })', 4, NaN, () =>
  planGuest(guest, hostDevices, { xen: ['4.17.4', '4.19'], deviceModels: ['qemu-xen', 'qemu-xen-traditional'], fixes: false }),
);
// the same guest's memory budget (no placement: the rules, the emulated ROMs, the findings)
task('guest budget: budget(win10 guest, 4.17.4+4.19 x both device models)', 4, NaN, () =>
  budget(guest, { xen: ['4.17.4', '4.19'], deviceModels: ['qemu-xen', 'qemu-xen-traditional'], hostFreeMiB: 16384 }),
);

bench.runSync();

const rows = bench.tasks.map((t) => {
  // the median is steadier than the mean on a shared 2-core machine
  const r = t.result as unknown as { latency?: { p50?: number; mean: number }; period?: number };
  const meanMs = r.latency?.p50 ?? r.latency?.mean ?? r.period ?? NaN;
  const { buses, nativeUs } = work[t.name];
  const perBusUs = (meanMs * 1000) / buses;
  return {
    task: t.name,
    'placements/s': Math.round((buses * 1000) / meanMs).toLocaleString('en-US'),
    'us per bus': perBusUs < 10 ? perBusUs.toFixed(2) : perBusUs.toFixed(1),
    'vs native hvmloader': Number.isNaN(nativeUs) ? 'n/a (whole plan)' : `${(nativeUs / perBusUs).toFixed(2)}x`,
  };
});
console.log(`node ${process.version}, ${rows.length} tasks, median times; "vs native" > 1 means faster than hvmloader's own C`);
console.table(rows);
