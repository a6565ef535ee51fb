// The guest report: per device, what happens under each device model and Xen
// release side by side; then each case's findings (with fixes) and the lines
// hvmloader will print.

import type { CaseFix, GuestPlan, PlanCase } from '../guest/plan.js';
import type { PlacedBar } from '../contract.js';
import { worstFirst } from '../verdict/findings.js';
import { placementSvg } from './svg.js';
import { columns, wrap } from './text.js';

/** How the report names each severity. */
export const SEVERITY = { fatal: 'FATAL', error: 'ERROR', warning: 'WARN', note: 'note' } as const;
/** The case outcome as the report writes it: works, DEGRADED (why), FAILS (why). */
export const outcomeText = (c: Pick<PlanCase, 'outcome' | 'reasons'>) => (c.outcome === 'works' ? 'works' : `${c.outcome.toUpperCase()} (${c.reasons.join(', ')})`);

/** A fix checked by planning again: "mmio_hole = 1024 -> works; moves 512 MiB of RAM above 4 GiB". */
export const fixText = (f: CaseFix) => `${f.change} -> ${f.outcome}${f.remaining.length ? ` (${f.remaining.join(', ')})` : ''}${f.cost ? `; ${f.cost}` : ''}`;

/** A name for a case: "Xen 4.19.0 qemu-xen". */
export const caseName = (c: PlanCase) => `Xen ${c.xen} ${c.deviceModel}`;

/** The devices of every case, each once: passed-through ones keyed by host BDF, emulated by label. */
export function deviceRows(plan: GuestPlan): { key: string; label: string }[] {
  const rows: { key: string; label: string }[] = [];
  for (const c of plan.cases) {
    for (const d of c.devices) {
      const key = d.hostBdf ?? d.label;
      if (!rows.some((r) => r.key === key)) rows.push({ key, label: d.hostBdf ? `${d.label} (host ${d.hostBdf})` : d.label });
    }
  }
  return rows;
}

/** What happens to one device in one case: "05:0 relocated bar 14 (256 MiB)", "n/a", "-". */
export function deviceCell(c: PlanCase, key: string): string {
  if (!c.available) return 'n/a';
  const d = c.devices.find((x) => (x.hostBdf ?? x.label) === key);
  if (!d) return '-';
  const at = `${d.slot.toString(16).padStart(2, '0')}:${d.function}`;
  if (d.outcome === 'dropped') return `${at} DROPPED ${d.droppedBars.join(', ')}`;
  if (d.outcome === 'relocated') return `${at} relocated ${d.relocatedBars.join(', ')}`;
  return `${at} mapped`;
}

/** The guest's memory as libxl and hvmloader leave it, one or two lines. */
export function caseLayoutLines(c: PlanCase): string[] {
  if (!c.params || !c.result) return [];
  const relocate = c.params.allowMemoryRelocate === null ? 'not written (hvmloader relocates)' : c.params.allowMemoryRelocate ? '1' : '0';
  const out = [`RAM below 4 GiB to ${c.result.ram.lowMemEnd}${BigInt(c.result.ram.highMemEnd) > 0n ? `, above 4 GiB to ${c.result.ram.highMemEnd}` : ''}; hole ${c.result.lowHole.start}-${c.result.lowHole.end}; allow-memory-relocate ${relocate}${c.params.mmioHoleSize ? `; mmio_hole_size ${c.params.mmioHoleSize}` : ''}; ${c.params.vga} ${c.params.videoramMiB} MiB`];
  if (c.params.reserved.length) out.push(`reserved (RMRR) in the guest's memory map: ${c.params.reserved.map((r) => `${r.start}+${r.size}`).join(', ')}`);
  return out;
}

export const NO_FINDINGS = 'no findings: every device is mapped below 4 GiB';

export function planReport(plan: GuestPlan, options: { log?: boolean } = {}): string {
  const out: string[] = [`Guest ${plan.guest}`, ''];
  const cases = plan.cases;
  const rows = deviceRows(plan);
  const outcomeRow = ['OUTCOME', ...cases.map((c) => outcomeText(c))];
  out.push(columns([['DEVICE', ...cases.map(caseName)], ...rows.map((r) => [r.label, ...cases.map((c) => deviceCell(c, r.key))]), outcomeRow]));
  for (const c of cases) {
    out.push('', `${caseName(c)}${c.hvmloader ? ` (hvmloader of ${c.hvmloader})` : ''}`);
    for (const line of caseLayoutLines(c)) out.push(`  ${line}`);
    out.push(`  outcome: ${outcomeText(c)}`);
    if (c.findings.length === 0) out.push(`  ${NO_FINDINGS}`);
    for (const f of worstFirst(c.findings)) {
      out.push('  ' + wrap(`${SEVERITY[f.severity]} ${f.message}${f.fix ? ` -> fix: ${f.fix}` : ''}`, 108).replace(/\n/g, '\n        '));
    }
    if (c.fixes.length) {
      out.push('  checked by planning again with the change:');
      for (const f of c.fixes) out.push(`    ${fixText(f)}`);
    }
    if (c.result && (options.log ?? true)) {
      out.push('  hvmloader will print:');
      for (const line of c.result.log) if (line.startsWith('pci dev') || line.startsWith('Low MMIO') || line.startsWith('Relocating 0x')) out.push(`    ${line}`);
    }
  }
  return out.join('\n') + '\n';
}

/** The address map of one placed case, BARs named by their device; undefined when nothing was placed. */
export function planCaseSvg(c: PlanCase, title: string): string | undefined {
  if (!c.result) return undefined;
  // a short name: the product in lspci's [brackets] if any, else the label
  const short = (label: string) => /\[([^\]]+)\]/.exec(label)?.[1] ?? label.replace(/ \(vif \d+\)$/, '');
  const names = new Map(c.devices.map((d) => [`${d.slot}:${d.function}`, `${short(d.label)} ${d.slot.toString(16).padStart(2, '0')}:${d.function}`]));
  const reserved = (c.bus?.reserved ?? []).map((r) => ({ start: BigInt(r.start), size: BigInt(r.size) }));
  const label = (b: PlacedBar) => names.get(`${b.slot}:${b.function}`) ?? `${b.slot.toString(16).padStart(2, '0')}:${b.function}`;
  return placementSvg(c.result, title, label, reserved);
}
