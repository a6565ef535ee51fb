// What the matrix's reports need, gathered row by row as the configurations
// are judged, so a sweep of a million configurations need not keep its rows:
// the verdict counts, the smallest regression of each kind, the counts per
// device model and toolstack, and the heatmap's cells with their worst rows.

import type { Row, Verdict } from './run.js';

export const VERDICTS: readonly Verdict[] = ['regression', 'still failing', 'improvement', 'changed, same outcome', 'unaffected', 'pv'];
// worst verdict first: a cell shows the worst any of its configurations got
export const SEVERITY: readonly Verdict[] = VERDICTS;
/** How many of a cell's configurations the heatmap lists, worst first. */
export const LISTED = 12;

// MMIO need in bands, so a panel stays readable: 0, up to 256 MiB, ... above 16 GiB
const MMIO_BANDS = [0, 256, 512, 1024, 2048, 4096, 8192, 16384, Infinity];
export function mmioBand(mib: number): number {
  return MMIO_BANDS.find((b) => mib <= b)!;
}

export interface Cell {
  ram: number;
  mmio: number;
  counts: Record<Verdict, number>;
  worst: Verdict;
  /** Its worst configurations, at most LISTED, worst first. */
  rows: Row[];
  /** How many configurations it has. */
  total: number;
}

export interface Panel {
  name: string;
  rams: number[];
  mmios: number[];
  cells: Cell[];
}

const zero = () => Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
const regressionSize = (r: Row) => r.ramMiB * 1e6 + r.mmio32MiB + r.mmio64MiB;

export class MatrixAggregate {
  total = 0;
  readonly counts = zero();
  readonly #regressions = new Map<string, Row>();
  readonly #groups = new Map<string, Record<Verdict, number>>();
  readonly #panels = new Map<string, Map<string, Cell>>();

  add(r: Row): void {
    this.total++;
    this.counts[r.verdict]++;
    if (r.verdict === 'regression') {
      const kind = `${r.toolstack}/${r.deviceModel}/${r.stubdomain}/${r.bios}/${r.from}:${r.fromWhy}->${r.to}:${r.toWhy}`;
      const best = this.#regressions.get(kind);
      if (!best || regressionSize(r) < regressionSize(best)) this.#regressions.set(kind, r);
    }
    const group = r.guestType === 'pv' ? 'PV guests' : `HVM ${r.deviceModel} ${r.toolstack}${r.stubdomain ? ' stubdom' : ''}`;
    let g = this.#groups.get(group);
    if (!g) this.#groups.set(group, (g = zero()));
    g[r.verdict]++;
    if (r.guestType !== 'hvm') return;
    const panelName = `${r.deviceModel} / ${r.toolstack}`;
    let panel = this.#panels.get(panelName);
    if (!panel) this.#panels.set(panelName, (panel = new Map()));
    const mmio = mmioBand(r.mmio32MiB + r.mmio64MiB);
    const key = `${r.ramMiB}/${mmio}`;
    let cell = panel.get(key);
    if (!cell) panel.set(key, (cell = { ram: r.ramMiB, mmio, counts: zero(), worst: 'pv', rows: [], total: 0 }));
    cell.counts[r.verdict]++;
    cell.total++;
    if (SEVERITY.indexOf(r.verdict) < SEVERITY.indexOf(cell.worst)) cell.worst = r.verdict;
    keepWorst(cell.rows, r);
  }

  /** The smallest configuration showing each kind of regression (by RAM, then MMIO). */
  regressions(): Row[] {
    return [...this.#regressions.values()];
  }

  /** Verdict counts per device model, toolstack and stub domain: the matrix at a glance. */
  groups(): [string, Record<Verdict, number>][] {
    return [...this.#groups];
  }

  /** Heatmap panels: per HVM device model and toolstack, cells over RAM x MMIO need (banded). */
  panels(): Panel[] {
    return [...this.#panels].map(([name, cells]) => {
      const all = [...cells.values()];
      return { name, rams: [...new Set(all.map((c) => c.ram))].sort((a, b) => a - b), mmios: [...new Set(all.map((c) => c.mmio))].sort((a, b) => a - b), cells: all };
    });
  }
}

// keeps the LISTED worst rows, worst first; among equals, the first seen
function keepWorst(rows: Row[], r: Row): void {
  const rank = SEVERITY.indexOf(r.verdict);
  if (rows.length === LISTED && rank >= SEVERITY.indexOf(rows[LISTED - 1].verdict)) return;
  let at = rows.length;
  while (at > 0 && SEVERITY.indexOf(rows[at - 1].verdict) > rank) at--;
  rows.splice(at, 0, r);
  if (rows.length > LISTED) rows.pop();
}
