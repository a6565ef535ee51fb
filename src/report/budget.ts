// The budget report: one column per Xen release and device model with the
// figures, then each case's findings and what xl's pre-check leaves out.

import type { BudgetCase, GuestBudget } from '../budget/budget.js';
import { outcomeText } from './plan.js';
import { columns, wrap } from './text.js';

const SEVERITY = { fatal: 'FATAL', error: 'ERROR', warning: 'WARN', note: 'note' } as const;
const caseName = (c: BudgetCase) => `Xen ${c.xen}${c.deviceModel ? ` ${c.deviceModel}` : ` ${c.type.toUpperCase()}`}`;
const mib = (kib: number) => (kib % 1024 === 0 ? `${kib / 1024} MiB` : `${(kib / 1024).toFixed(2)} MiB`);

/** The figures of each case as table rows (label, one cell per case). */
export function budgetRows(cases: BudgetCase[], outcomeLabel = 'OUTCOME'): string[][] {
  const row = (label: string, cell: (c: BudgetCase) => string) => [label, ...cases.map((c) => (c.available ? cell(c) : 'n/a'))];
  return [
    row('max_pages', (c) => `${c.maxPages} (${mib(c.maxPages * 4)})`),
    row('claim', (c) => (c.claimPages !== null ? `${c.claimPages} pages${c.claimFailure ? ` FAILS ${c.claimFailure.errno}` : c.claimChecked ? ' fits' : ''}` : c.claimsExist ? 'none (claim_mode off)' : 'none (no claims before 4.3)')),
    row('PoD target', (c) => (c.podTargetPages === null ? '-' : `${c.podTargetPages} pages`)),
    row('balloon target', (c) => `${c.balloonTargetKiB} KiB`),
    row('paging pool', (c) => `${c.shadowKiB} KiB${c.pagingPoolKiB !== c.shadowKiB ? ` (allocates ${c.pagingPoolKiB})` : ''}`),
    row('IOMMU', (c) => `${c.iommuKiB} KiB`),
    row('stub domain', (c) => (c.stubdomKiB ? mib(c.stubdomKiB) : '-')),
    row("xl's pre-check", (c) => mib(c.needMemoryKiB)),
    row('XAPI footprint', (c) => (c.xapiFootprintMiB === null ? '-' : `${c.xapiFootprintMiB} MiB`)),
    row('ROM slack / need', (c) => (c.romSlackKiB === null || !c.romNeedKiB ? '-' : `${c.romSlackKiB} / ~${c.romNeedKiB.kib} KiB${c.romNeedKiB.kib > c.romSlackKiB ? ' SHORT' : ''}`)),
    [outcomeLabel, ...cases.map((c) => outcomeText(c))],
  ];
}

export function budgetReport(b: GuestBudget): string {
  const out: string[] = [`Memory budget of ${b.guest}`, ''];
  out.push(columns([['', ...b.cases.map(caseName)], ...budgetRows(b.cases)]));
  out.push('', '~ marks an estimate (ROM files differ by distribution).');
  for (const c of b.cases) {
    out.push('', caseName(c));
    if (c.available) out.push('  ' + wrap(`xl's pre-check (libxl_domain_need_memory) leaves out: ${c.needMemoryLeavesOut.join('; ')}`, 108).replace(/\n/g, '\n    '));
    for (const f of c.findings) out.push('  ' + wrap(`${SEVERITY[f.severity]} ${f.message}${f.fix ? ` -> fix: ${f.fix}` : ''}`, 108).replace(/\n/g, '\n        '));
  }
  return out.join('\n') + '\n';
}

/**
 * The budget section `plan` appends to its text report: the figures of each
 * case's memory budget. Its findings are already among the case's own (one
 * verdict), so only the figures are shown here.
 */
export function planBudgetSection(cases: BudgetCase[]): string {
  if (!cases.length) return '';
  const rows = budgetRows(cases).slice(0, -1); // the outcome is the case's, shown above
  return ['', 'Memory budget (mmio-planner budget has the details)', columns([['', ...cases.map(caseName)], ...rows])].join('\n') + '\n';
}
