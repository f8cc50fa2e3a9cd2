/**
 * Splits a Go template into text and actions, applying the `{{-` / `-}}`
 * whitespace trimming, and tokenizes an action's body. Only the lexical
 * rules of Go's text/template that the supported subset needs are here;
 * what this lexer does not know (character constants, ...) is reported as
 * an unsupported construct rather than read some other way.
 */
import { TemplateRenderError, UnsupportedTemplateError } from '../errors.js';

export type Item =
  | { type: 'text'; text: string; line: number }
  | { type: 'action'; body: string; line: number }
  | { type: 'comment'; line: number };

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Where the action starting at `from` (just after `{{`) ends: the index of its `}}`. */
function findActionEnd(src: string, from: number, file: string, line: number): number {
  let i = from;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\') i++;
        if (src[i] === '\n') throw new TemplateRenderError(file, line, 'unterminated quoted string');
        i++;
      }
      if (i >= src.length) throw new TemplateRenderError(file, line, 'unterminated quoted string');
    } else if (c === '`') {
      const close = src.indexOf('`', i + 1);
      if (close < 0) throw new TemplateRenderError(file, line, 'unterminated raw quoted string');
      i = close;
    } else if (c === '}' && src[i + 1] === '}') {
      return i;
    }
    i++;
  }
  throw new TemplateRenderError(file, line, 'unclosed action');
}

export function lexTemplate(src: string, file: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let line = 1;
  let trimNextText = false;
  while (pos <= src.length) {
    const open = src.indexOf('{{', pos);
    const textEnd = open < 0 ? src.length : open;
    const trimLeft = open >= 0 && src[open + 2] === '-' && isSpace(src[open + 3]);
    let text = src.slice(pos, textEnd);
    if (trimNextText) text = text.replace(/^[ \t\r\n]+/, '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text !== '') items.push({ type: 'text', text, line });
    line += countLines(src, pos, textEnd);
    if (open < 0) break;
    const bodyStart = open + (trimLeft ? 4 : 2);
    let bodyEnd: number;
    let close: number;
    // As in Go, a comment starts right after the delimiter (and its trim marker).
    if (src.startsWith('/*', bodyStart)) {
      const commentEnd = src.indexOf('*/', bodyStart + 2);
      if (commentEnd < 0) throw new TemplateRenderError(file, line, 'unclosed comment');
      const rest = /^( -)?\}\}/.exec(src.slice(commentEnd + 2));
      if (!rest) throw new TemplateRenderError(file, line, 'comment ends before closing delimiter');
      close = commentEnd + 2 + (rest[1] ? 2 : 0);
      items.push({ type: 'comment', line });
      trimNextText = rest[1] !== undefined;
      line += countLines(src, open, close + 2);
      pos = close + 2;
      continue;
    }
    close = findActionEnd(src, bodyStart, file, line);
    bodyEnd = close;
    const trimRight = src[close - 1] === '-' && isSpace(src[close - 2]);
    if (trimRight) bodyEnd = close - 1;
    items.push({ type: 'action', body: src.slice(bodyStart, bodyEnd), line });
    trimNextText = trimRight;
    line += countLines(src, open, close + 2);
    pos = close + 2;
  }
  return items;
}

export type Token =
  | { t: 'field'; path: string[] } // `.` is the empty path
  | { t: 'string'; value: string }
  | { t: 'number'; value: number | bigint }
  | { t: 'ident'; name: string }
  | { t: 'pipe' };

const GO_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v', "'": "'" };

function unquote(body: string, file: string, line: number): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_m, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    const out = GO_ESCAPES[e];
    if (out === undefined) throw new TemplateRenderError(file, line, `unknown escape sequence \\${e} in a quoted string`);
    return out;
  });
}

/** The tokens of one action's body. */
export function tokenizeAction(body: string, file: string, line: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const unsupported = (what: string): never => {
    throw new UnsupportedTemplateError(file, line, what);
  };
  while (i < body.length) {
    const c = body[i]!;
    if (isSpace(c)) {
      i++;
    } else if (c === '|') {
      tokens.push({ t: 'pipe' });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
      tokens.push({ t: 'string', value: unquote(body.slice(i + 1, j), file, line) });
      i = j + 1;
    } else if (c === '`') {
      const j = body.indexOf('`', i + 1);
      tokens.push({ t: 'string', value: body.slice(i + 1, j) });
      i = j + 1;
    } else if (c === '.' && !/[0-9]/.test(body[i + 1] ?? '')) {
      const m = /^(?:\.[A-Za-z_][A-Za-z0-9_]*)+|^\./.exec(body.slice(i))!;
      const text = m[0];
      tokens.push({ t: 'field', path: text === '.' ? [] : text.slice(1).split('.') });
      i += text.length;
    } else if (/[0-9+\-.]/.test(c)) {
      const m = /^[+-]?(?:[0-9][0-9_]*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(body.slice(i));
      if (!m) unsupported(`"${body.slice(i).split(/\s/)[0]}"`);
      const text = m![0];
      if (text.includes('_')) unsupported(`number ${text}`);
      tokens.push({ t: 'number', value: /^[+-]?[0-9]+$/.test(text) ? BigInt(text) : Number(text) });
      i += text.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body.slice(i))![0];
      tokens.push({ t: 'ident', name });
      i += name.length;
    } else if (c === '$') {
      unsupported(`variable ${/^\$[A-Za-z0-9_]*/.exec(body.slice(i))![0]}`);
    } else if (c === '(' || c === ')') {
      unsupported('parenthesized pipeline');
    } else if (c === "'") {
      unsupported('character constant');
    } else if (c === ':' || c === '=') {
      unsupported('variable declaration');
    } else {
      unsupported(`"${c}"`);
    }
    const next = body[i];
    if (next !== undefined && !isSpace(next) && next !== '|' && c !== '|' && !isSpace(c)) {
      // Go wants space between operands: `.a(`, `"a"$b` or `x.y` are other constructs.
      if (next === '(' || next === ')') unsupported('parenthesized pipeline');
      if (next === '$') unsupported('variable');
      if (next === '.') unsupported(`field access on a non-field operand`);
      throw new TemplateRenderError(file, line, `unexpected "${next}" in operand`);
    }
  }
  return tokens;
}
