// The limits every input is held to, in one place, so that no input can make
// the planner hang, exhaust memory or flood the terminal. README "Limits" and
// docs/bus-format.md list them; each has a test in test/hostile.test.ts.

export const LIMITS = {
  /** Bytes of one input file or of stdin. Real inputs are kilobytes (a full bus is ~200 KB). */
  inputBytes: 16 * 1024 * 1024,
  /** Problems listed in one error; the rest are counted ("and N more"). */
  errorLines: 20,
  /** Characters of one error line; longer ones keep their start and end (the fix is at the end). */
  errorLineChars: 400,
  /** Characters of a user's value echoed back in a message. */
  echoChars: 60,
  /** How deep xl.cfg lists and JSON/YAML guest values may nest (xl's own keys nest 2 deep: vnuma). */
  nesting: 16,
  /** YAML alias expansions in one document (the yaml library's maxAliasCount). */
  yamlAliases: 100,
  /** Values (strings, numbers, list items) in one guest or space document after aliases are expanded. */
  documentValues: 100_000,
  /** Configurations one `matrix` run may place (each under two versions; ~2.5 KB of memory each, so ~1.3 GB at the limit); --max-configs changes it. */
  matrixConfigs: 500_000,
  /** Functions on bus 0 as hvmloader scans it: 32 slots x 8 functions. */
  busFunctions: 256,
  /** Registers of one function: six BARs and the expansion ROM. */
  barsPerFunction: 7,
  /**
   * Bytes of engine input and output placed in one engine call; placeMany
   * splits larger batches, so the engine's memory stays near this size and
   * is reused from call to call (growing it per call would cost more).
   */
  engineChunkBytes: 32 * 1024 * 1024,
} as const;

/** Text without a leading UTF-8 byte order mark (editors on Windows write one). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A user's value quoted for a message, cut to LIMITS.echoChars with the length said. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  if (text.length <= LIMITS.echoChars) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, LIMITS.echoChars))}... (${text.length} characters)`;
}

/** One message line held to LIMITS.errorLineChars, keeping its start and its end. */
export function clipLine(line: string): string {
  const max = LIMITS.errorLineChars;
  if (line.length <= max) return line;
  const keep = Math.floor((max - 40) / 2);
  return `${line.slice(0, keep)} ... (${line.length - 2 * keep} characters left out) ... ${line.slice(-keep)}`;
}
