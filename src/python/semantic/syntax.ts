/**
 * The syntax tree the semantic model reads: @lezer/python's error-tolerant parse. A parser is
 * outside what NormLens exists for, and Lezer's is maintained, pure JavaScript (so it runs in
 * the extension host, a web extension host and the CLI alike), recovers from half-typed code,
 * and reparses incrementally from fragments of the previous tree.
 */
import { parser } from '@lezer/python';
import { Tree, type SyntaxNode } from '@lezer/common';
import { Lexer } from '../lexer';
import { detach } from '../detach';

export type { SyntaxNode, Tree };

/**
 * Clean line starts of a text (bracket depth 0, outside strings, not after a backslash; a
 * `def`/`class` line also ends brackets a half-typed line left open), as the scanner's lexer
 * finds them: the places a module can be cut between top-level statements.
 */
export function cleanStarts(text: string): number[] {
  return lexStarts(text).clean;
}

/** Where ChunkedParser cuts a text into chunks (chunkStarts from a fresh lexing of it). */
export function moduleChunks(text: string): number[] {
  const lexed = lexStarts(text);
  return chunkStarts(text, lexed.clean, lexed.broken);
}

function lexStarts(text: string): { clean: number[]; broken: boolean } {
  const lx = new Lexer(text, 0);
  const clean = [0];
  while (lx.next()) clean.push(lx.pos);
  return { clean, broken: lexedBroken(lx.errors) };
}

/** Whether a line starting at `at` (a clean line start) begins a top-level statement of its own. */
function startsStatement(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  // blank, indented (a body's line or an indentation error: it belongs to what is above) or a comment
  if (c !== c || c === 32 || c === 9 || c === 12 || c === 10 || c === 13 || c === 35 || c === 92) return false;
  // the continuations of a compound statement above (else/elif/except/finally at column 0; the
  // first letter rules out the rest, as every line of a file is asked)
  if (c !== 101 && c !== 102) return true;
  for (const w of CONTINUATIONS) {
    if (text.startsWith(w, at)) {
      const d = text.charCodeAt(at + w.length);
      if (!(d === 95 || (d >= 48 && d <= 57) || ((d | 32) >= 97 && (d | 32) <= 122) || d > 127)) return false;
    }
  }
  return true;
}

const CONTINUATIONS = ['else', 'elif', 'except', 'finally'];

/** Lines that start with a definition at column 0. */
const DEFINITION = /^(?:def|class|async[ \t]+def)[ \t]/gm;

/**
 * Where a module is cut into chunks parsed apart: at each top-level statement start, except right
 * after a decorator line (the decorated def/class is one statement with it). Ascending, from 0.
 *
 * `broken`: the lexer found an error (the text is not valid Python). A triple-quoted string opened
 * on an indented line (a docstring being typed) already ends before the next definition at
 * column 0 in the lexer (../lexer.ts DEFINITION_LINE), which is then a clean line start; in
 * broken text the same holds here for the strings the lexer does not end there (a triple-quoted
 * f-string): otherwise every later string would swap what is code and what is text, down to the
 * end of the file or to a stray quote further down that pairs them again.
 */
export function chunkStarts(text: string, clean: readonly number[], broken = false): number[] {
  const starts: number[] = [];
  for (const at of clean) if (at !== 0 && at < text.length && startsStatement(text, at)) starts.push(at);
  if (broken) {
    const extra: number[] = [];
    let k = 0;
    DEFINITION.lastIndex = 0;
    for (let m = DEFINITION.exec(text); m; m = DEFINITION.exec(text)) {
      const at = m.index;
      while (k < clean.length && clean[k] < at) k++;
      if (k < clean.length && clean[k] === at) continue;
      // inside a string (or after a backslash): which logical line holds it?
      const line = k > 0 ? clean[k - 1] : 0;
      const c = text.charCodeAt(line);
      if (c === 32 || c === 9) extra.push(at);
    }
    if (extra.length) {
      const all = [...starts, ...extra].sort((a, b) => a - b);
      starts.length = 0;
      for (const x of all) if (starts[starts.length - 1] !== x) starts.push(x);
    }
  }
  const out = [0];
  let afterDecorator = false;
  for (const at of starts) {
    if (!afterDecorator) out.push(at);
    afterDecorator = text.charCodeAt(at) === 64;
  }
  return out;
}

/** Whether a scan's errors say the text is not valid Python (see chunkStarts). */
export function lexedBroken(errors: readonly unknown[]): boolean {
  return errors.length > 0;
}

let scriptType: Tree['type'] | null = null;

/**
 * A module's syntax tree, parsed one top-level statement (chunk) at a time and joined under one
 * Script node. On valid code this is the tree a parse of the whole text gives (top-level
 * statements of Python's grammar meet only at clean line starts at column 0); on broken code the
 * damage of a half-typed bracket stays in its chunk (the lexer ends it at the next def/class).
 * Chunk trees are cached by their text: after an edit only the chunks whose text changed are
 * parsed again, whatever moved around them.
 */
/** Characters of chunk texts the parser's cache may hold beyond two copies of the text. */
const CACHE_SLACK_CHARS = 1 << 20;

export class ChunkedParser {
  /** Each chunk text met: its tree and a number standing for the text (same text, same id). */
  private cache = new Map<string, { tree: Tree; id: number }>();
  /** Characters of the cache's chunk texts. */
  private cachedChars = 0;
  private nextId = 0;
  /** Chunks parsed by the last call, and reused (for the bench and tests). */
  stats = { parsed: 0, reused: 0 };
  /** Where the last text parsed was cut (chunkStarts). */
  starts: readonly number[] = [0];
  /** The ids of the last text's chunks (same id: same chunk text, whatever the place). */
  ids: readonly number[] = [];
  /** Chunks of the last text that start inside a string left open above (see chunkStarts), by index. */
  resynced: ReadonlySet<number> = new Set();
  private trees: readonly Tree[] = [];
  private length = 0;

  /**
   * `same`: the text is the previous one's except in the middle (the first `prefix` and last
   * `suffix` characters are unchanged): the chunks lying there are taken as they were, without
   * looking at their text again.
   */
  parse(text: string, lexed: { clean: readonly number[]; broken: boolean } = lexStarts(text), same?: { prefix: number; suffix: number }): Tree {
    const starts = chunkStarts(text, lexed.clean, lexed.broken);
    const resynced = new Set<number>();
    if (lexed.broken) {
      // (both ascending: one walk, not a set of every line start at each keystroke)
      const clean = lexed.clean;
      let k = 0;
      starts.forEach((at, i) => {
        while (k < clean.length && clean[k] < at) k++;
        if (k === clean.length || clean[k] !== at) resynced.add(i);
      });
    }
    const children: Tree['children'][number][] = [];
    const positions: number[] = [];
    const next = new Map<string, { tree: Tree; id: number }>();
    const ids: number[] = [];
    const trees: Tree[] = [];
    const old = { starts: this.starts, ids: this.ids, trees: this.trees };
    const delta = text.length - this.length;
    // the old chunk [from, to), if there was exactly one
    const oldChunk = (from: number, to: number): number => {
      const st = old.starts;
      let lo = 0;
      let hi = st.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (st[mid] <= from) lo = mid;
        else hi = mid - 1;
      }
      const end = lo + 1 < st.length ? st[lo + 1] : this.length;
      return lo < old.ids.length && st[lo] === from && end === to ? lo : -1;
    };
    let parsed = 0;
    for (let i = 0; i < starts.length; i++) {
      const from = starts[i];
      const to = i + 1 < starts.length ? starts[i + 1] : text.length;
      let k = -1;
      if (same && to <= same.prefix) k = oldChunk(from, to);
      else if (same && from >= text.length - same.suffix) k = oldChunk(from - delta, to - delta);
      let t: Tree;
      let id: number;
      if (k >= 0) {
        t = old.trees[k];
        id = old.ids[k];
      } else {
        const src = text.slice(from, to);
        let c = this.cache.get(src);
        if (!c) {
          c = { tree: parseChunk(src), id: this.nextId++ };
          // (a key kept across edits must not keep the whole text it was cut from)
          this.cache.set(detach(src), c);
          this.cachedChars += src.length;
          parsed++;
        }
        next.set(src, c);
        t = c.tree;
        id = c.id;
      }
      ids.push(id);
      trees.push(t);
      scriptType ??= t.type;
      for (let j = 0; j < t.children.length; j++) {
        children.push(t.children[j]);
        positions.push(t.positions[j] + from);
      }
    }
    // keep the texts of the chunks met lately, bounded in number and in characters (each edit of a
    // file that is one large class leaves a new version of that whole chunk, and its tree, behind)
    if (this.cache.size > 2 * starts.length + 1000 || this.cachedChars > 2 * text.length + CACHE_SLACK_CHARS) {
      const live = new Set(ids);
      for (const [src, c] of this.cache)
        if (!next.has(src) && !live.has(c.id)) {
          this.cache.delete(src);
          this.cachedChars -= src.length;
        }
    }
    this.starts = starts;
    this.ids = ids;
    this.resynced = resynced;
    this.trees = trees;
    this.length = text.length;
    this.stats = { parsed, reused: starts.length - parsed };
    scriptType ??= parser.parse('').type;
    return new Tree(scriptType, children, positions, text.length);
  }
}

/**
 * Lezer's tree of one chunk. Lezer builds its tree recursively: brackets nested some thousands
 * deep (CPython refuses more than 200) overflow the stack, at a depth that depends on what is on
 * it. Such a chunk gets an empty tree of its length: the model sees no statement there (the
 * scanner, which does not recurse, still reads its calls), and the rest of the file is analyzed.
 */
function parseChunk(src: string): Tree {
  try {
    return indentedApart(parser.parse(src), src);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return new Tree(parser.parse('').type, [], [], src.length);
  }
}

/** Lezer's error node type. */
const ERROR_TYPE = parser.nodeSet.types.find((t) => t.isError)!;

/**
 * A broken chunk's statements that Lezer's recovery puts at the top level from an indented line
 * (the rest of a class body after `x = foo(` is left open in it), each run of them held in one
 * error node. Valid Python has none, so valid code is untouched. The model, the flow and the
 * blocks skip error nodes: run at module level, such lines would call the body's helpers with
 * names bound nowhere (`LayerNorm2d(planes)`), which the code being typed never does. The
 * scanner still lists the calls of framework classes in them.
 */
function indentedApart(tree: Tree, src: string): Tree {
  const indented = (p: number) => {
    let i = p;
    while (i > 0 && (src[i - 1] === ' ' || src[i - 1] === '\t')) i--;
    return i < p && i > 0 && src[i - 1] === '\n';
  };
  const top: SyntaxNode[] = [];
  for (let c = tree.topNode.firstChild; c; c = c.nextSibling) top.push(c);
  // (an indented comment may stand at the top level of valid code: alone, it is left as it is)
  const statement = (j: number) => j > 0 && top[j].name !== 'Comment' && indented(top[j].from);
  if (!top.some((_, j) => statement(j))) return tree;
  // (a node inside one of Lezer's buffers has no tree of its own: toTree makes one)
  const children: Tree[] = [];
  const positions: number[] = [];
  for (let j = 0; j < top.length;) {
    if (j === 0 || !indented(top[j].from)) {
      children.push(top[j].toTree());
      positions.push(top[j].from);
      j++;
      continue;
    }
    let k = j;
    while (k + 1 < top.length && indented(top[k + 1].from)) k++;
    if (!top.slice(j, k + 1).some((_, i) => statement(j + i))) {
      for (; j <= k; j++) {
        children.push(top[j].toTree());
        positions.push(top[j].from);
      }
      continue;
    }
    const from = top[j].from;
    const run = top.slice(j, k + 1);
    children.push(
      new Tree(
        ERROR_TYPE,
        run.map((c) => c.toTree()),
        run.map((c) => c.from - from),
        top[k].to - from,
      ),
    );
    positions.push(from);
    j = k + 1;
  }
  return new Tree(tree.type, children, positions, tree.length);
}

/** A module's syntax tree (see ChunkedParser). */
export function parsePython(text: string): Tree {
  return new ChunkedParser().parse(text);
}

/** Direct children of a node, in order. */
export function children(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** First direct child with one of the names. */
export function child(n: SyntaxNode, ...names: string[]): SyntaxNode | null {
  for (let c = n.firstChild; c; c = c.nextSibling) if (names.includes(c.name)) return c;
  return null;
}

/** Punctuation and keywords that carry no value of their own. */
const TOKENS = new Set([
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '.',
  '=',
  'AssignOp',
  'UpdateOp',
  ';',
  '*',
  '**',
  'def',
  'class',
  'return',
  'if',
  'elif',
  'else',
  'for',
  'in',
  'while',
  'try',
  'except',
  'finally',
  'with',
  'as',
  'import',
  'from',
  'lambda',
  'not',
  'and',
  'or',
  'is',
  'del',
  'pass',
  'global',
  'nonlocal',
  'async',
  'await',
  'yield',
  'raise',
  'assert',
  'At',
  'Comment',
  '⚠',
  'TypeDef',
  'Decorator',
  'ArithOp',
  'CompareOp',
  'BitOp',
  'LogicOp',
  'break',
  'continue',
  'match',
  'case',
  'type',
]);

/** Children that are expressions or statements (no punctuation, keywords or comments). */
export function operands(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) if (!TOKENS.has(c.name)) out.push(c);
  return out;
}

/** Statements of a Body or Script node. */
export function statements(body: SyntaxNode | null): SyntaxNode[] {
  if (!body) return [];
  const out: SyntaxNode[] = [];
  for (let c = body.firstChild; c; c = c.nextSibling) {
    if (c.name === ':' || c.name === 'Comment' || c.name === '⚠') continue;
    if (c.name === 'StatementGroup') out.push(...statements(c));
    else out.push(c);
  }
  return out;
}

/**
 * One argument of an ArgList or parameter of a ParamList: `*`/`**` prefix, keyword (or
 * parameter) name, value (or default). The grammar lists them flat between commas.
 */
export interface ArgNode {
  star: '' | '*' | '**';
  name?: string;
  nameNode?: SyntaxNode;
  value: SyntaxNode | null;
  from: number;
  to: number;
  /** For parameters: after a bare `*` or `*args`. */
  keywordOnly?: boolean;
  /** For parameters: before a `/`. */
  annotation?: SyntaxNode;
}

function splitList(list: SyntaxNode, text: string, isParams: boolean): ArgNode[] {
  const out: ArgNode[] = [];
  let cur: SyntaxNode[] = [];
  let kwOnly = false;
  const flush = () => {
    if (cur.length === 0) return;
    let star: '' | '*' | '**' = '';
    let i = 0;
    if (
      cur[0].name === '*' ||
      cur[0].name === '**' ||
      (cur[0].name === 'ArithOp' && (text.slice(cur[0].from, cur[0].to) === '*' || text.slice(cur[0].from, cur[0].to) === '**'))
    ) {
      star = text.slice(cur[0].from, cur[0].to) as '*' | '**';
      i = 1;
    }
    const rest = cur.slice(i);
    const from = cur[0].from;
    const to = cur[cur.length - 1].to;
    const eq = rest.findIndex((c) => c.name === 'AssignOp');
    if (isParams) {
      const nameNode = rest.find((c) => c.name === 'VariableName');
      const annotation = rest.find((c) => c.name === 'TypeDef');
      const value = eq >= 0 ? (rest[eq + 1] ?? null) : null;
      if (star === '*' && !nameNode) kwOnly = true;
      else if (nameNode) {
        out.push({ star, name: text.slice(nameNode.from, nameNode.to), nameNode, value, from, to, keywordOnly: kwOnly && star === '', annotation });
        if (star === '*') kwOnly = true;
      }
    } else if (eq === 1 && rest[0].name === 'VariableName') {
      out.push({ star, name: text.slice(rest[0].from, rest[0].to), nameNode: rest[0], value: rest[2] ?? null, from, to });
    } else {
      const value = rest.find((c) => !TOKENS.has(c.name) || c.name === 'ArithOp') ?? null;
      // a generator argument `f(x for x in y)` is a single ComprehensionExpression-like run
      out.push({ star, value: rest.length === 1 ? rest[0] : value, from, to });
    }
    cur = [];
  };
  for (let c = list.firstChild; c; c = c.nextSibling) {
    if (c.name === '(' || c.name === ')' || c.name === 'Comment') continue;
    if (c.name === ',') flush();
    else cur.push(c);
  }
  flush();
  return out;
}

export function argList(list: SyntaxNode | null, text: string): ArgNode[] {
  return list ? splitList(list, text, false) : [];
}

export function paramList(list: SyntaxNode | null, text: string): ArgNode[] {
  return list ? splitList(list, text, true) : [];
}

/** Dotted name of a VariableName / MemberExpression chain (`nn.BatchNorm2d`), or null. */
export function dottedName(n: SyntaxNode, text: string, depth = 0): string | null {
  if (n.name === 'VariableName') return text.slice(n.from, n.to);
  if (n.name === 'MemberExpression' && depth < 400) {
    const kids = children(n);
    if (kids.length === 3 && kids[1].name === '.' && kids[2].name === 'PropertyName') {
      const left = dottedName(kids[0], text, depth + 1);
      return left === null ? null : left + '.' + text.slice(kids[2].from, kids[2].to);
    }
  }
  return null;
}
