// The plan as DOM: the releases side by side, then each case with its
// outcome, findings (worst first, with fixes), device table, address map and
// the lines hvmloader prints. Words come from the CLI's report (src/report/).

import type { GuestPlan, PlanCase } from '../src/guest/plan.js';
import { worstFirst } from '../src/verdict/findings.js';
import { humanSize } from '../src/hex.js';
import { caseLayoutLines, caseName, deviceCell, deviceRows, fixText, NO_FINDINGS, outcomeText, planCaseSvg, SEVERITY } from '../src/report/plan.js';

type Child = Node | string | undefined | false;

/** An element with attributes and children; text is always set as text, never parsed. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== undefined && c !== false) el.append(c);
  return el;
}

const slotOf = (d: { slot: number; function: number }) => `${d.slot.toString(16).padStart(2, '0')}:${d.function}`;
const caseId = (i: number) => `case-${i}`;

// the verdict's outcome (src/verdict/), with the finding codes behind it
function outcomeBadge(c: PlanCase): HTMLElement {
  return h('span', { class: 'outcome-line' }, h('span', { class: `outcome ${c.outcome}`, 'data-outcome': c.outcome }, c.outcome), c.reasons.length ? h('span', { class: 'reasons', 'data-reasons': c.reasons.join(' ') }, ` ${c.reasons.join(', ')}`) : undefined);
}

function sideBySide(plan: GuestPlan): HTMLElement {
  const cases = plan.cases;
  const head = h('tr', {}, h('th', { scope: 'col' }, ''), ...cases.map((c, i) => h('th', { scope: 'col' }, h('a', { href: `#${caseId(i)}`, 'data-jump': caseId(i) }, caseName(c)))));
  const row = (label: string, cell: (c: PlanCase) => Node | string) => h('tr', {}, h('th', { scope: 'row' }, label), ...cases.map((c) => h('td', {}, cell(c))));
  const placed = (f: (c: PlanCase & { result: NonNullable<PlanCase['result']> }) => string) => (c: PlanCase) => (c.result ? f(c as PlanCase & { result: NonNullable<PlanCase['result']> }) : c.available ? 'not placed' : 'n/a');
  const rows = [
    row('outcome', outcomeBadge),
    row('hvmloader', (c) => c.hvmloader ?? '-'),
    row('low MMIO hole', placed((c) => `${c.result.lowHole.start}-${c.result.lowHole.end}`)),
    row('RAM ends', placed((c) => `${c.result.ram.lowMemEnd}${BigInt(c.result.ram.highMemEnd) > 0n ? ` / ${c.result.ram.highMemEnd}` : ''}`)),
    row('RAM moved', placed((c) => (BigInt(c.result.ram.relocated) > 0n ? humanSize(BigInt(c.result.ram.relocated)) : 'none'))),
    row('64-bit window', placed((c) => (c.result.highWindow ? `${c.result.highWindow.start}-${c.result.highWindow.end}` : 'none'))),
    ...deviceRows(plan).map((r) =>
      h(
        'tr',
        { class: 'device-row', 'data-key': r.key },
        h('th', { scope: 'row' }, r.label),
        ...cases.map((c) => {
          const d = c.devices.find((x) => (x.hostBdf ?? x.label) === r.key);
          return h('td', { class: d ? `device ${d.outcome}` : undefined }, deviceCell(c, r.key));
        }),
      ),
    ),
  ];
  return h('section', { class: 'side-by-side', 'aria-labelledby': 'sbs-title' }, h('h2', { id: 'sbs-title' }, 'Releases side by side'), h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'releases side by side (scrolls)' }, h('table', {}, h('thead', {}, head), h('tbody', {}, ...rows))));
}

function findingsList(c: PlanCase): HTMLElement {
  if (c.findings.length === 0) return h('p', { class: 'no-findings' }, NO_FINDINGS);
  const sorted = worstFirst(c.findings);
  return h(
    'ul',
    { class: 'findings' },
    ...sorted.map((f) =>
      h('li', { class: `finding ${f.severity}`, 'data-code': f.code, 'data-severity': f.severity }, h('span', { class: 'severity' }, SEVERITY[f.severity]), ' ', h('span', { class: 'message' }, f.message), f.fix ? h('div', { class: 'fix' }, h('span', {}, 'fix: '), h('span', { class: 'fix-text' }, f.fix)) : undefined, h('span', { class: 'code' }, f.code)),
    ),
  );
}

function deviceTable(c: PlanCase): HTMLElement {
  if (c.devices.length === 0) return h('p', {}, 'no devices on this bus');
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { class: 'devices' },
      h('thead', {}, h('tr', {}, ...['slot', 'device', 'host', 'outcome', 'above 4 GiB', 'not placed'].map((t) => h('th', { scope: 'col' }, t)))),
      h(
        'tbody',
        {},
        ...c.devices.map((d) =>
          h('tr', { 'data-key': d.hostBdf ?? d.label, 'data-slot': slotOf(d), 'data-outcome': d.outcome }, h('td', {}, slotOf(d)), h('td', {}, d.label), h('td', {}, d.hostBdf ?? ''), h('td', { class: `device ${d.outcome}` }, d.outcome), h('td', { class: 'bars-high' }, d.relocatedBars.join(', ')), h('td', { class: 'bars-dropped' }, d.droppedBars.join(', '))),
        ),
      ),
    ),
  );
}

function fixesList(c: PlanCase): HTMLElement {
  return h('ul', { class: 'fixes' }, ...c.fixes.map((f) => h('li', { class: `checked-fix ${f.outcome}`, 'data-outcome': f.outcome }, fixText(f))));
}

function caseSection(plan: GuestPlan, c: PlanCase, i: number): HTMLElement {
  const title = `${caseName(c)}${c.hvmloader ? ` (hvmloader of ${c.hvmloader})` : ''}`;
  const section = h('details', { class: 'case', id: caseId(i), 'data-xen': c.xen, 'data-dm': c.deviceModel, open: '' });
  section.append(h('summary', { title: `outcome: ${outcomeText(c)}` }, h('h2', {}, h('span', { class: `outcome ${c.outcome}`, 'data-outcome': c.outcome }, c.outcome), ' ', title)));
  if (c.reasons.length) section.append(h('p', { class: 'outcome-text' }, `outcome: ${outcomeText(c)}`));
  for (const line of caseLayoutLines(c)) section.append(h('p', { class: 'layout' }, line));
  section.append(h('h3', {}, 'Findings'), findingsList(c));
  if (c.fixes.length) section.append(h('h3', {}, 'Checked by planning again with the change'), fixesList(c));
  section.append(h('h3', {}, 'Devices'), deviceTable(c));
  const svg = planCaseSvg(c, `${plan.guest}: Xen ${c.xen}, ${c.deviceModel}`);
  if (svg) {
    const map = h('div', { class: 'map scroll', tabindex: '0', role: 'region', 'aria-label': `address map, ${caseName(c)} (scrolls)` });
    // svg.ts escapes every label it writes (escapeXml), so this markup holds no page input unescaped
    map.innerHTML = svg;
    section.append(h('h3', {}, 'Address map'), map);
  }
  if (c.result) section.append(h('h3', {}, 'hvmloader will print'), h('pre', { class: 'log', tabindex: '0' }, c.result.log.join('\n')));
  return section;
}

export function renderPlan(plan: GuestPlan, budget?: string): DocumentFragment {
  const out = document.createDocumentFragment();
  out.append(sideBySide(plan));
  plan.cases.forEach((c, i) => out.append(caseSection(plan, c, i)));
  // the memory budget as `plan` prints it after its report (src/report/budget.ts)
  if (budget?.trim()) out.append(h('details', { class: 'budget', open: '' }, h('summary', {}, h('h2', {}, 'Memory budget')), h('pre', { class: 'log budget-text', tabindex: '0' }, budget.trim())));
  return out;
}
