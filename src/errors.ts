// Typed errors. Bad input is a BusError: it names the field (as a path like
// `devices[3].bars[1].size`) and says how to fix it; the CLI exits 2 on it.
// The message lists the first LIMITS.errorLines problems, each line clipped;
// `issues` keeps them all.

import { LIMITS, clipLine } from './limits.js';

export interface InputIssue {
  path: string;
  message: string;
}

export class InputError extends Error {
  readonly exitCode = 2;
  readonly issues: readonly InputIssue[];

  constructor(issues: InputIssue[], source?: string) {
    const where = source ? `${source}: ` : '';
    const shown = issues.slice(0, LIMITS.errorLines).map((i) => clipLine(`${where}${i.path ? i.path + ': ' : ''}${i.message}`));
    const more = issues.length - shown.length;
    if (more > 0) shown.push(`... and ${more} more problem${more === 1 ? '' : 's'} like these`);
    super(shown.join('\n'));
    this.name = 'InputError';
    this.issues = issues;
  }

  /** The path of the first field at fault. */
  get path(): string {
    return this.issues[0]?.path ?? '';
  }
}

/** A bus description that breaks the contract or that hvmloader would stop on. */
export class BusError extends InputError {
  constructor(issues: InputIssue[], source?: string) {
    super(issues, source);
    this.name = 'BusError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
