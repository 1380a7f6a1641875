/**
 * Parsing of numbers typed by a person: a flat list, rows, or a nested array.
 *
 * Accepted forms:
 * - JSON-like nested arrays: `[[1, 2], [3, 4]]` (commas optional, so NumPy's printout `[[1. 2.] [3. 4.]]` works too);
 * - whitespace or comma separated values: `2 4 6 8`, `2, 4, 6, 8`;
 * - rows separated by newlines or semicolons: `1 2 3; 4 5 6`.
 *
 * The messages are written to be shown while the person types (an input box's validation), so
 * each names what is wrong and where.
 */

import { MAX_ELEMENTS } from '../protocol';

/** The same limit as the comparison panel's input tensor. */
export { MAX_ELEMENTS };

export type Nested = number | Nested[];

export type ParseResult = { ok: true; values: number[]; shape: number[]; nested: Nested[] } | { ok: false; message: string };

interface Token {
  kind: '[' | ']' | ',' | 'word';
  text: string;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '[' || ch === ']' || ch === ',') {
      tokens.push({ kind: ch, text: ch });
      i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s[\],;]/.test(text[j])) j++;
      if (j === i) {
        // A semicolon inside brackets: treat as a separator like a comma.
        tokens.push({ kind: ',', text: ch });
        i++;
      } else {
        tokens.push({ kind: 'word', text: text.slice(i, j) });
        i = j;
      }
    }
  }
  return tokens;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Reads one number as Python or JSON would write it; null when it is not a finite number. */
function readNumber(word: string): number | null {
  if (!NUMBER.test(word)) return null;
  const x = Number(word);
  return Number.isFinite(x) ? x : null;
}

function notANumber(word: string, position: number, row?: number): string {
  const where = row === undefined ? `position ${position}` : `position ${position} (row ${row})`;
  if (/^[+-]?(nan|inf|infinity)$/i.test(word)) return `'${word}' at ${where} is not a finite number`;
  if (NUMBER.test(word)) return `'${word}' at ${where} is too large`;
  return `'${word}' at ${where} is not a number`;
}

/** Describes an index path as people count (1-based): row 2, or item [2, 1]. */
function describePath(path: number[]): string {
  if (path.length === 1) return `row ${path[0] + 1}`;
  return `item [${path.map((p) => p + 1).join(', ')}]`;
}

function parseBracketed(text: string, maxElements: number): ParseResult {
  const tokens = tokenize(text);
  let pos = 0;
  let count = 0;
  let error: string | null = null;

  const parseList = (): Nested[] | null => {
    // tokens[pos] is '['
    pos++;
    const items: Nested[] = [];
    let expectValue = true;
    while (pos < tokens.length) {
      const t = tokens[pos];
      if (t.kind === ']') {
        pos++;
        return items;
      }
      if (t.kind === ',') {
        if (expectValue && items.length === 0) {
          error = `a comma cannot start a list (value ${count + 1})`;
          return null;
        }
        if (expectValue) {
          error = `two commas in a row after value ${count}`;
          return null;
        }
        expectValue = true;
        pos++;
        continue;
      }
      if (t.kind === '[') {
        const inner = parseList();
        if (inner === null) return null;
        items.push(inner);
      } else {
        count++;
        if (count > maxElements) {
          error = `too many values: more than ${maxElements}`;
          return null;
        }
        const x = readNumber(t.text);
        if (x === null) {
          error = notANumber(t.text, count);
          return null;
        }
        items.push(x);
        pos++;
      }
      expectValue = false;
    }
    error = "a '[' is never closed";
    return null;
  };

  if (tokens.length === 0 || tokens[0].kind !== '[') return { ok: false, message: 'expected a list starting with [' };
  const root = parseList();
  if (root === null) return { ok: false, message: error ?? 'could not read the list' };
  if (pos < tokens.length) {
    const extra = tokens[pos];
    return { ok: false, message: extra.kind === ']' ? "one ']' too many" : `unexpected '${extra.text}' after the closing ']'` };
  }
  if (count === 0) return { ok: false, message: 'no numbers given' };

  // Check that the nesting is rectangular, and find the shape.
  const shape: number[] = [];
  const check = (node: Nested[], depth: number, path: number[]): string | null => {
    if (shape.length <= depth) shape.push(node.length);
    const isList = node.map((n) => Array.isArray(n));
    const lists = isList.filter(Boolean).length;
    if (lists !== 0 && lists !== node.length) {
      const i = isList.findIndex((l) => l !== isList[0]);
      const what = (l: boolean) => (l ? 'a list' : 'a number');
      return `${describePath([...path, i])} is ${what(isList[i])}, ${describePath([...path, 0])} is ${what(isList[0])}`;
    }
    if (lists === 0) return null;
    const children = node as Nested[][];
    const ref = children[0].length;
    for (let i = 0; i < children.length; i++) {
      if (children[i].length !== ref) {
        return `${describePath([...path, i])} has ${plural(children[i].length, 'value')}, ` + `${describePath([...path, 0])} has ${children[0].length}`;
      }
    }
    for (let i = 0; i < children.length; i++) {
      const e = check(children[i], depth + 1, [...path, i]);
      if (e) return e;
    }
    return null;
  };
  const raggedError = check(root, 0, []);
  if (raggedError) return { ok: false, message: raggedError };
  if (shape.includes(0)) return { ok: false, message: 'an empty list [] inside the array' };
  const values: number[] = [];
  const flatten = (n: Nested) => (Array.isArray(n) ? n.forEach(flatten) : values.push(n));
  root.forEach(flatten);
  return { ok: true, values, shape, nested: root };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Parses numbers typed as a list, rows, or a nested array. Returns the flat row-major values,
 * the shape and the nested form, or a specific message.
 */
export function parseNumbers(text: string, maxElements: number = MAX_ELEMENTS): ParseResult {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, message: 'no numbers given' };
  if (trimmed.startsWith('[')) return parseBracketed(trimmed, maxElements);
  if (/[[\]]/.test(trimmed)) return { ok: false, message: "brackets must enclose the whole array: start with '['" };

  const rows = trimmed
    .split(/[\n;]/)
    .map((r) => r.trim())
    .filter((r) => r !== '');
  const parsed: number[][] = [];
  let position = 0;
  for (let r = 0; r < rows.length; r++) {
    const words = rows[r].split(/[\s,]+/).filter((w) => w !== '');
    if (/,\s*,/.test(rows[r])) {
      return { ok: false, message: `two commas in a row${rows.length > 1 ? ` in row ${r + 1}` : ''}` };
    }
    const row: number[] = [];
    for (const w of words) {
      position++;
      if (position > maxElements) return { ok: false, message: `too many values: more than ${maxElements}` };
      const x = readNumber(w);
      if (x === null) return { ok: false, message: notANumber(w, position, rows.length > 1 ? r + 1 : undefined) };
      row.push(x);
    }
    if (row.length > 0) parsed.push(row);
  }
  if (parsed.length === 0) return { ok: false, message: 'no numbers given' };
  if (parsed.length === 1) return { ok: true, values: parsed[0], shape: [parsed[0].length], nested: parsed[0] };
  for (let r = 1; r < parsed.length; r++) {
    if (parsed[r].length !== parsed[0].length) {
      return { ok: false, message: `row ${r + 1} has ${plural(parsed[r].length, 'value')}, row 1 has ${parsed[0].length}` };
    }
  }
  return { ok: true, values: parsed.flat(), shape: [parsed.length, parsed[0].length], nested: parsed };
}

/** Parses a shape such as `2, 3, 4`, `(2, 3, 4)` or `[2 3 4]`: positive integers only. */
export function parseShape(text: string, maxElements: number = MAX_ELEMENTS): { ok: true; shape: number[] } | { ok: false; message: string } {
  const inner = text
    .trim()
    .replace(/^[[(]\s*/, '')
    .replace(/\s*[\])]$/, '');
  if (inner === '') return { ok: false, message: 'no shape given' };
  // '2x3' and '2 × 3' are shapes too; a lone 'x' is not.
  const words = inner.split(/[\s,]+|(?<=\d)\s*[x×]\s*(?=\d)/).filter((w) => w !== '');
  if (words.length === 0) return { ok: false, message: 'no shape given' };
  const shape: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!/^\d+$/.test(w)) return { ok: false, message: `dimension ${i + 1} ('${w}') must be a positive integer` };
    const d = Number(w);
    if (d === 0) return { ok: false, message: `dimension ${i + 1} is 0; every dimension must be at least 1` };
    shape.push(d);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > maxElements) return { ok: false, message: `shape (${shape.join(', ')}) has ${size} elements; at most ${maxElements}` };
  return { ok: true, shape };
}

/** Parses a single number; `what` names it in the message (e.g. 'ε', 'momentum'). */
export function parseScalar(text: string, what: string): { ok: true; value: number } | { ok: false; message: string } {
  const t = text.trim();
  if (t === '') return { ok: false, message: `enter a value for ${what}` };
  const x = readNumber(t);
  if (x === null) return { ok: false, message: `${what}: '${t}' is not a number` };
  return { ok: true, value: x };
}

/** For an input box: a shape typed for values already entered must hold exactly that many. */
export function validateShapeFor(text: string, valueCount: number): string | null {
  const r = parseShape(text);
  if (!r.ok) return r.message;
  const size = r.shape.reduce((a, b) => a * b, 1);
  if (size !== valueCount) {
    return `shape (${r.shape.join(', ')}) holds ${size} value${size === 1 ? '' : 's'}, but ${valueCount} ${valueCount === 1 ? 'was' : 'were'} given`;
  }
  return null;
}

/** One number or a flat list (γ, β, running statistics): a specific message otherwise. */
export function parseVector(text: string, what: string): { ok: true; values: number[] } | { ok: false; message: string } {
  const r = parseNumbers(text);
  if (!r.ok) return { ok: false, message: `${what}: ${r.message}` };
  if (r.shape.length !== 1) return { ok: false, message: `${what} must be one number or a flat list, not a ${r.shape.length}-D array` };
  return { ok: true, values: r.values };
}
