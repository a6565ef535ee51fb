// Placement throughput, as ratios and rates. Run with `npm run bench`.
//
// The reference is hvmloader's own pci_setup compiled natively and run on a
// simulated bus on this machine kind (figures from the project's issue):
// about 11 us per typical bus (half of it printf) and 1.24 ms for the full bus.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Bench } from 'tinybench';
import { budget, encode, indexDevices, parseBus, parseLspci, place, placeMany, planGuest, readGuest } from '../src/index.js';
import { fullBus, realisticBuses, typicalBus } from './buses.js';

const NATIVE_TYPICAL_US = 11;
const NATIVE_FULL_US = 1240;
const BATCH = 1000;
const root = new URL('../../', import.meta.url);

const typicalInput = typicalBus();
const typical = parseBus(typicalInput);
const fullInput = fullBus();
const full = parseBus(fullInput);
const batchInputs = Array.from({ length: BATCH }, (_, i) => typicalBus((['4.3', '4.6', '4.19', '4.21'] as const)[i % 4]));
const batchBuses = batchInputs.map((b) => parseBus(b));
const encoded = encode(batchBuses);
// guests as planGuest builds them: both device models, 0-4 passthrough devices, RMRRs, masks
const realistic = realisticBuses(BATCH, root);
const realisticEncoded = encode(realistic);

const bench = new Bench({ time: 1500, warmupTime: 300 });
// per task: how many bus placements one iteration performs, the native time
// per placement, and the JSON round trip of the same buses it is compared with
const work: Record<string, { buses: number; nativeUs: number; fn: () => unknown; json?: string }> = {};
function task(name: string, buses: number, nativeUs: number, fn: () => unknown, json?: string) {
  work[name] = { buses, nativeUs, fn, json };
  bench.add(name, fn);
}
// The yardstick: JSON.parse(JSON.stringify(x)) of the very buses a row places.
const roundTrip = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
const JSON_TYPICAL = 'yardstick: JSON round trip, typical bus';
const JSON_FULL = 'yardstick: JSON round trip, full bus';
const JSON_BATCH = `yardstick: JSON round trip, typical x${BATCH}`;
const JSON_REALISTIC = `yardstick: JSON round trip, realistic x${BATCH}`;
task(JSON_TYPICAL, 1, NaN, () => roundTrip(typicalInput));
task(JSON_FULL, 1, NaN, () => roundTrip(fullInput));
task(JSON_BATCH, BATCH, NaN, () => roundTrip(batchInputs));
task(JSON_REALISTIC, BATCH, NaN, () => roundTrip(realistic));

task('typical bus: place(plain object) with log', 1, NATIVE_TYPICAL_US, () => place(typicalInput), JSON_TYPICAL);
task('typical bus: place(plain object) no log', 1, NATIVE_TYPICAL_US, () => place(typicalInput, { log: false }), JSON_TYPICAL);
task('typical bus: place(parsed) with log', 1, NATIVE_TYPICAL_US, () => place(typical), JSON_TYPICAL);
task(`typical bus: placeMany(plain objects x${BATCH})`, BATCH, NATIVE_TYPICAL_US, () => placeMany(batchInputs), JSON_BATCH);
task(`typical bus: placeMany(parsed x${BATCH}) incl. encoding`, BATCH, NATIVE_TYPICAL_US, () => placeMany(batchBuses), JSON_BATCH);
task(`typical bus: placeMany(encoded x${BATCH}) (engine path)`, BATCH, NATIVE_TYPICAL_US, () => placeMany(encoded), JSON_BATCH);
task(`typical bus: placeMany(encoded x${BATCH}) + read summaries`, BATCH, NATIVE_TYPICAL_US, () => {
  const r = placeMany(encoded);
  let unplaced = 0;
  for (let i = 0; i < r.count; i++) unplaced += r.unplaced(i);
  return unplaced;
}, JSON_BATCH);
task(`realistic buses: placeMany(plain objects x${BATCH})`, BATCH, NATIVE_TYPICAL_US, () => placeMany(realistic), JSON_REALISTIC);
task(`realistic buses: placeMany(encoded x${BATCH}) (engine path)`, BATCH, NATIVE_TYPICAL_US, () => placeMany(realisticEncoded), JSON_REALISTIC);
task('full bus (1,792 BARs): place(plain object) with log', 1, NATIVE_FULL_US, () => place(fullInput), JSON_FULL);
task('full bus (1,792 BARs): place(plain object) no log', 1, NATIVE_FULL_US, () => place(fullInput, { log: false }), JSON_FULL);
task('full bus (1,792 BARs): place(parsed) no log', 1, NATIVE_FULL_US, () => place(full, { log: false }), JSON_FULL);

// a toolstack's question before starting a guest: the bundled GPU+NIC guest,
// parsed once, planned under two releases and both device models (4 placements)
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

/** Milliseconds per call of fn, over `calls` calls. */
function timeCalls(fn: () => unknown, calls: number): number {
  const start = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return (performance.now() - start) / calls;
}

/**
 * A row's time over its yardstick's, from paired samples: each round times
 * the row and then its JSON round trip back to back (about 10 ms each), so
 * both see the same load on a shared machine; the median of the rounds'
 * ratios. (Dividing two medians taken seconds apart moved by 2x under load.)
 */
function pairedRatio(fn: () => unknown, fnMs: number, json: () => unknown, jsonMs: number): number {
  const calls = (ms: number) => Math.max(1, Math.round(10 / ms));
  const ratios: number[] = [];
  for (let round = 0; round < 25; round++) ratios.push(timeCalls(fn, calls(fnMs)) / timeCalls(json, calls(jsonMs)));
  ratios.sort((a, b) => a - b);
  return ratios[ratios.length >> 1];
}

const medianMs = new Map<string, number>();
for (const t of bench.tasks) {
  // the median is steadier than the mean on a shared 2-core machine
  const r = t.result as unknown as { latency?: { p50?: number; mean: number }; period?: number };
  medianMs.set(t.name, r.latency?.p50 ?? r.latency?.mean ?? r.period ?? NaN);
}
const rows = bench.tasks.map((t) => {
  const meanMs = medianMs.get(t.name)!;
  const { buses, nativeUs, json } = work[t.name];
  const perBusUs = (meanMs * 1000) / buses;
  const yardstick = t.name.startsWith('yardstick');
  return {
    task: t.name,
    'placements/s': !yardstick ? Math.round((buses * 1000) / meanMs).toLocaleString('en-US') : '',
    'us per bus': perBusUs < 10 ? perBusUs.toFixed(2) : perBusUs.toFixed(1),
    'x JSON round trip': json ? pairedRatio(work[t.name].fn, meanMs, work[json].fn, medianMs.get(json)!).toFixed(2) : '',
    'vs native hvmloader': yardstick ? '' : Number.isNaN(nativeUs) ? 'n/a (whole plan)' : `${(nativeUs / perBusUs).toFixed(2)}x`,
  };
});
const [load1, load5] = loadavg();
console.log(`node ${process.version}, ${rows.length} tasks, median times, load average ${load1.toFixed(2)} / ${load5.toFixed(2)} (1 / 5 min)`);
console.log('"x JSON round trip": time / JSON.parse(JSON.stringify(the same buses)), timed in alternation, lower is faster; "vs native" > 1 means faster than hvmloader\'s own C');
console.table(rows);
