// hvmloader's own printf (tools/firmware/hvmloader/util.c, _doprint), which
// is not C's: `long` is 32 bits (hvmloader is a 32-bit program), a 64-bit
// argument occupies two argument words, and a conversion it does not know
// is printed as its letter ("%llx" prints "lx" and consumes nothing).
// Formats are compiled once into pieces; arguments are 32-bit words or strings.

type Piece =
  | { kind: 'text'; text: string }
  | { kind: 'num'; conv: string; pad: number; zero: boolean }
  | { kind: 'str'; pad: number; left: boolean }
  | { kind: 'char' };

const compiled = new Map<string, Piece[]>();
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

function compile(fmt: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  const flush = () => {
    if (text) pieces.push({ kind: 'text', text });
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
    if (c === 'l') c = fmt[++i]; // long is the same width as int here
    if (c === 'd' || c === 'u' || c === 'o' || c === 'x' || c === 'X') {
      flush();
      pieces.push({ kind: 'num', conv: c, pad, zero });
    } else if (c === 's') {
      flush();
      pieces.push({ kind: 'str', pad, left });
    } else if (c === 'c') {
      flush();
      pieces.push({ kind: 'char' });
    } else if (c !== undefined) {
      text += c; // unknown conversion: the character itself
    }
  }
  flush();
  return pieces;
}

export type PrintfArg = number | string;

export function hvmPrintf(fmt: string, args: readonly PrintfArg[]): string {
  let pieces = compiled.get(fmt);
  if (!pieces) {
    pieces = compile(fmt);
    compiled.set(fmt, pieces);
  }
  let out = '';
  let next = 0;
  for (const p of pieces) {
    if (p.kind === 'text') {
      out += p.text;
    } else if (p.kind === 'num') {
      let value = Number(args[next++] ?? 0) >>> 0;
      if (p.conv === 'd' && value >= 0x80000000) {
        out += '-';
        value = (0x100000000 - value) >>> 0;
      }
      const base = p.conv === 'o' ? 8 : p.conv === 'x' || p.conv === 'X' ? 16 : 10;
      let digits = value.toString(base);
      if (p.conv === 'X') digits = digits.toUpperCase();
      if (digits.length < p.pad) digits = (p.zero ? '0' : ' ').repeat(p.pad - digits.length) + digits;
      out += digits;
    } else if (p.kind === 'str') {
      const s = String(args[next++] ?? '');
      const fill = s.length < p.pad ? ' '.repeat(p.pad - s.length) : '';
      out += p.left ? s + fill : fill + s;
    } else {
      out += String.fromCharCode(Number(args[next++] ?? 0) & 0xff);
    }
  }
  return out;
}
