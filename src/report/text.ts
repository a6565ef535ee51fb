// Readable reports of placement results: a summary and a table per version,
// and a side-by-side account of where versions differ.

import type { Bus } from '../bus.js';
import type { PlacedBar, PlacementResult } from '../contract.js';
import { hex, humanSize } from '../hex.js';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

/** Rows of cells -> aligned text, two spaces between columns. */
export function columns(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i]))).join('  ').trimEnd()).join('\n');
}

/** Words wrapped to lines of at most `width` characters. */
export function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

export function deviceName(bar: Pick<PlacedBar, 'slot' | 'function'>): string {
  return `${bar.slot.toString(16).padStart(2, '0')}:${bar.function}`;
}

function deviceIds(bus: Bus | undefined, bar: PlacedBar): string {
  const d = bus?.devices.find((x) => x.slot === bar.slot && x.function === bar.function);
  return d ? `${d.vendorId.toString(16).padStart(4, '0')}:${d.deviceId.toString(16).padStart(4, '0')}` : '';
}

function barType(bar: PlacedBar, bus: Bus | undefined): string {
  const d = bus?.devices.find((x) => x.slot === bar.slot && x.function === bar.function);
  const b = d?.bars.find((x) => (bar.index === 'rom' ? x.type === 'rom' : x.index === bar.index));
  return bar.type + (b?.prefetchable ? ' pref' : '');
}

export function barLabel(bar: PlacedBar): string {
  return `${deviceName(bar)} bar ${bar.reg.slice(2)}`;
}

function span(start: bigint, end: bigint): string {
  return `${hex(start)}-${hex(end)} (${humanSize(end - start)})`;
}

/** The summary lines: hole, RAM, high window, BARs not placed. */
export function summaryLines(result: PlacementResult): string[] {
  const holeStart = BigInt(result.lowHole.start);
  const holeEnd = BigInt(result.lowHole.end);
  const moved = BigInt(result.ram.relocated);
  const highEnd = BigInt(result.ram.highMemEnd);
  const unplaced = result.bars.filter((b) => b.placement === 'unplaced');
  const high = result.bars.filter((b) => b.placement === 'high');
  const lines = [
    `low MMIO hole   ${span(holeStart, holeEnd)}`,
    `RAM             below 4 GiB up to ${result.ram.lowMemEnd}` + (highEnd > 0n ? `, above 4 GiB up to ${result.ram.highMemEnd}` : ', none above 4 GiB'),
    `RAM moved       ${moved === 0n ? 'none' : `${humanSize(moved)} moved above 4 GiB to make room for the hole`}`,
    `high window     ${result.highWindow ? span(BigInt(result.highWindow.start), BigInt(result.highWindow.end)) : 'none'}` +
      (high.length ? `, ${high.length} BAR${high.length > 1 ? 's' : ''} above 4 GiB` : ''),
    `64-bit relocate ${result.bar64Relocate ? 'yes' : 'no'}`,
    `not placed      ${unplaced.length === 0 ? 'none' : unplaced.map((b) => `${barLabel(b)} (${humanSize(BigInt(b.size))})`).join(', ')}`,
  ];
  return lines;
}

/** The table of BARs in the order hvmloader assigned them. */
export function barTable(result: PlacementResult, bus?: Bus): string {
  const rows = [['DEVICE', 'ID', 'BAR', 'TYPE', 'SIZE', 'PLACEMENT', 'ADDRESS']];
  for (const b of result.bars) {
    rows.push([
      deviceName(b),
      deviceIds(bus, b),
      b.reg.slice(2),
      barType(b, bus),
      humanSize(BigInt(b.size)),
      b.placement,
      b.address ?? '-',
    ]);
  }
  return columns(rows);
}

/** What a result was placed as: "hvmloader 4.6", or "Xen 4.14.1" with the version its build is nearest. */
export function placedAs(result: PlacementResult): string {
  return result.xen ? `Xen ${result.xen} (its own hvmloader build; nearest modelled version ${result.hvmloader})` : `hvmloader ${result.hvmloader}`;
}

export function resultReport(result: PlacementResult, bus?: Bus, options: { log?: boolean } = {}): string {
  const parts = [placedAs(result), ...summaryLines(result).map((l) => '  ' + l), '', barTable(result, bus)];
  if (options.log) parts.push('', 'pci_setup log:', ...result.log.map((l) => '  ' + l));
  return parts.join('\n') + '\n';
}

const barKey = (b: PlacedBar) => `${b.slot}:${b.function}:${b.reg}`;

function where(b: PlacedBar | undefined): string {
  if (!b) return 'not sized';
  if (b.placement === 'unplaced') return 'not placed';
  return `${b.placement} ${b.address}`;
}

/** How the same bus fares under several versions: what differs, side by side. */
export function comparisonReport(results: PlacementResult[], bus?: Bus): string {
  const versions = results.map((r) => r.xen ?? r.hvmloader);
  const anyRelease = results.some((r) => r.xen);
  const title = anyRelease ? results.map((r) => (r.xen ? `Xen ${r.xen}` : `hvmloader ${r.hvmloader}`)).join(' vs ') : `hvmloader ${versions.join(' vs ')}`;
  const out: string[] = [title];
  const facts: [string, (r: PlacementResult) => string][] = [
    ['low MMIO hole', (r) => `${r.lowHole.start}-${r.lowHole.end}`],
    ['RAM moved', (r) => (BigInt(r.ram.relocated) === 0n ? 'none' : humanSize(BigInt(r.ram.relocated)))],
    ['RAM ends', (r) => `${r.ram.lowMemEnd} / ${r.ram.highMemEnd}`],
    ['high window', (r) => (r.highWindow ? `${r.highWindow.start}-${r.highWindow.end}` : 'none')],
    ['64-bit relocate', (r) => (r.bar64Relocate ? 'yes' : 'no')],
    ['not placed', (r) => String(r.bars.filter((b) => b.placement === 'unplaced').length)],
  ];
  out.push('', columns([['', ...versions], ...facts.map(([name, f]) => [name, ...results.map(f)])]));

  const keys: string[] = [];
  const byVersion = results.map((r) => new Map(r.bars.map((b) => [barKey(b), b])));
  for (const r of results) for (const b of r.bars) if (!keys.includes(barKey(b))) keys.push(barKey(b));
  const rows: string[][] = [];
  for (const key of keys) {
    const cells = byVersion.map((m) => where(m.get(key)));
    if (cells.every((c) => c === cells[0])) continue;
    const any = byVersion.map((m) => m.get(key)).find((b) => b)!;
    const sizes = new Set(byVersion.map((m) => m.get(key)?.size).filter((s) => s !== undefined));
    const size = [...sizes].map((s) => humanSize(BigInt(s!))).join('/');
    rows.push([`${barLabel(any)}${bus ? ' ' + deviceIds(bus, any) : ''} (${size})`, ...cells]);
  }
  out.push('');
  if (rows.length === 0) out.push('Every BAR is placed the same way by all of them.');
  else out.push(`${rows.length} BAR${rows.length > 1 ? 's' : ''} placed differently:`, '', columns([['BAR', ...versions], ...rows]));
  return out.join('\n') + '\n';
}
