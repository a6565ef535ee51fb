// Result record (see layout.ts) -> the contract's PlacementResult.

import type { VersionName } from '../versions.js';
import type { BarType, PlacedBar, Placement, PlacementResult } from '../contract.js';
import { hex, hex64 } from '../hex.js';
import { formatEvents } from '../log/events.js';
import * as L from './layout.js';

const TYPE_NAME: readonly BarType[] = ['mem32', 'mem64', 'io', 'rom'];
// the config registers a BAR can have, named once: 0x10-0x24 and the ROM's 0x30
const REG_HEX: string[] = [];
const REG_INDEX: (number | 'rom')[] = [];
for (let reg = 0x10; reg <= 0x30; reg += 4) {
  REG_HEX[reg] = hex(reg);
  REG_INDEX[reg] = reg === 0x30 ? 'rom' : (reg - 0x10) >>> 2;
}
const PLACEMENT_NAME: readonly Placement[] = ['low', 'high', 'io', 'unplaced'];

export interface DecodeOptions {
  /** Format the log lines (default true). */
  log?: boolean;
  /** The Xen release the bus named, reported beside the version. */
  xen?: string;
}

/** The contract result of the record at word `at` of the engine output, placed with `behaviours`. */
export function decodeResult(version: VersionName, behaviours: number, words: Uint32Array, at: number, options: DecodeOptions = {}): PlacementResult {
  const nBars = words[at + L.RES_N_BARS];
  const bars: PlacedBar[] = new Array(nBars);
  let p = at + L.RES_HEADER_WORDS;
  for (let i = 0; i < nBars; i++, p += L.PLACED_WORDS) {
    const devfn = words[p + L.PB_DEVFN];
    const reg = words[p + L.PB_REG];
    const placement = PLACEMENT_NAME[words[p + L.PB_PLACEMENT]];
    bars[i] = {
      slot: devfn >>> 3,
      function: devfn & 7,
      index: REG_INDEX[reg],
      reg: REG_HEX[reg],
      type: TYPE_NAME[words[p + L.PB_TYPE]],
      size: hex64(words[p + L.PB_SIZE], words[p + L.PB_SIZE + 1]),
      placement,
      address: placement === 'unplaced' ? null : hex64(words[p + L.PB_ADDRESS], words[p + L.PB_ADDRESS + 1]),
    };
  }
  const hiStartLo = words[at + L.RES_HI_START];
  const hiStartHi = words[at + L.RES_HI_START + 1];
  return {
    hvmloader: version,
    ...(options.xen ? { xen: options.xen } : {}),
    lowHole: { start: hex(words[at + L.RES_MEM_START]), end: hex(words[at + L.RES_MEM_END]) },
    highWindow:
      hiStartLo === 0 && hiStartHi === 0
        ? null
        : {
            start: hex64(hiStartLo, hiStartHi),
            end: hex64(words[at + L.RES_HI_END], words[at + L.RES_HI_END + 1]),
          },
    ram: {
      lowMemEnd: hex64(words[at + L.RES_LOW_MEM_END], words[at + L.RES_LOW_MEM_END + 1]),
      highMemEnd: hex64(words[at + L.RES_HIGH_MEM_END], words[at + L.RES_HIGH_MEM_END + 1]),
      relocated: hex64(words[at + L.RES_RELOCATED], words[at + L.RES_RELOCATED + 1]),
    },
    bar64Relocate: words[at + L.RES_BAR64_RELOCATE] !== 0,
    bars,
    log: options.log === false ? [] : formatEvents(behaviours, words, p, words[at + L.RES_N_EVENTS]),
  };
}
