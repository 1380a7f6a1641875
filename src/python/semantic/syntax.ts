/**
 * The syntax tree the semantic model reads: @lezer/python's error-tolerant parse. A parser is
 * outside what NormLens exists for, and Lezer's is maintained, pure JavaScript (so it runs in
 * the extension host, a web extension host and the CLI alike), recovers from half-typed code,
 * and reparses incrementally from fragments of the previous tree.
 */
import { parser } from '@lezer/python';
import type { SyntaxNode, Tree } from '@lezer/common';

export type { SyntaxNode, Tree };

export function parsePython(text: string): Tree {
  return parser.parse(text);
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
