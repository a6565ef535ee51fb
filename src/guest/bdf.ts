// Host PCI addresses as people write them ([DDDD:]BB:DD.F, any case) and as
// the planner keys them: DDDD:BB:DD.F, lower case.

import { InputError } from '../errors.js';

const HOST_BDF = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/;

/** The normalised address, or undefined when the text is not one. */
export function parseHostBdf(text: string): string | undefined {
  const m = HOST_BDF.exec(text.trim());
  if (!m) return undefined;
  return `${(m[1] ?? '0').padStart(4, '0')}:${m[2].padStart(2, '0')}:${m[3].padStart(2, '0')}.${m[4]}`.toLowerCase();
}

/** The normalised address; bad text is refused naming `where`. */
export function hostBdf(text: string, where: string): string {
  const bdf = parseHostBdf(text);
  if (bdf === undefined) throw new InputError([{ path: where, message: `${JSON.stringify(text)} is not a host PCI address like 0000:0b:00.0` }]);
  return bdf;
}
