/**
 * A module cut into blocks that can be analyzed apart. The top-level statements of a module
 * (a def, a class, an assignment, an import ...) exchange values only through module-level
 * names: a value reaches another statement because that statement reads a name this one binds,
 * or calls a function or class this one defines (its arguments then reach the parameters), or
 * subclasses it. So statements that share no name bound at module level cannot change each
 * other's results, and the module's semantic model is the union of the models of its blocks:
 * groups of top-level statements connected by names that some statement binds (imports aside,
 * which every block gets: an import only gives a value, nothing flows back into it).
 *
 * A top-level statement that ends the module body (`raise`, `return` outside any def, an
 * if/else that ends in every branch ...) stops the evaluation of everything after it: every
 * block then runs only its statements before that point (the later ones are still defined).
 *
 * What is computed per statement (its words, the names it binds) depends only on its text and
 * is cached by it: after an edit only the statements whose text changed are looked at again.
 * This is the unit a per-block cache of results (PythonModule) and per-class views hang off.
 */
import { assignmentParts, ends, forTargets, ownCallFacts, targetNames } from './model';
import { child, children, paramList, statements, type SyntaxNode, type Tree } from './syntax';
import { detach } from '../detach';

/** What a top-level statement says about names, from its text alone. */
export interface ItemInfo {
  /** Names this (kind, text) of statement for as long as the cache keeps it. */
  id: number;
  /** Every name it may read or bind in the module scope (more is safe: see freeNames). */
  words: readonly string[];
  /** Every identifier written in it, once each (the names a callee in it may start with). */
  identifiers: readonly string[];
  /** Names it binds at module level other than by a plain import statement (also `global` names anywhere in it). */
  binds: readonly string[];
  /** A plain `import` / `from … import` statement at top level. */
  isImport: boolean;
  /** It ends the module body: the statements after it never run (ModuleModel's rule, see ends()). */
  barrier: boolean;
  /** The facts ModuleModel.firstOwnCall reads, of each statement it holds (`a; b` holds two), offsets from its start. */
  ownCalls: readonly { rel: number; own: readonly string[]; roots: readonly string[] }[];
}

export interface Item {
  node: SyntaxNode;
  from: number;
  to: number;
  info: ItemInfo;
  /** What named it (BlockCache.item's key). */
  key: string;
}

/** A block: the statements analyzed together (imports included), in text order. */
export interface Block {
  items: Item[];
  /** The statements of the block without the imports every block gets (what makes it this block). */
  own: Item[];
  /** Statements starting at or after this offset never run (a statement before ended the module body). */
  execEnd?: number;
}

/** An assignment to a capitalized attribute of a name, `nn.BatchNorm2d = ...` or `setattr(nn, 'BatchNorm2d', ...)`: the name. */
const REPLACED_CLASS =
  /^[ \t]*(?:([\p{L}_][\p{L}\p{N}_]*)(?:[ \t]*\.[ \t]*[\p{L}_][\p{L}\p{N}_]*)*[ \t]*\.[ \t]*[A-Z][\p{L}\p{N}_]*[ \t]*=(?!=)|setattr[ \t]*\([ \t]*([\p{L}_][\p{L}\p{N}_]*)[^,\n]*,[ \t]*['"][A-Z])/gmu;
const WORD = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/gu;

/** Names bound at module level by a statement (mirrors ModuleModel.collectNode at module scope). */
function moduleBinds(n: SyntaxNode, text: string, out: Set<string>, depth = 0): void {
  if (depth > 400) return;
  const t = (x: SyntaxNode) => text.slice(x.from, x.to);
  switch (n.name) {
    case 'FunctionDefinition':
    case 'ClassDefinition': {
      const name = child(n, 'VariableName');
      if (name) out.add(t(name));
      // defaults, decorators and bases run at module level
      for (const c of children(n)) if (c.name === 'ParamList' || c.name === 'ArgList') moduleBinds(c, text, out, depth + 1);
      return;
    }
    case 'LambdaExpression':
      return;
    case 'AssignStatement':
      for (const tg of assignmentParts(n).targets) for (const name of targetNames(tg, text)) out.add(name);
      break;
    case 'UpdateStatement': {
      const first = n.firstChild;
      if (first?.name === 'VariableName') out.add(t(first));
      break;
    }
    case 'ForStatement':
      for (const f of forTargets(n, text)) for (const name of f.names) out.add(name);
      break;
    case 'ImportStatement':
      // an import inside if/try binds as any assignment does (a top-level one is handled apart)
      for (const c of children(n)) if (c.name === 'VariableName') out.add(t(c));
      return;
    case 'WithStatement':
    case 'TryStatement': {
      const kids = children(n);
      for (let i = 0; i < kids.length - 1; i++) if (kids[i].name === 'as' && kids[i + 1].name === 'VariableName') out.add(t(kids[i + 1]));
      break;
    }
    case 'NamedExpression': {
      const target = n.firstChild;
      if (target?.name === 'VariableName') out.add(t(target));
      break;
    }
  }
  for (let c = n.firstChild; c; c = c.nextSibling) moduleBinds(c, text, out, depth + 1);
}

/**
 * Names a statement may read or bind in the module scope: every name written in it, except
 * those that Python's scoping makes local to a function or lambda inside it (its parameters and
 * the names it binds, unless declared global or nonlocal) and the names of defs and classes
 * nested in other scopes. More names than that is safe (blocks only get larger).
 */
function freeNames(n: SyntaxNode, text: string, locals: Set<string>[], out: Set<string>, depth = 0, inClass = false): void {
  if (depth > 400) {
    // past the bound, every word counts
    for (const w of text.slice(n.from, n.to).match(WORD) ?? []) out.add(w);
    return;
  }
  const t = (x: SyntaxNode) => text.slice(x.from, x.to);
  switch (n.name) {
    case 'VariableName': {
      const name = t(n);
      if (!locals.some((l) => l.has(name))) out.add(name);
      return;
    }
    case 'FunctionDefinition':
    case 'LambdaExpression': {
      const nameNode = n.name === 'FunctionDefinition' ? child(n, 'VariableName') : null;
      // a def nested in a class or function binds its name there, not in the module
      if (nameNode && locals.length === 0 && !inClass) out.add(t(nameNode));
      const plist = child(n, 'ParamList');
      const scope = new Set<string>();
      for (const p of paramList(plist, text)) {
        if (p.name) scope.add(p.name);
        if (p.value) freeNames(p.value, text, locals, out, depth + 1);
        if (p.annotation) freeNames(p.annotation, text, locals, out, depth + 1);
      }
      const body = n.name === 'FunctionDefinition' ? child(n, 'Body') : null;
      const rest: SyntaxNode[] = [];
      // (syntax nodes are new objects on each access: compared by place)
      const same = (a: SyntaxNode, b: SyntaxNode | null) => !!b && a.from === b.from && a.to === b.to && a.name === b.name;
      for (let c = n.firstChild; c; c = c.nextSibling) if (!same(c, nameNode) && !same(c, plist) && !same(c, body)) rest.push(c);
      if (body) {
        moduleBinds(body, text, scope);
        for (const m of text.slice(body.from, body.to).matchAll(/\b(?:global|nonlocal)\b([^\n;#]*)/g)) for (const w of m[1].match(WORD) ?? []) scope.delete(w);
      }
      // the return annotation is read where the def runs; a lambda's body inside it
      for (const c of rest) freeNames(c, text, n.name === 'LambdaExpression' ? [...locals, scope] : locals, out, depth + 1);
      if (body) freeNames(body, text, [...locals, scope], out, depth + 1);
      return;
    }
    case 'ArgList': {
      // `f(eps=1e-3)`: a keyword's name is no name read
      for (let c = n.firstChild; c; c = c.nextSibling) {
        if (c.name === 'VariableName' && c.nextSibling?.name === 'AssignOp') continue;
        freeNames(c, text, locals, out, depth + 1, inClass);
      }
      return;
    }
    case 'ClassDefinition': {
      const nameNode = child(n, 'VariableName');
      if (nameNode && locals.length === 0 && !inClass) out.add(t(nameNode));
      for (let c = n.firstChild; c; c = c.nextSibling) {
        if (nameNode && c.from === nameNode.from && c.name === 'VariableName') continue;
        freeNames(c, text, locals, out, depth + 1, c.name === 'Body' || inClass);
      }
      return;
    }
  }
  for (let c = n.firstChild; c; c = c.nextSibling) freeNames(c, text, locals, out, depth + 1, inClass);
}

let nextInfo = 0;

function itemInfo(n: SyntaxNode, text: string): ItemInfo {
  const src = text.slice(n.from, n.to);
  const words = new Set<string>();
  freeNames(n, text, [], words);
  const binds = new Set<string>();
  const isImport = n.name === 'ImportStatement';
  if (!isImport) moduleBinds(n, text, binds);
  // `global x` / `nonlocal x` anywhere (inside a def too) may bind x in the module
  for (const m of src.matchAll(/\b(?:global|nonlocal)\b([^\n;#]*)/g)) for (const w of m[1].match(WORD) ?? []) binds.add(w);
  // a class replaced on an imported module (`nn.BatchNorm2d = partial(nn.GroupNorm, 2)`): every
  // statement reading the module's name may call it (ModuleModel's patches)
  if (!isImport) for (const m of src.matchAll(REPLACED_CLASS)) binds.add(m[1] ?? m[2]);
  // (kept across edits by BlockCache: the words must not keep this version of the text)
  return {
    id: nextInfo++,
    words: [...words].map(detach),
    identifiers: referenceWords(src).map(detach),
    binds: [...binds].map(detach),
    isImport,
    barrier: !isImport && ends(n),
    ownCalls: ownCallsOf(n, text),
  };
}

const NO_CALLS: ItemInfo['ownCalls'] = [];

/** ItemInfo.ownCalls: only the statements that define a name or call one (most of a module's are defs, whose calls never count). */
function ownCallsOf(n: SyntaxNode, text: string): ItemInfo['ownCalls'] {
  if (n.name === ':' || n.name === 'Comment' || n.name === '⚠') return NO_CALLS;
  let out: { rel: number; own: readonly string[]; roots: readonly string[] }[] | null = null;
  for (const st of n.name === 'StatementGroup' ? statements(n) : [n]) {
    const f = ownCallFacts(st, text);
    if (f.own.length || f.roots.length) (out ??= []).push({ rel: st.from - n.from, own: f.own.map(detach), roots: f.roots.map(detach) });
  }
  return out ?? NO_CALLS;
}

/** ModuleModel.firstOwnCall of the module whose top-level statements are `items` (in text order), from their infos. */
export function firstOwnCallOf(items: readonly Item[]): number {
  const own = new Set<string>();
  for (const it of items) for (const f of it.info.ownCalls) for (const n of f.own) own.add(n);
  for (const it of items) for (const f of it.info.ownCalls) for (const r of f.roots) if (own.has(r)) return it.from + f.rel;
  return Infinity;
}

/**
 * The words of a statement that may name something through the module's bindings, once each:
 * every word but those written only as an attribute (`self.eps`, after a dot) or before a single
 * `=` (a keyword argument, a parameter's default, an assignment's target), which no binding
 * resolves. (A typed `eps = ...` at top level must not key again every block passing `eps=`.)
 */
function referenceWords(src: string): string[] {
  const out = new Set<string>();
  for (const m of src.matchAll(WORD)) {
    const w = m[0];
    if (out.has(w)) continue;
    let b = m.index! - 1;
    while (b >= 0 && (src.charCodeAt(b) === 32 || src.charCodeAt(b) === 9)) b--;
    if (b >= 0 && src.charCodeAt(b) === 46) continue;
    let a = m.index! + w.length;
    while (a < src.length && (src.charCodeAt(a) === 32 || src.charCodeAt(a) === 9)) a++;
    if (src.charCodeAt(a) === 61 && src.charCodeAt(a + 1) !== 61) continue;
    out.add(w);
  }
  return [...out];
}

/** Item infos by statement text, kept across edits (bounded: cleared past a size). */
export class BlockCache {
  private infos = new Map<string, ItemInfo>();

  /**
   * The top-level statements of a tree. `keyOf`, when given, names a statement's kind and text
   * more cheaply than the text itself (same key: same kind and text).
   */
  items(tree: Tree, text: string, keyOf?: (from: number, to: number, kind: string) => string): Item[] {
    const out: Item[] = [];
    for (let c = tree.topNode.firstChild; c; c = c.nextSibling) out.push(this.item(c, text, keyOf));
    return out;
  }

  /**
   * Drops the infos no statement of the current text holds, once there are many more than those:
   * each edit inside a statement makes a new info for it (a broken class makes one per line it
   * holds), and an info of a text left long ago is seldom met again. The live ones keep their ids,
   * and with them the keys of the blocks analyzed (PythonModule's cache of block analyses).
   */
  prune(live: readonly Item[]): void {
    if (this.infos.size <= Math.max(5000, 8 * live.length)) return;
    const keep = new Set(live.map((it) => it.info));
    for (const [k, info] of this.infos) if (!keep.has(info)) this.infos.delete(k);
  }

  /** One top-level statement (see items). */
  item(c: SyntaxNode, text: string, keyOf?: (from: number, to: number, kind: string) => string): Item {
    // the node's kind is part of the key: the same text may parse differently where a statement is broken
    const key = keyOf ? keyOf(c.from, c.to, c.name) : c.name + '\u0000' + text.slice(c.from, c.to);
    let info = this.infos.get(key);
    if (!info) this.infos.set(key, (info = itemInfo(c, text)));
    return { node: c, from: c.from, to: c.to, info, key };
  }

  /** The blocks of a module: statements connected by names bound at module level, imports in each. */
  blocks(items: readonly Item[]): Block[] {
    const n = items.length;
    const parent = new Int32Array(n);
    for (let i = 0; i < n; i++) parent[i] = i;
    const find = (i: number): number => {
      while (parent[i] !== i) i = parent[i] = parent[parent[i]];
      return i;
    };
    const join = (a: number, b: number) => {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    };
    const bound = new Set<string>();
    for (const it of items) for (const b of it.info.binds) bound.add(b);
    const owner = new Map<string, number>();
    // the module body ends with the first statement that ends it: what follows is defined
    // (collected) but never runs, in every block alike
    let execEnd: number | undefined;
    for (const it of items) {
      if (it.info.barrier && !(it.node.name === ':' || it.node.name === 'Comment' || it.node.name === '⚠')) {
        execEnd = it.to;
        break;
      }
    }
    for (let i = 0; i < n; i++) {
      const it = items[i];
      if (it.info.isImport) continue;
      for (const w of it.info.words) {
        if (!bound.has(w)) continue;
        const o = owner.get(w);
        if (o === undefined) owner.set(w, i);
        else join(o, i);
      }
    }
    const imports = items.filter((it) => it.info.isImport);
    const groups = new Map<number, Item[]>();
    for (let i = 0; i < n; i++) {
      if (items[i].info.isImport) continue;
      const r = find(i);
      let g = groups.get(r);
      if (!g) groups.set(r, (g = []));
      g.push(items[i]);
    }
    const out: Block[] = [];
    for (const own of groups.values()) {
      // imports merged in text order
      const all: Item[] = [];
      let a = 0;
      for (const it of own) {
        while (a < imports.length && imports[a].from < it.from) all.push(imports[a++]);
        all.push(it);
      }
      while (a < imports.length) all.push(imports[a++]);
      out.push({ items: all, own, execEnd });
    }
    // a module of imports only: one block of them
    if (out.length === 0 && imports.length) out.push({ items: imports, own: [], execEnd });
    return out;
  }
}
