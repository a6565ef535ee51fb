// The address map drawing: well-formed SVG with a labelled box per placed BAR.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { place, type BusInput } from '../src/index.js';
import { escapeXml, placementSvg } from '../src/report/svg.js';

/** Well-formedness: every tag closed in order, attributes quoted, entities known. */
export function checkWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->/g;
  let last = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const between = xml.slice(last, m.index);
    if (/[<>]/.test(between)) throw new Error(`stray markup near ${JSON.stringify(between.slice(0, 40))}`);
    if (/&(?!(lt|gt|amp|quot|apos);)/.test(between)) throw new Error(`bad entity near ${JSON.stringify(between.slice(0, 40))}`);
    last = tag.lastIndex;
    if (!m[2]) continue;
    if (m[1]) {
      const open = stack.pop();
      if (open !== m[2]) throw new Error(`</${m[2]}> closes <${open}>`);
    } else if (!m[4]) stack.push(m[2]);
  }
  if (/[<>]/.test(xml.slice(last))) throw new Error('stray markup at the end');
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
}

const scenario = (name: string): BusInput => JSON.parse(readFileSync(new URL(`../scenarios/buses/${name}`, import.meta.url), 'utf8'));

describe('address map SVG', () => {
  for (const [file, version] of [
    ['datacenter-gpu-64g.json', '4.19'],
    ['32bit-bars-do-not-fit.json', '4.21'],
    ['rmrr-in-hole.json', '4.6'],
  ] as const) {
    it(`draws ${file} under ${version} with a labelled box for every placed BAR`, () => {
      const result = place({ ...scenario(file), hvmloader: version });
      const svg = placementSvg(result, `${file} <${version}> & co`);
      checkWellFormedXml(svg);
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg).toContain('&lt;4.'); // the title is escaped
      const boxes = [...svg.matchAll(/<g class="seg (bar|io)"><title>([^<]*)<\/title><rect [^>]*\/><text [^>]*>([^<]*)<\/text>/g)];
      const placed = result.bars.filter((b) => b.placement !== 'unplaced');
      expect(boxes.length).toBe(placed.length);
      for (const b of placed) {
        const label = `${b.slot.toString(16).padStart(2, '0')}:${b.function} bar ${b.reg.slice(2)}`;
        expect(boxes.some((m) => m[3].startsWith(label) && m[2].endsWith(`at ${b.address}`)), label).toBe(true);
      }
      const unplaced = result.bars.filter((b) => b.placement === 'unplaced');
      if (unplaced.length) expect(svg).toMatch(/Not placed \(&quot;no space for resource&quot;\): /);
    });
  }

  it('draws the reserved ranges (RMRRs): below the hole in the overview, in it among the BARs', () => {
    const draw = (lowMemEnd: string, reserved: { start: bigint; size: bigint }[]) => {
      const input: BusInput = {
        hvmloader: '4.19',
        lowMemEnd,
        reserved: reserved.map((r) => ({ start: `0x${r.start.toString(16)}`, size: `0x${r.size.toString(16)}` })),
        devices: [{ slot: 3, vendorId: '0x8086', deviceId: '0x3e92', bars: [{ index: 0, type: 'mem32', size: '0x1000000' }] }],
      };
      const svg = placementSvg(place(input), 'rmrr', undefined, reserved);
      checkWellFormedXml(svg);
      return [...svg.matchAll(/<g class="seg reserved"><title>([^<]*)<\/title><rect x="(\d+)"[^>]*\/><text [^>]*>(RMRR[^<]*)<\/text>/g)].map((m) => Number(m[2]));
    };
    // RAM ends below an IGD RMRR, as libxl leaves it; the default hole starts above it
    const below = draw('0xdc000000', [{ start: 0xdc000000n, size: 0x2200000n }]);
    // an RMRR in the default hole: hvmloader starts the hole at RAM's end, and the box sits in the hole's column
    const inHole = draw('0xdc000000', [{ start: 0xf1000000n, size: 0x100000n }]);
    expect(below.length).toBe(1);
    expect(inHole.length).toBe(1);
    expect(inHole[0]).toBeGreaterThan(below[0]);
  });

  it('escapes markup in labels', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });

  it('the well-formedness check catches broken markup', () => {
    expect(() => checkWellFormedXml('<svg><g></svg>')).toThrow(/closes/);
    expect(() => checkWellFormedXml('<svg><text>a & b</text></svg>')).toThrow(/entity/);
  });
});
