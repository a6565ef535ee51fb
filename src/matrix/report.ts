// The risk matrix as Markdown, CSV, JSON and one self-contained HTML page
// (a heatmap of verdicts over RAM x MMIO need, one panel per device model and
// toolstack, hover details per cell, a legend; no network).

import { escapeXml } from '../report/svg.js';
import { planCommand, planRelease, reproduction } from './reproduce.js';
import { smallestRegressions, VERDICTS, type Matrix, type Row, type Verdict } from './run.js';
import type { Cell, Panel } from './aggregate.js';

const COLORS: Record<Verdict, string> = {
  regression: '#d62728',
  'still failing': '#7f7f7f',
  improvement: '#2ca02c',
  'changed, same outcome': '#98df8a',
  unaffected: '#e8eef7',
  pv: '#ffffff',
};

const describe = (r: Row) =>
  `${r.guestType.toUpperCase()}, ${r.toolstack}, ${r.deviceModel}${r.stubdomain ? ' stub domain' : ''}, RAM ${r.ramMiB} MiB, ${r.deviceSet ? `devices ${r.deviceSet} (` : ''}MMIO ${r.mmio32MiB} MiB 32-bit + ${r.mmio64MiB} MiB 64-bit${r.deviceSet ? ')' : ''}${r.mmioHoleMiB ? `, mmio_hole ${r.mmioHoleMiB}` : ''}${r.bios !== 'default' ? `, bios ${r.bios}` : ''}: ${side(r.from, r.fromWhy)} -> ${side(r.to, r.toWhy)}`;
const side = (o: Row['from'], why: Row['fromWhy']) => (why ? `${o} (${why})` : o);

export function summaryLines(m: Matrix): string[] {
  const total = m.total;
  const hvm = total - m.counts.pv;
  const placements = 2 * hvm;
  const lines = [`${total} configurations, ${m.title}, ${placements} placements in ${m.seconds.toFixed(m.seconds < 10 ? 2 : 1)} s (${Math.round(placements / m.seconds).toLocaleString('en-US')} placements/s)`];
  for (const v of VERDICTS) {
    if (v === 'pv') continue;
    lines.push(`  ${v.padEnd(21)} ${String(m.counts[v]).padStart(7)}  (${hvm ? ((100 * m.counts[v]) / hvm).toFixed(1) : '0.0'}% of HVM)`);
  }
  lines.push(`  ${'PV (no hvmloader)'.padEnd(21)} ${String(m.counts.pv).padStart(7)}`);
  for (const [why, n] of Object.entries(m.skipped)) lines.push(`  not generated: ${n} (${why})`);
  const regs = smallestRegressions(m);
  lines.push(regs.length ? 'Regressions (the outcome gets worse), the smallest configuration of each kind:' : 'No configuration gets a worse outcome.');
  for (const r of regs) lines.push(`  - ${describe(r)}`);
  return lines;
}

export function markdown(m: Matrix): string {
  const out = [`# Risk matrix: ${m.title}`, '', '```', ...summaryLines(m), '```', '', `| configuration | ${VERDICTS.join(' | ')} |`, `|---|${VERDICTS.map(() => '---:').join('|')}|`];
  for (const [name, c] of m.aggregate.groups()) out.push(`| ${name} | ${VERDICTS.map((v) => c[v]).join(' | ')} |`);
  return out.join('\n') + '\n';
}

const COLUMNS: (keyof Row)[] = ['deviceSet', 'guestType', 'toolstack', 'deviceModel', 'stubdomain', 'ramMiB', 'mmio32MiB', 'mmio64MiB', 'mmioHoleMiB', 'bios', 'from', 'fromWhy', 'to', 'toWhy', 'verdict'];

/** The CSV header line, and one line a row: the CLI streams them as rows come. */
export const csvHeader = () => COLUMNS.join(',') + '\n';
export const csvLine = (r: Row) => COLUMNS.map((c) => String(r[c] ?? '')).join(',') + '\n';

export function csv(m: Matrix): string {
  return csvHeader() + m.rows.map(csvLine).join('');
}

/** JSON as three parts, so the rows can be streamed between them. */
export const jsonOpen = () => '{"rows":[';
export const jsonRow = (r: Row, first: boolean) => (first ? '' : ',') + JSON.stringify(r);
export const jsonClose = (m: Matrix) => `],${JSON.stringify({ from: m.from, to: m.to, counts: m.counts, skipped: m.skipped, seconds: m.seconds, regressions: smallestRegressions(m) }).slice(1)}\n`;

export function json(m: Matrix): string {
  return jsonOpen() + m.rows.map((r, i) => jsonRow(r, i === 0)).join('') + jsonClose(m);
}

export type { Cell, Panel } from './aggregate.js';
export { mmioBand } from './aggregate.js';
export const bandLabel = (b: number) => (b === 0 ? 'none' : b === Infinity ? '>16384' : `<=${b}`);

/** Heatmap panels: per HVM device model and toolstack, cells over RAM x MMIO need (banded). */
export const panels = (m: Matrix): Panel[] => m.aggregate.panels();

// A cell lists, on click, its worst configurations (the aggregate keeps them) with the plan command that reproduces each.
function cellListing(m: Matrix, c: Cell): { text: string; command: string | null }[] {
  const releases = [planRelease(m.from), planRelease(m.to)].filter((r): r is string => r !== undefined);
  return c.rows.map((r) => {
      const rep = releases.length ? reproduction(r, m.to) : undefined;
      return { text: `${r.verdict}: ${describe(r)}`, command: rep ? planCommand(rep, [...new Set(releases)]) : null };
    });
}

export function html(m: Matrix): string {
  const CELL = 22;
  const parts: string[] = [];
  const listings: { text: string; command: string | null }[][] = [];
  for (const p of panels(m)) {
    const w = 70 + p.rams.length * CELL;
    const h = 40 + p.mmios.length * CELL + 60;
    const cells = p.cells
      .map((c) => {
        const x = 70 + p.rams.indexOf(c.ram) * CELL;
        const y = 30 + (p.mmios.length - 1 - p.mmios.indexOf(c.mmio)) * CELL;
        const detail = `RAM ${c.ram} MiB, MMIO ${bandLabel(c.mmio)} MiB: ${VERDICTS.filter((v) => c.counts[v]).map((v) => `${v} ${c.counts[v]}`).join(', ')}`;
        listings.push(cellListing(m, c));
        return `<rect class="cell" x="${x}" y="${y}" width="${CELL - 2}" height="${CELL - 2}" fill="${COLORS[c.worst]}" data-verdict="${c.worst}" data-list="${listings.length - 1}" data-total="${c.total}" data-detail="${escapeXml(detail)}" tabindex="0"><title>${escapeXml(detail)}</title></rect>`;
      })
      .join('');
    const xLabels = p.rams.map((r, i) => `<text x="${70 + i * CELL + CELL / 2}" y="${30 + p.mmios.length * CELL + 12}" class="ax" transform="rotate(60 ${70 + i * CELL + CELL / 2} ${30 + p.mmios.length * CELL + 12})">${r}</text>`).join('');
    const yLabels = p.mmios.map((v, i) => `<text x="64" y="${30 + (p.mmios.length - 1 - i) * CELL + 14}" class="ax" text-anchor="end">${escapeXml(bandLabel(v))}</text>`).join('');
    parts.push(`<figure><figcaption>${escapeXml(p.name)}</figcaption><svg width="${w}" height="${h}" role="img">${cells}${xLabels}${yLabels}</svg></figure>`);
  }
  const legend = VERDICTS.map((v) => `<span class="key"><i style="background:${COLORS[v]}"></i>${v} <b data-count="${v}">${m.counts[v]}</b></span>`).join('');
  const summary = summaryLines(m).map((l) => escapeXml(l)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Risk matrix: ${escapeXml(m.title.replace(' -> ', ' to '))}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
pre{background:#f6f6f6;padding:12px;font-size:12px;overflow:auto}
figure{display:inline-block;margin:8px 24px 8px 0;vertical-align:top}
figcaption{font-weight:600;margin-bottom:4px}
.ax{font-size:10px;fill:#444}
.key{margin-right:16px;font-size:13px}.key i{display:inline-block;width:12px;height:12px;margin-right:4px;border:1px solid #999}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;font-size:12px;padding:4px 8px;border-radius:4px;display:none}
.cell:hover{stroke:#000;stroke-width:2}
</style></head><body>
<h1>Risk matrix: ${escapeXml(m.title).replace(' -&gt; ', ' &rarr; ')}</h1>
<pre id="summary">${summary}</pre>
<p id="legend">${legend}</p>
<p>Each panel: guest RAM (MiB, across) by passed-through MMIO (MiB, up), for one device model and toolstack; a cell shows the worst verdict among its configurations (32/64-bit split, stub domain, mmio_hole). Hover a cell for the counts; click it (or press Enter on it) for its configurations, worst first, each with the <code>plan</code> command that reproduces it.</p>
${parts.join('\n')}
<section id="configs" hidden><h2 id="configs-title"></h2><ol id="configs-list"></ol></section>
<script type="application/json" id="listings">${JSON.stringify(listings).replace(/</g, '\\u003c')}</script>
<div id="tip"></div>
<script>
const tip = document.getElementById('tip');
const listings = JSON.parse(document.getElementById('listings').textContent);
document.querySelectorAll('.cell').forEach((c) => {
  c.addEventListener('mousemove', (e) => { tip.textContent = c.dataset.detail; tip.style.display = 'block'; tip.style.left = (e.clientX + 12) + 'px'; tip.style.top = (e.clientY + 12) + 'px'; });
  c.addEventListener('mouseleave', () => { tip.style.display = 'none'; });
  const open = () => {
    const list = listings[Number(c.dataset.list)];
    const section = document.getElementById('configs');
    document.getElementById('configs-title').textContent = c.dataset.detail + (Number(c.dataset.total) > list.length ? ' (the ' + list.length + ' worst of ' + c.dataset.total + ')' : '');
    const ol = document.getElementById('configs-list');
    ol.replaceChildren(...list.map((x) => {
      const li = document.createElement('li');
      li.textContent = x.text;
      if (x.command) { const pre = document.createElement('pre'); pre.textContent = x.command; li.append(pre); }
      return li;
    }));
    section.hidden = false;
    section.scrollIntoView({ block: 'nearest' });
  };
  c.addEventListener('click', open);
  c.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
});
</script>
</body></html>
`;
}
