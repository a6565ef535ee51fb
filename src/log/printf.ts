// hvmloader's own printf (tools/firmware/hvmloader/util.c, _doprint), which
// is not C's: `long` is 32 bits (hvmloader is a 32-bit program), a 64-bit
// argument occupies two argument words, and a conversion it does not know
// is printed as its letter ("%llx" prints "lx" and consumes nothing).
// A format is compiled once into a function of the argument words, so the
// hot path formats a line without building argument arrays.

import { hex8, hex32 } from '../hex.js';

export type PrintfArg = number | string;
/** Where one argument comes from: the words of an event and its offset. */
export type ArgSource = (words: ArrayLike<number>, at: number) => PrintfArg;
type Part = (words: ArrayLike<number>, at: number) => string;

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

function numberPart(source: ArgSource, conv: string, pad: number, zero: boolean): Part {
  const base = conv === 'o' ? 8 : conv === 'x' || conv === 'X' ? 16 : 10;
  const fill = zero ? '0' : ' ';
  if (conv === 'x' && zero && pad === 8) return (w, at) => hex8(Number(source(w, at)) >>> 0);
  return (w, at) => {
    let value = Number(source(w, at)) >>> 0;
    let sign = '';
    if (conv === 'd' && value >= 0x80000000) {
      sign = '-';
      value = 0x100000000 - value;
    }
    let digits = base === 16 ? hex32(value) : value.toString(base);
    if (conv === 'X') digits = digits.toUpperCase();
    return sign + (digits.length < pad ? digits.padStart(pad, fill) : digits);
  };
}

function stringPart(source: ArgSource, pad: number, left: boolean): Part {
  return (w, at) => {
    const s = String(source(w, at));
    if (s.length >= pad) return s;
    return left ? s.padEnd(pad, ' ') : s.padStart(pad, ' ');
  };
}

const missing: ArgSource = () => 0;

/** Compiles `fmt`; the n-th conversion takes its value from sources[n]. */
export function compilePrintf(fmt: string, sources: readonly ArgSource[]): Part {
  const parts: Part[] = [];
  let text = '';
  let next = 0;
  const flush = () => {
    if (text) {
      const t = text;
      parts.push(() => t);
    }
    text = '';
  };
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== '%') {
      text += fmt[i];
      continue;
    }
    let c = fmt[++i];
    let pad = 0;
    let zero = false;
    let left = false;
    if (c === '-' || isDigit(c)) {
      if (c === '-') {
        left = true;
        c = fmt[++i];
      }
      zero = c === '0';
      for (pad = 0; isDigit(c); c = fmt[++i]) pad = pad * 10 + (c.charCodeAt(0) - 48);
    }
    if (c === 'l') c = fmt[++i]; // long is as wide as int here
    if (c === 'd' || c === 'u' || c === 'o' || c === 'x' || c === 'X') {
      flush();
      parts.push(numberPart(sources[next++] ?? missing, c, pad, zero));
    } else if (c === 's') {
      flush();
      parts.push(stringPart(sources[next++] ?? missing, pad, left));
    } else if (c === 'c') {
      flush();
      const source = sources[next++] ?? missing;
      parts.push((w, at) => String.fromCharCode(Number(source(w, at)) & 0xff));
    } else if (c !== undefined) {
      text += c; // an unknown conversion prints its letter and takes no argument
    }
  }
  flush();
  if (parts.length === 1) return parts[0];
  return (w, at) => {
    let out = '';
    for (const part of parts) out += part(w, at);
    return out;
  };
}

const cache = new Map<string, Part>();

/** printf with explicit arguments: 32-bit words (numbers) and strings. */
export function hvmPrintf(fmt: string, args: readonly PrintfArg[]): string {
  let f = cache.get(fmt);
  if (!f) {
    // each conversion reads its own position of the argument list
    const sources: ArgSource[] = [];
    for (let n = 0; n < 16; n++) sources.push((w) => (w as unknown as PrintfArg[])[n] ?? 0);
    f = compilePrintf(fmt, sources);
    cache.set(fmt, f);
  }
  return f(args as unknown as ArrayLike<number>, 0);
}
