// The guest's physical address map as an SVG a person can read: the whole
// address space (RAM, the hole, the 64-bit window), then each window zoomed
// with a labelled box per BAR in address order. Sizes span 16 bytes to
// terabytes, so boxes are not to scale: a box's height grows with the log of
// its size, and unused stretches appear as thin "free" bands with their size.

import type { PlacedBar, PlacementResult } from '../contract.js';
import { humanSize } from '../hex.js';

export type SegmentKind = 'ram' | 'hole' | 'window' | 'reserved' | 'bar' | 'io' | 'free';

export interface Segment {
  start: bigint;
  end: bigint;
  label: string;
  kind: SegmentKind;
  detail?: string; // hover text
}

export interface Column {
  title: string;
  segments: Segment[]; // in address order
}

const COLORS: Record<SegmentKind, string> = {
  ram: '#cfe8cf',
  hole: '#fde9b8',
  window: '#d9e4f7',
  reserved: '#e0e0e0',
  bar: '#f4b183',
  io: '#c9b3e6',
  free: '#ffffff',
};

const COLUMN_WIDTH = 360;
const GAP = 64;
const LABEL_CHARS = 40; // what fits a box at 11px monospace
const TOP = 72;
const FREE_HEIGHT = 14;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const hexAddr = (v: bigint) => '0x' + v.toString(16);

/** A label cut to the box's width; the hover text keeps it whole. */
function fit(label: string): string {
  return label.length <= LABEL_CHARS ? label : label.slice(0, LABEL_CHARS - 1) + '…';
}

function boxHeight(size: bigint): number {
  const log = size > 0n ? size.toString(2).length - 1 : 0; // floor(log2)
  return Math.max(16, Math.min(64, 16 + (log - 12) * 2));
}

/** Inserts "free" segments between segments that do not touch. */
export function withGaps(segments: Segment[], from?: bigint, to?: bigint): Segment[] {
  const out: Segment[] = [];
  let cursor = from ?? segments[0]?.start;
  for (const s of segments) {
    if (cursor !== undefined && s.start > cursor) {
      out.push({ start: cursor, end: s.start, label: `free ${humanSize(s.start - cursor)}`, kind: 'free' });
    }
    out.push(s);
    if (cursor === undefined || s.end > cursor) cursor = s.end;
  }
  if (to !== undefined && cursor !== undefined && to > cursor) {
    out.push({ start: cursor, end: to, label: `free ${humanSize(to - cursor)}`, kind: 'free' });
  }
  return out;
}

function renderColumn(col: Column, x: number): { svg: string; height: number } {
  const parts: string[] = [`<text x="${x}" y="${TOP - 24}" class="title">${escapeXml(col.title)}</text>`];
  let y = TOP;
  for (const s of col.segments) {
    const h = s.kind === 'free' ? FREE_HEIGHT : boxHeight(s.end - s.start);
    const hover = s.detail ?? `${s.label}: ${hexAddr(s.start)}-${hexAddr(s.end)} (${humanSize(s.end - s.start)})`;
    parts.push(
      `<g class="seg ${s.kind}"><title>${escapeXml(hover)}</title>` +
        `<rect x="${x + 90}" y="${y}" width="${COLUMN_WIDTH - 90}" height="${h}" fill="${COLORS[s.kind]}" stroke="#555" stroke-width="${s.kind === 'free' ? 0.5 : 1}"${s.kind === 'free' ? ' stroke-dasharray="3,2"' : ''}/>` +
        `<text x="${x + 96}" y="${y + Math.min(h, 16) - 4}" class="${s.kind === 'free' ? 'free' : 'label'}">${escapeXml(fit(s.label))}</text>` +
        `<text x="${x + 84}" y="${y + 10}" class="addr" text-anchor="end">${hexAddr(s.start)}</text></g>`,
    );
    y += h;
  }
  const last = col.segments[col.segments.length - 1];
  if (last) parts.push(`<text x="${x + 84}" y="${y + 12}" class="addr" text-anchor="end">${hexAddr(last.end)}</text>`);
  return { svg: parts.join('\n'), height: y + 20 };
}

/** Renders columns side by side, with an optional footer line (e.g. BARs not placed). */
export function renderMap(title: string, columns: Column[], footer: string[] = []): string {
  const rendered = columns.map((c, i) => renderColumn(c, 20 + i * (COLUMN_WIDTH + GAP)));
  const width = 20 + columns.length * (COLUMN_WIDTH + GAP);
  let height = Math.max(TOP + 40, ...rendered.map((r) => r.height));
  const footerSvg = footer.map((line, i) => `<text x="20" y="${height + 16 + i * 16}" class="footer">${escapeXml(line)}</text>`).join('\n');
  height += footer.length * 16 + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace">`,
    '<style>.title{font-size:14px;font-weight:bold}.label{font-size:11px}.free{font-size:9px;fill:#777}.addr{font-size:9px;fill:#333}.footer{font-size:12px;fill:#a00}</style>',
    `<text x="20" y="22" class="title">${escapeXml(title)}</text>`,
    ...rendered.map((r) => r.svg),
    footerSvg,
    '</svg>',
    '',
  ].join('\n');
}

const FOUR_GIB = 1n << 32n;
const startOrder = (a: Segment, b: Segment) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);
const byStart = (segments: Segment[]) => segments.sort(startOrder);

function barLabel(b: PlacedBar, names?: (b: PlacedBar) => string): string {
  const who = names ? names(b) : `${b.slot.toString(16).padStart(2, '0')}:${b.function}`;
  return `${who} bar ${b.reg.slice(2)} ${humanSize(BigInt(b.size))}`;
}

/**
 * The map of one placement result; `names` labels BARs (e.g. by device);
 * `reserved` are the E820 reserved ranges (RMRRs) the bus had.
 */
export function placementSvg(result: PlacementResult, title: string, names?: (b: PlacedBar) => string, reserved: { start: bigint; size: bigint }[] = []): string {
  const low = BigInt(result.ram.lowMemEnd);
  const high = BigInt(result.ram.highMemEnd);
  const holeStart = BigInt(result.lowHole.start);
  const holeEnd = BigInt(result.lowHole.end);
  const overview: Segment[] = [{ start: 0n, end: low, label: `RAM ${humanSize(low)}`, kind: 'ram' }];
  overview.push({ start: holeStart, end: holeEnd, label: `low MMIO hole ${humanSize(holeEnd - holeStart)}`, kind: 'hole' });
  if (holeEnd < FOUR_GIB) overview.push({ start: holeEnd, end: FOUR_GIB, label: 'firmware, APIC, reserved', kind: 'reserved' });
  if (high > FOUR_GIB) overview.push({ start: FOUR_GIB, end: high, label: `RAM ${humanSize(high - FOUR_GIB)}`, kind: 'ram' });
  if (result.highWindow) {
    const s = BigInt(result.highWindow.start);
    const e = BigInt(result.highWindow.end);
    if (e > s) overview.push({ start: s, end: e, label: `64-bit window ${humanSize(e - s)}`, kind: 'window' });
  }
  // an RMRR outside the hole shows in the overview, one inside it among the BARs
  const rmrr = (r: { start: bigint; size: bigint }): Segment => ({ start: r.start, end: r.start + r.size, label: `RMRR (reserved) ${humanSize(r.size)}`, kind: 'reserved' });
  const inHole = (r: { start: bigint; size: bigint }) => r.start < holeEnd && r.start + r.size > holeStart;
  for (const r of reserved) if (!inHole(r)) overview.push(rmrr(r));
  byStart(overview);

  const segmentsOf = (placement: PlacedBar['placement'], kind: SegmentKind) =>
    result.bars
      .filter((b) => b.placement === placement)
      .map((b) => {
        const start = BigInt(b.address!);
        return { start, end: start + BigInt(b.size), label: barLabel(b, names), kind, detail: `${barLabel(b, names)} at ${b.address}` };
      })
      .sort(startOrder);

  const columns: Column[] = [
    { title: 'Guest physical address space', segments: withGaps(overview, 0n) },
    { title: `Low MMIO hole ${hexAddr(holeStart)}-${hexAddr(holeEnd)}`, segments: withGaps(byStart([...segmentsOf('low', 'bar'), ...reserved.filter(inHole).map(rmrr)]), holeStart, holeEnd) },
  ];
  const highBars = segmentsOf('high', 'bar');
  if (highBars.length) {
    const hw = result.highWindow;
    columns.push({ title: '64-bit window', segments: withGaps(highBars, hw ? BigInt(hw.start) : undefined, hw ? BigInt(hw.end) : undefined) });
  }
  const ioBars = segmentsOf('io', 'io');
  if (ioBars.length) columns.push({ title: 'I/O ports 0xc000-0x10000', segments: withGaps(ioBars, 0xc000n, 0x10000n) });
  const unplaced = result.bars.filter((b) => b.placement === 'unplaced');
  const footer = unplaced.length ? [`Not placed ("no space for resource"): ${unplaced.map((b) => barLabel(b, names)).join(', ')}`] : [];
  return renderMap(title, columns, footer);
}
