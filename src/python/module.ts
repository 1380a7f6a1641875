/**
 * One Python module as the editor and the CLI see it: the incremental scanner index (calls,
 * imports, direct layers) and the semantic model on top of it (indirect layers, shadowed names),
 * kept in step with edits.
 *
 * The semantic layers are computed per block (./semantic/blocks.ts: top-level statements that
 * share no module-level name with the rest, which the whole module's model would analyze to the
 * same result) and cached by the blocks' text: after an edit, a block whose statements kept
 * their text and their places is reused as it was; one that only moved along the same lines
 * (the edit added no line above it) is reused with its offsets moved; the others are analyzed
 * again, on a tree reparsed only where statements changed (./semantic/syntax.ts ChunkedParser).
 * `semantic()` is still the whole module's model in one piece, and what a module never
 * edited reports.
 */
import { DocumentIndex } from './document';
import { analyzeBlock, analyzeSemantics, mergeLayers, resolveSizes, type SemanticOptions, type SemanticResult } from './semantic/index';
import { BlockCache, type Block } from './semantic/blocks';
import { ChunkedParser, chunkStarts, endsInString, type Tree } from './semantic/syntax';
import type { CallRows, ResolvedLayer, ScannedCall } from './types';
import { FlowModel, type FlowEdge, type FlowEdges } from './semantic/flow';
import { BindingTimeline } from './resolve';

/** Start offsets of rows, to find the call that starts exactly at an offset. */
function callStartingAt(rows: CallRows, offset: number): ScannedCall | undefined {
  let lo = 0;
  let hi = rows.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows.start(mid) < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo < rows.count && rows.start(lo) === offset ? rows.call(lo) : undefined;
}

/** One of a block's own statements: where it is, and its first call row. */
interface OwnStatement {
  from: number;
  to: number;
  line: number;
  character: number;
  /** Index of its first call row (the scanner's rows). */
  firstRow: number;
}

/** Where a block's statements are: its own ones, and every statement of it (imports too) by lines. */
export interface BlockPlace {
  own: readonly OwnStatement[];
  /** Every statement of the block (imports included), in text order: first and last line. */
  lines: readonly { line: number; endLine: number }[];
}

/** How to bring what was found at one place of a block to another (same statements, same columns). */
export interface Move {
  offset(o: number): number;
  line(l: number): number;
  /** How far the call rows of the statement holding an offset (of the old place) moved. */
  rows(o: number): number;
  /** Whether a `definedBy` path is this file's (its lines move). */
  here(path: string | undefined): boolean;
}

function moveBetween(a: BlockPlace, b: BlockPlace, here: (path: string | undefined) => boolean): Move {
  const ownOf = (o: number) => {
    let lo = 0;
    let hi = a.own.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a.own[mid].from <= o) lo = mid;
      else hi = mid - 1;
    }
    // (a call the scanner reads in a broken statement may run past Lezer's end of it, never past
    // its chunk, whose text the block's key holds: it moves with the statement it starts in)
    return a.own[lo].from <= o ? lo : -1;
  };
  return {
    offset: (o) => {
      const i = ownOf(o);
      return i < 0 ? o : o + b.own[i].from - a.own[i].from;
    },
    line: (l) => {
      for (let i = 0; i < a.lines.length; i++) if (a.lines[i].line <= l && l <= a.lines[i].endLine) return l + b.lines[i].line - a.lines[i].line;
      return l;
    },
    rows: (o) => {
      const i = ownOf(o);
      return i < 0 ? 0 : b.own[i].firstRow - a.own[i].firstRow;
    },
    here,
  };
}

/** `line N` (1-based) outside backticks, as LayerOrigin.how writes the lines of this file. */
const LINE_REF = /\bline (\d+)/g;

/**
 * The same layer, diagnostic or flow edge at a block's new place: offsets, lines (positions, the
 * origin's lines and its words, placements) and the enclosing call's row index (calls were added
 * or removed above). Columns stay: a block is reused only where its statements kept them.
 */
export function moveFound<T>(v: T, m: Move, rows = 0): T {
  if (Array.isArray(v)) return v.map((x) => moveFound(x, m, rows)) as T;
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  const position = typeof o.line === 'number' && typeof o.character === 'number';
  for (const key in o) {
    const x = o[key];
    if (typeof x === 'number') {
      if (key === 'startOffset' || key === 'endOffset') copy[key] = m.offset(x);
      else if (key === 'parent') copy[key] = x + rows;
      else if ((key === 'line' && (position || 'how' in o)) || key === 'addLine' || key === 'applyLine') copy[key] = m.line(x);
      else copy[key] = x;
    } else if (key === 'how' && typeof x === 'string')
      copy[key] = x
        .split('`')
        .map((part, i) => (i % 2 ? part : part.replace(LINE_REF, (_, n: string) => `line ${m.line(Number(n) - 1) + 1}`)))
        .join('`');
    else if (key === 'definedBy' && x && typeof x === 'object') {
      const d = x as { line: number; path?: string };
      copy[key] = m.here(d.path) ? { ...d, line: m.line(d.line) } : d;
    } else copy[key] = key === 'spec' ? x : moveFound(x, m, rows);
  }
  return copy as T;
}

/** A flow edge with its offsets moved. */
function moveEdge(e: FlowEdge, move: (offset: number) => number): FlowEdge {
  return { ...e, from: move(e.from), to: move(e.to), at: move(e.at), paths: e.paths.map((p) => ({ ops: p.ops.map((o) => ({ ...o, at: move(o.at) })) })) };
}

let serials = 0;

/** A block key met twice at one read. */
const TWICE = '\u0000';

/**
 * One block's analysis (./semantic/blocks.ts), kept while its statements keep their text and
 * their columns: an edit elsewhere only moves it, and what it found is moved to today's offsets
 * and lines when someone asks (the hover's block alone, or every block for the full list).
 */
export class BlockAnalysis {
  /** Same number while the analysis is reused (a cache of what is derived from it can key on it). */
  readonly serial = serials++;
  /** Where its statements are now. */
  place: BlockPlace;
  private now: { layers: ResolvedLayer[]; edges: FlowEdge[] | null } | null = null;

  constructor(
    /** Where its statements were when analyzed (the places of `layers` and `edges`). */
    private readonly base: BlockPlace,
    /** Layers of its statements (direct and indirect, sizes resolved, placements), in text order. */
    private readonly layers: readonly ResolvedLayer[],
    private readonly edges: readonly FlowEdge[],
    private readonly here: (path: string | undefined) => boolean,
  ) {
    this.place = base;
  }

  /** Its statements now. */
  get own(): readonly OwnStatement[] {
    return this.place.own;
  }

  /** Whether some of its layers build a class `wanted` selects. */
  builds(wanted: (spec: ResolvedLayer['spec']) => boolean): boolean {
    return this.layers.some((l) => wanted(l.spec));
  }

  /** Puts it at its statements' new places. */
  moveTo(place: BlockPlace): void {
    const a = this.place;
    const same =
      place.own.every((o, i) => o.from === a.own[i].from && o.firstRow === a.own[i].firstRow) && place.lines.every((l, i) => l.line === a.lines[i].line);
    if (same) return;
    this.place = place;
    this.now = null;
  }

  /** How what was found at one place of this block is brought to another. */
  move(from: BlockPlace, to: BlockPlace): Move {
    return moveBetween(from, to, this.here);
  }

  private get moved(): boolean {
    return this.place !== this.base;
  }

  /** Its layers at today's places. */
  layersNow(): ResolvedLayer[] {
    if (!this.moved) return this.layers as ResolvedLayer[];
    if (!this.now) {
      const m = this.move(this.base, this.place);
      this.now = { layers: this.layers.map((l) => moveFound(l, m, m.rows(l.call.range.startOffset))), edges: null };
    }
    return this.now.layers;
  }

  /** The data flow of its code at today's offsets. */
  edgesNow(): FlowEdge[] {
    if (!this.moved) return this.edges as FlowEdge[];
    this.layersNow();
    const m = this.move(this.base, this.place);
    this.now!.edges ??= this.edges.map((e) => moveEdge(e, m.offset));
    return this.now!.edges;
  }

  /** Whether an offset (today's) lies in one of its statements. */
  holds(offset: number): boolean {
    return this.place.own.some((o) => o.from <= offset && offset <= o.to);
  }
}

export class PythonModule {
  readonly index: DocumentIndex;
  private tree: Tree | null = null;
  private readonly parser = new ChunkedParser();
  private sem: SemanticResult | null = null;
  private merged: ResolvedLayer[] | null = null;
  private flowModel: FlowModel | null = null;
  private readonly blockCache = new BlockCache();
  /** Block analyses by key (statement texts), kept from the last read. */
  private blockResults = new Map<string, BlockAnalysis>();
  /** Where the scanner's bindings were at the last read, and the part of each block's key they made (by the rest of its key). */
  private layout = '';
  private bindingsOf = new Map<string, string>();
  /** The blocks of the current text, by their first statement, and the direct layers outside any (null: not read since the last edit). */
  private current: { blocks: BlockAnalysis[]; loose: ResolvedLayer[]; looseRanges: [number, number][] } | null = null;
  /** Blocks analyzed again by the last read, and reused (for the bench and tests). */
  stats = { analyzed: 0, reused: 0, moved: 0 };
  /** Milliseconds of the last read, by phase (for the bench). */
  phases = { tree: 0, blocks: 0, keys: 0, analysis: 0 };

  constructor(
    text: string,
    private readonly options: SemanticOptions = {},
  ) {
    this.index = new DocumentIndex(text);
  }

  /** What the edits since the last parse left alone: the first `prefix` and the last `suffix` characters. */
  private same: { prefix: number; suffix: number } | null = null;

  applyEdit(startOffset: number, endOffset: number, newText: string): void {
    this.edited = true;
    const before = this.index.length;
    this.index.applyEdit(startOffset, endOffset, newText);
    const after = this.index.length;
    // (the index clamps and orders the range as here)
    const s = Math.max(0, Math.min(before, Math.min(startOffset, endOffset)));
    const e = Math.max(0, Math.min(before, Math.max(startOffset, endOffset)));
    if (this.tree || this.same) {
      const prev = this.same ?? { prefix: before, suffix: before };
      this.same = { prefix: Math.min(prev.prefix, s), suffix: Math.min(prev.suffix, before - e, after - s - newText.length) };
    }
    this.tree = null;
    this.sem = null;
    this.merged = null;
    this.flowModel = null;
    this.current = null;
  }

  get text(): string {
    return this.index.text;
  }

  /**
   * The syntax tree of the current text: parsed one top-level statement at a time, at the
   * scanner's clean line starts, reusing the trees of statements whose text an edit left alone.
   */
  syntax(): Tree {
    if (!this.tree) {
      const lexed = { clean: this.index.cleanStarts(), openString: endsInString(this.index.errors) };
      this.tree = this.parser.parse(this.index.text, lexed, this.same ?? undefined);
      this.same = null;
    }
    return this.tree;
  }

  /**
   * The top-level statement starts at the scanner's clean line starts (./semantic/syntax.ts
   * chunkStarts; no cut inside a string): where a lexical pass over the text can start afresh.
   */
  statementStarts(): readonly number[] {
    return this.statementChunks().starts;
  }

  /** The same, with an id per chunk when the parser cut the text there too (same id, same chunk text). */
  statementChunks(): { starts: readonly number[]; ids?: readonly number[] } {
    this.syntax();
    if (!this.parser.resynced.size) return { starts: this.parser.starts, ids: this.parser.ids };
    return { starts: chunkStarts(this.index.text, this.index.cleanStarts()) };
  }

  semantic(): SemanticResult {
    if (!this.sem) {
      const rows = this.index.callRows();
      const text = this.index.text;
      this.sem = analyzeSemantics(
        text,
        (o) => callStartingAt(rows, o),
        (o) => this.index.positionAt(o),
        { ...this.options, tree: this.options.model?.text === text ? this.options.model.tree : this.syntax() },
      );
    }
    return this.sem;
  }

  /** Qualified name of a callee at an offset, from the scanner's imports and rebinds (as the flow reads them). */
  private qualifier(): (callee: string, at: number) => string | null {
    const t = new BindingTimeline();
    t.add(this.index.imports, this.index.rebinds);
    t.seal();
    return (callee, at) => t.qualify(callee, 0, at);
  }

  /** Whether the text was edited since the module was made (a one-shot analysis is whole). */
  private edited = false;

  /** Whether reads go block by block now (see byBlock): what checks per block then key on. */
  get analyzedByBlock(): boolean {
    return this.byBlock;
  }

  /** Direct layers outside every block's statements (normally none; see analyzeBlocks). */
  looseLayers(): readonly ResolvedLayer[] {
    this.blocks();
    return this.current!.loose;
  }

  /** The parts of the text outside every block's statements: between statements, and import statements. */
  looseRanges(): readonly [number, number][] {
    this.blocks();
    return this.current!.looseRanges;
  }

  /**
   * Whether reads go block by block: after edits, unless what other files pass in (project seeds)
   * or a model shared with the project graph needs the whole module's model. A module never
   * edited (the command line, a file just opened) is analyzed whole, which is faster once.
   */
  private get byBlock(): boolean {
    return this.edited && !this.options.exchange && !this.options.model;
  }

  /**
   * The data flow of the module's code: after edits, the edges of the blocks' flows (each
   * analyzed with its block, reused while the block is); otherwise the whole module's (each
   * function analyzed on first read).
   */
  flow(): FlowEdges {
    if (this.byBlock) {
      const edges = this.blocks().flatMap((b) => b.edgesNow());
      edges.sort((a, b) => a.to - b.to || a.from - b.from || a.at - b.at);
      return { edges: () => edges };
    }
    return this.wholeFlow();
  }

  private wholeFlow(): FlowModel {
    this.flowModel ??= new FlowModel(this.index.text, this.syntax(), this.qualifier());
    return this.flowModel;
  }

  /** Every normalization layer: direct calls and indirect ones, in text order, with their placement. */
  get layers(): ResolvedLayer[] {
    this.merged ??= this.byBlock ? this.layersByBlock() : this.wholeLayers();
    return this.merged;
  }

  /** The innermost layer whose call contains an offset (the shortest; what a hover there explains). */
  layerAt(offset: number): ResolvedLayer | undefined {
    let best: ResolvedLayer | undefined;
    const consider = (l: ResolvedLayer) => {
      const r = l.call.range;
      if (r.startOffset <= offset && offset <= r.endOffset && (!best || r.endOffset - r.startOffset < best.call.range.endOffset - best.call.range.startOffset))
        best = l;
    };
    if (!this.byBlock || this.merged) {
      for (const l of this.layers) consider(l);
      return best;
    }
    this.blocks();
    for (const b of this.current!.blocks) if (b.holds(offset)) for (const l of b.layersNow()) consider(l);
    for (const l of this.current!.loose) consider(l);
    return best;
  }

  /** The layers as the analysis per block gives them (equal to `wholeLayers()`), filling the block cache. */
  layersByBlock(): ResolvedLayer[] {
    const cur = this.blocks() && this.current!;
    const out = [...cur.loose];
    for (const b of cur.blocks) for (const l of b.layersNow()) out.push(l);
    return out.sort((a, b) => a.call.range.startOffset - b.call.range.startOffset);
  }

  /** The layers of the whole module's model in one piece, with their placement (what `layers` must equal). */
  wholeLayers(): ResolvedLayer[] {
    const placements = this.wholeFlow().placements();
    const line = (o: number) => this.index.positionAt(o).line;
    return mergeLayers(this.index.layers, this.semantic()).map((l) => {
      const p = placements.get(l.call.range.startOffset);
      return p ? { ...l, placement: { kind: p.kind, addLine: line(p.addAt), applyLine: line(p.at) } } : l;
    });
  }

  /**
   * The blocks of the current text, each analyzed (or reused from the last read: same
   * statements, same lines), in text order of their first statement. What checks per block key on.
   */
  blocks(): readonly BlockAnalysis[] {
    if (!this.current) this.current = this.analyzeBlocks();
    return this.current.blocks;
  }

  private analyzeBlocks(): { blocks: BlockAnalysis[]; loose: ResolvedLayer[]; looseRanges: [number, number][] } {
    const ph = { tree: 0, blocks: 0, keys: 0, analysis: 0 };
    let t0 = performance.now();
    const lap = (k: keyof typeof ph) => {
      const t = performance.now();
      ph[k] += t - t0;
      t0 = t;
    };
    const tree = this.syntax();
    const text = this.index.text;
    lap('tree');
    // a statement is named by its chunk (./semantic/syntax.ts: same id, same chunk text, scanned
    // alike from the clean line start it begins at) and its place in it
    const starts = this.parser.starts;
    const ids = this.parser.ids;
    const chunkOf = (o: number) => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= o) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    // (past a string left open above, the scanner does not start afresh where the chunk does:
    // what it sees there is part of the name)
    const resynced = this.parser.resynced;
    const nameOf = (from: number, to: number, kind: string) => {
      const c = chunkOf(from);
      const seen = resynced.has(c) ? `|${this.index.callShape(from, to)}` : '';
      return `${ids[c]}@${from - starts[c]}:${to - from}:${kind}${seen}`;
    };
    const items = this.blockCache.items(tree, text, nameOf);
    // the lines of each statement (what a block's line numbers are moved by)
    const lineSpan = new Map(items.map((it) => [it, { line: this.index.positionAt(it.from).line, endLine: this.index.positionAt(it.to).line }]));
    const here = (path: string | undefined) => path === this.options.path;
    const blocks = this.blockCache.blocks(items);
    lap('blocks');
    const rows = this.index.callRows();
    const callAt = (o: number) => callStartingAt(rows, o);
    const pos = (o: number) => this.index.positionAt(o);
    const line = (o: number) => pos(o).line;
    let qualify: ((callee: string, at: number) => string | null) | undefined;
    const next = new Map<string, BlockAnalysis>();
    const stats = { analyzed: 0, reused: 0, moved: 0 };
    const list: BlockAnalysis[] = [];
    // the scanner's bindings by name, which the direct layers and the flow resolve callees with
    const binds = new Map<string, { at: number; s: string }[]>();
    const bind = (name: string, at: number, s: string) => {
      const list = binds.get(name);
      if (list) list.push({ at, s });
      else binds.set(name, [{ at, s }]);
    };
    for (const i of this.index.imports) bind(i.local, i.range.startOffset, `=${i.target}`);
    for (const r of this.index.rebinds) bind(r.local, r.at, '!');
    for (const list of binds.values()) list.sort((a, b) => a.at - b.at);
    // where the bindings are: the statement each lies in (or before), by index
    let layout = '';
    {
      let k = 0;
      const all = [...this.index.imports.map((i) => i.range.startOffset), ...this.index.rebinds.map((r) => r.at)].sort((a, b) => a - b);
      let j = 0;
      const sig: string[] = [];
      for (const at of all) {
        while (k < items.length && items[k].to < at) k++;
        sig.push(String(k));
        j++;
      }
      for (const i of this.index.imports) sig.push(`${i.local}=${i.target}`);
      for (const r of this.index.rebinds) sig.push(r.local);
      layout = sig.join(',') + `|${items.length}|${j}`;
    }
    const sameLayout = layout === this.layout;
    this.layout = layout;
    const bindingsOf = new Map<string, string>();
    for (const b of blocks) {
      if (!b.own.length) continue;
      // the key: its statements (their infos stand for their chunk's text and their place in it,
      // so for how the scanner saw them too)
      let key = this.blockKey(b);
      const own: OwnStatement[] = b.own.map((it) => {
        const at = pos(it.from);
        return { from: it.from, to: it.to, line: at.line, character: at.character, firstRow: this.index.rowsIn(it.from, it.from)[0] };
      });
      // and the bindings of the names written in its statements, each with how many of them
      // start before it (what a callee there resolves to depends only on that order); when no
      // binding moved to another statement since the last read, as they were
      // (a key met twice may stand for statements in two places: computed each time)
      let bound = sameLayout ? this.bindingsOf.get(key) : undefined;
      if (bound === TWICE) bound = undefined;
      if (bound === undefined) {
        bound = '';
        const seen = new Set<string>();
        for (const it of b.own)
          for (const w of it.info.identifiers) {
            if (seen.has(w)) continue;
            seen.add(w);
            for (const x of binds.get(w) ?? []) {
              let lo = 0;
              let hi = own.length;
              while (lo < hi) {
                const mid = (lo + hi) >> 1;
                if (own[mid].from < x.at) lo = mid + 1;
                else hi = mid;
              }
              bound += `${lo}:${w}${x.s},`;
            }
          }
      }
      bindingsOf.set(key, bindingsOf.has(key) ? TWICE : bound);
      key += '\u0004' + bound;
      const place: BlockPlace = { own, lines: b.items.map((it) => lineSpan.get(it)!) };
      let r = this.blockResults.get(key);
      lap('keys');
      if (r && next.has(key)) r = undefined;
      // reusable when every statement kept its column (its lines and offsets are then moved) and
      // none moved away from offset 0 (where a hop without a place points too)
      const kept = r && own.every((o, i) => o.character === r!.own[i].character && (o.from === r!.own[i].from || r!.own[i].from !== 0));
      if (r && kept) {
        const still = own.every((o, i) => o.from === r!.own[i].from && o.firstRow === r!.own[i].firstRow && o.line === r!.own[i].line);
        r.moveTo(place);
        if (still) stats.reused++;
        else stats.moved++;
      } else {
        qualify ??= this.qualifier();
        const sem = analyzeBlock(
          text,
          tree,
          b.items.map((i) => i.node),
          b.execEnd,
          callAt,
          pos,
          { ...this.options, tree },
        );
        const flow = new FlowModel(
          text,
          tree,
          qualify,
          b.items.map((i) => i.node),
        );
        const placements = flow.placements();
        // as mergeLayers: the direct layers of its statements (unless the model resolves the call
        // itself or its name is shadowed), then the indirect ones, in text order
        const semStarts = new Set(sem.layers.map((l) => l.call.range.startOffset));
        const layers: ResolvedLayer[] = [];
        for (const o of own)
          for (const l of this.index.layersIn(o.from, o.to)) {
            const at = l.call.range.startOffset;
            if (!semStarts.has(at) && !sem.shadowed.has(at)) layers.push(resolveSizes(l, sem.model));
          }
        for (const l of sem.layers) layers.push(resolveSizes(l, sem.model));
        layers.sort((a, b) => a.call.range.startOffset - b.call.range.startOffset);
        for (let i = 0; i < layers.length; i++) {
          const p = placements.get(layers[i].call.range.startOffset);
          if (p) layers[i] = { ...layers[i], placement: { kind: p.kind, addLine: line(p.addAt), applyLine: line(p.at) } };
        }
        r = new BlockAnalysis(place, layers, flow.edges(), here);
        stats.analyzed++;
      }
      next.set(key, r);
      list.push(r);
      lap('analysis');
    }
    this.blockResults = next;
    this.bindingsOf = bindingsOf;
    this.stats = stats;
    // direct layers outside every block's statements (between top-level statements there are only
    // blank lines and comments, so normally none)
    const looseRanges: [number, number][] = [];
    let prev = 0;
    for (const it of items) {
      if (it.from > prev) looseRanges.push([prev, it.from]);
      if (it.info.isImport) looseRanges.push([it.from, it.to]);
      prev = Math.max(prev, it.to);
    }
    looseRanges.push([prev, text.length + 1]);
    const loose: ResolvedLayer[] = [];
    for (const [a, b] of looseRanges) for (const l of this.index.layersIn(a, b)) loose.push(l);
    lap('analysis');
    this.phases = ph;
    return { blocks: list, loose, looseRanges };
  }

  /**
   * A block's statements by text and kind, in order (which never ran, too). Their places are
   * not part of it: a block reused elsewhere has its offsets moved, and only while every own
   * statement keeps its line. The imports every block gets give values without places (an import
   * hop is recorded only with a host, for siblings' names: then their places count too).
   */
  private blockKey(b: Block): string {
    const placed = !!this.options.host;
    let key = '';
    for (const it of b.items) {
      const dead = b.execEnd !== undefined && it.from >= b.execEnd ? 'x' : '';
      // the info's id stands for the statement's kind and text (infos are shared by text)
      key += `${it.info.isImport && placed ? it.from : ''}:${it.info.id}${dead};`;
    }
    return key;
  }
}
