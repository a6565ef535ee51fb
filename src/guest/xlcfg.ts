// The xl.cfg file format as xl reads it (tools/libs/util/libxlu_cfg_l.l and
// libxlu_cfg_y.y, RELEASE-4.19.0): `key = value` or `key += value`
// statements ended by a newline or `;`; a value is a quoted string ('...' or
// "..." with C escapes), a number, or a [list] that may span lines, nest and
// end with a comma; `#` starts a comment. Keys are lower case.

import { InputError } from '../errors.js';
import { LIMITS, stripBom } from '../limits.js';

export type XlValue =
  | { kind: 'string'; value: string; line: number; col?: number; quoted: boolean }
  | { kind: 'list'; items: XlValue[]; line: number; col?: number };

export interface XlEntry {
  key: string;
  value: XlValue;
  line: number;
  append: boolean; // written with +=
}

export interface XlConfig {
  /** Entries by key, the last assignment winning (`+=` appends to a list). */
  values: Map<string, XlValue>;
  /** Every statement in file order. */
  entries: XlEntry[];
}

type Token =
  | { t: 'ident' | 'number' | 'string'; text: string; line: number; col: number }
  | { t: '=' | '+=' | ',' | '[' | ']' | ';' | 'nl' | 'eof'; text: string; line: number; col: number };

const ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function fail(source: string, line: number, col: number, message: string): never {
  throw new InputError([{ path: `${source}:${line}:${col}`, message }]);
}

function unquote(raw: string, source: string, line: number, col: number): string {
  let out = '';
  for (let i = 1; i < raw.length - 1; i++) {
    const c = raw[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = raw[++i];
    if (n in ESCAPES) out += ESCAPES[n];
    else if (n === 'x') {
      const m = /^[0-9a-fA-F]{2}/.exec(raw.slice(i + 1, raw.length - 1));
      if (!m) fail(source, line, col, 'a \\x escape needs two hex digits');
      out += String.fromCharCode(parseInt(m[0], 16));
      i += 2;
    } else if (n >= '0' && n <= '7') {
      const m = /^[0-7]{1,3}/.exec(raw.slice(i, raw.length - 1))!;
      out += String.fromCharCode(parseInt(m[0], 8));
      i += m[0].length - 1;
    } else fail(source, line, col, `unknown escape \\${n} in a quoted string`);
  }
  return out;
}

function tokenize(text: string, source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const col = i - lineStart + 1;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '\n' || c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      tokens.push({ t: 'nl', text: '\n', line, col });
      i++;
      line++;
      lineStart = i;
    } else if (/[a-z]/.test(c)) {
      const m = /^[a-z][._0-9a-z]*/.exec(text.slice(i))!;
      tokens.push({ t: 'ident', text: m[0], line, col });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9][0-9a-fx]*/.exec(text.slice(i))!;
      tokens.push({ t: 'number', text: m[0], line, col });
      i += m[0].length;
    } else if (c === '"' || c === "'") {
      const re = c === '"' ? /^"([^"\\\n]|\\.)*"/ : /^'([^'\\\n]|\\.)*'/;
      const m = re.exec(text.slice(i));
      if (!m) fail(source, line, col, 'a quoted string is not closed on its line');
      tokens.push({ t: 'string', text: unquote(m[0], source, line, col), line, col });
      i += m[0].length;
    } else if (c === '+' && text[i + 1] === '=') {
      tokens.push({ t: '+=', text: '+=', line, col });
      i += 2;
    } else if (c === '=' || c === ',' || c === '[' || c === ']' || c === ';') {
      tokens.push({ t: c, text: c, line, col });
      i++;
    } else {
      const word = /^\S*/.exec(text.slice(i))![0];
      const hint = /^[A-Z]/.test(c)
        ? 'keys are lower case'
        : '+-.():'.includes(c)
          ? 'this looks like Python (an xend config); xl takes only strings, numbers and [lists]'
          : 'xl.cfg takes key = value with strings, numbers and [lists]';
      fail(source, line, col, `unexpected ${JSON.stringify(word)}: ${hint}`);
    }
  }
  tokens.push({ t: 'eof', text: '', line, col: i - lineStart + 1 });
  return tokens;
}

/** Parses xl.cfg text. Errors are InputErrors located as `file:line:col`. */
export function parseXlConfig(text: string, source = 'config'): XlConfig {
  const tokens = tokenize(stripBom(text), source);
  let p = 0;
  const peek = () => tokens[p];
  const skipNewlines = () => {
    while (peek().t === 'nl') p++;
  };
  const describe = (tok: Token) => (tok.t === 'nl' ? 'end of line' : tok.t === 'eof' ? 'end of file' : JSON.stringify(tok.text));

  // depth counts open lists, so a file nested thousands deep is refused, not a stack overflow
  function value(depth = 0): XlValue {
    const tok = tokens[p++];
    if (tok.t === 'string') return { kind: 'string', value: tok.text, line: tok.line, col: tok.col, quoted: true };
    if (tok.t === 'number') return { kind: 'string', value: tok.text, line: tok.line, col: tok.col, quoted: false };
    if (tok.t === '[') {
      if (depth >= LIMITS.nesting) fail(source, tok.line, tok.col, `lists nest more than ${LIMITS.nesting} deep here; xl's own keys nest at most 2 deep (vnuma = [ [ ... ] ])`);
      const items: XlValue[] = [];
      skipNewlines();
      while (peek().t !== ']') {
        items.push(value(depth + 1));
        skipNewlines();
        if (peek().t === ',') {
          p++;
          skipNewlines();
        } else if (peek().t !== ']') {
          const bad = peek();
          fail(source, bad.line, bad.col, `expected , or ] in the list begun on line ${tok.line}, found ${describe(bad)}`);
        }
      }
      p++;
      return { kind: 'list', items, line: tok.line, col: tok.col };
    }
    fail(source, tok.line, tok.col, `expected a value (a quoted string, a number or a [list]), found ${describe(tok)}`);
  }

  const entries: XlEntry[] = [];
  const values = new Map<string, XlValue>();
  for (;;) {
    const tok = tokens[p];
    if (tok.t === 'eof') break;
    if (tok.t === 'nl' || tok.t === ';') {
      p++;
      continue;
    }
    if (tok.t !== 'ident') fail(source, tok.line, tok.col, `expected a key, found ${describe(tok)}`);
    p++;
    const op = tokens[p++];
    if (op.t !== '=' && op.t !== '+=') fail(source, op.line, op.col, `expected = or += after ${tok.text}, found ${describe(op)}`);
    const v = value();
    const end = peek();
    if (end.t !== 'nl' && end.t !== ';' && end.t !== 'eof') fail(source, end.line, end.col, `expected the end of the line after the value of ${tok.text}, found ${describe(end)}`);
    const append = op.t === '+=';
    entries.push({ key: tok.text, value: v, line: tok.line, append });
    const before = values.get(tok.text);
    if (append && before) {
      // += adds to a list, or concatenates strings (libxlu_cfg.c)
      if (before.kind === 'list') values.set(tok.text, { ...before, items: [...before.items, ...(v.kind === 'list' ? v.items : [v])] });
      else if (v.kind === 'string') values.set(tok.text, { ...before, value: before.value + v.value });
      else fail(source, tok.line, tok.col, `cannot add a list to the string ${tok.text}`);
    } else {
      values.set(tok.text, v);
    }
  }
  return { values, entries };
}
