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
import type { ModuleModel } from './semantic/model';
import { ChunkedParser, type Tree } from './semantic/syntax';
import type { CallRows, ResolvedLayer, ScannedCall } from './types';
import { FlowModel, type FlowEdge, type FlowEdges, type Placement } from './semantic/flow';
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

/** One of a block's own statements now: where it is, and how its analysis maps to today's text. */
interface OwnStatement {
  from: number;
  to: number;
  line: number;
  character: number;
  /** Index of its first call row (the scanner's rows) now. */
  firstRow: number;
  /** Offsets now = the model's + bias. */
  bias: number;
}

/** A block's analysis, with its statements' places now. */
interface BlockResult {
  model: ModuleModel;
  own: OwnStatement[];
  /** Semantic layers (sizes resolved), in today's coordinates. */
  layers: ResolvedLayer[];
  /** Model offsets of the semantic layers' calls, and of calls written with a shadowed name. */
  semStarts: Set<number>;
  shadowed: ReadonlySet<number>;
  /** The data flow of the block's code (./semantic/flow.ts), in today's coordinates. */
  edges: FlowEdge[];
  placements: Map<number, Placement>;
}

/** A flow edge with its offsets moved. */
function moveEdge(e: FlowEdge, move: (offset: number) => number): FlowEdge {
  return { ...e, from: move(e.from), to: move(e.to), at: move(e.at), paths: e.paths.map((p) => ({ ops: p.ops.map((o) => ({ ...o, at: move(o.at) })) })) };
}

/**
 * The same layer with every offset moved (lines and columns stay: the text moved along its
 * lines) and the enclosing call's row index by `rows` (calls were added or removed above).
 */
function moveLayer<T>(v: T, move: (offset: number) => number, rows: number): T {
  if (Array.isArray(v)) return v.map((x) => moveLayer(x, move, rows)) as T;
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key in o) {
    const x = o[key];
    if ((key === 'startOffset' || key === 'endOffset') && typeof x === 'number') copy[key] = move(x);
    else if (key === 'parent' && typeof x === 'number') copy[key] = x + rows;
    else copy[key] = key === 'spec' ? x : moveLayer(x, move, rows);
  }
  return copy as T;
}

export class PythonModule {
  readonly index: DocumentIndex;
  private tree: Tree | null = null;
  private readonly parser = new ChunkedParser();
  private sem: SemanticResult | null = null;
  private merged: ResolvedLayer[] | null = null;
  private flowModel: FlowModel | null = null;
  private readonly blockCache = new BlockCache();
  /** Block results by key (statement texts and their relative places). */
  private blockResults = new Map<string, BlockResult>();
  /** Blocks analyzed again by the last read, and reused (for the bench and tests). */
  stats = { analyzed: 0, reused: 0, moved: 0 };
  /** Milliseconds of the last read, by phase (for the bench). */
  phases = { tree: 0, blocks: 0, keys: 0, analysis: 0, direct: 0, merge: 0 };

  constructor(
    text: string,
    private readonly options: SemanticOptions = {},
  ) {
    this.index = new DocumentIndex(text);
  }

  applyEdit(startOffset: number, endOffset: number, newText: string): void {
    this.edited = true;
    this.index.applyEdit(startOffset, endOffset, newText);
    this.tree = null;
    this.sem = null;
    this.merged = null;
    this.flowModel = null;
  }

  get text(): string {
    return this.index.text;
  }

  /**
   * The syntax tree of the current text: parsed one top-level statement at a time, at the
   * scanner's clean line starts, reusing the trees of statements whose text an edit left alone.
   */
  syntax(): Tree {
    this.tree ??= this.parser.parse(this.index.text, this.index.cleanStarts());
    return this.tree;
  }

  /** Where the current text is cut into top-level chunks (./semantic/syntax.ts chunkStarts). */
  chunkStarts(): readonly number[] {
    this.syntax();
    return this.parser.starts;
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

  /**
   * The data flow of the module's code: after edits, the edges gathered from the blocks' flows
   * (each analyzed with its block, reused while the block is); otherwise the whole module's
   * (each function analyzed on first read).
   */
  flow(): FlowEdges {
    if (this.edited && !this.options.exchange && !this.options.model) {
      void this.layers;
      return { edges: () => this.blockEdges };
    }
    this.flowModel ??= new FlowModel(this.index.text, this.syntax(), this.qualifier());
    return this.flowModel;
  }

  /** Flow edges of the blocks, in the order FlowModel.edges() gives them. */
  private blockEdges: FlowEdge[] = [];
  private blockPlacements = new Map<number, Placement>();

  /** Whether the text was edited since the module was made (a one-shot analysis is whole). */
  private edited = false;

  /**
   * Every normalization layer: direct calls and indirect ones, in text order, with their
   * placement. A module never edited (the command line, a file just opened) is analyzed whole,
   * which is faster once; after edits, block by block, reusing what the edits left alone. What
   * other files pass in (project seeds) or a model shared with the project graph needs the whole
   * module's model.
   */
  get layers(): ResolvedLayer[] {
    if (!this.merged) {
      const whole = !this.edited || this.options.exchange || this.options.model;
      const layers = whole ? this.wholeLayers() : this.blockLayers();
      const placements = whole ? (this.flowModel ??= new FlowModel(this.index.text, this.syntax(), this.qualifier())).placements() : this.blockPlacements;
      const line = (o: number) => this.index.positionAt(o).line;
      this.merged = layers.map((l) => {
        const p = placements.get(l.call.range.startOffset);
        return p ? { ...l, placement: { kind: p.kind, addLine: line(p.addAt), applyLine: line(p.at) } } : l;
      });
    }
    return this.merged;
  }

  /** The layers as the analysis per block gives them (equal to `wholeLayers()`), filling the block cache. */
  layersByBlock(): ResolvedLayer[] {
    return this.blockLayers();
  }

  /** The layers of the whole module's model in one piece (what `layers` must equal). */
  wholeLayers(): ResolvedLayer[] {
    return mergeLayers(this.index.layers, this.semantic());
  }

  private blockLayers(): ResolvedLayer[] {
    const ph = { tree: 0, blocks: 0, keys: 0, analysis: 0, direct: 0, merge: 0 };
    let t0 = performance.now();
    const lap = (k: keyof typeof ph) => {
      const t = performance.now();
      ph[k] += t - t0;
      t0 = t;
    };
    const tree = this.syntax();
    const text = this.index.text;
    lap('tree');
    const items = this.blockCache.items(tree, text);
    const blocks = this.blockCache.blocks(items);
    lap('blocks');
    const rows = this.index.callRows();
    const callAt = (o: number) => callStartingAt(rows, o);
    const pos = (o: number) => this.index.positionAt(o);
    const qualify = this.qualifier();
    const next = new Map<string, BlockResult>();
    const stats = { analyzed: 0, reused: 0, moved: 0 };
    // each block's own statements, by start offset, for the direct layers
    const owner: { from: number; to: number; bias: number; r: BlockResult }[] = [];
    for (const b of blocks) {
      if (!b.own.length) continue;
      // the key: statements' texts, and the scanner's calls in them (a bracket left open above
      // may change how the same text is scanned)
      let key = this.blockKey(b);
      const own: OwnStatement[] = b.own.map((it) => {
        const s = this.index.callShape(it.from, it.to);
        key += s.shape + '\u0003';
        const at = pos(it.from);
        return { from: it.from, to: it.to, line: at.line, character: at.character, firstRow: s.firstRow, bias: 0 };
      });
      let r = this.blockResults.get(key);
      lap('keys');
      if (r && next.has(key)) r = undefined;
      // reusable when every statement kept its line (so every line number it shows stays true)
      // and none moved away from offset 0 (where a hop without a place points too)
      const kept =
        r &&
        own.every(
          (o, i) => o.line === r!.own[i].line && o.character === r!.own[i].character && (o.from === r!.own[i].from || r!.own[i].from - r!.own[i].bias !== 0),
        );
      if (r && kept && own.every((o, i) => o.from === r!.own[i].from && o.firstRow === r!.own[i].firstRow)) stats.reused++;
      else if (r && kept) {
        // moved along their lines: the same analysis, offsets (and call rows) moved per statement
        const old = r;
        for (let i = 0; i < own.length; i++) own[i].bias = old.own[i].bias + own[i].from - old.own[i].from;
        const at = (o: number) => {
          // the statement an offset of the old layers lies in (ends included: a range may end there)
          let lo = 0;
          let hi = old.own.length - 1;
          while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (old.own[mid].from <= o) lo = mid;
            else hi = mid - 1;
          }
          return old.own[lo].from <= o && o <= old.own[lo].to ? lo : -1;
        };
        const move = (o: number) => {
          const j = at(o);
          return j < 0 ? o : o + own[j].from - old.own[j].from;
        };
        const layers = old.layers.map((l) => {
          const i = at(l.call.range.startOffset);
          return moveLayer(l, move, i >= 0 ? own[i].firstRow - old.own[i].firstRow : 0);
        });
        const placements = new Map<number, Placement>();
        for (const [k, p] of old.placements) placements.set(move(k), { ...p, addAt: move(p.addAt), at: move(p.at) });
        r = { ...old, layers, own, edges: old.edges.map((e) => moveEdge(e, move)), placements };
        stats.moved++;
      } else {
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
        r = {
          model: sem.model,
          own,
          layers: sem.layers.map((l) => resolveSizes(l, sem.model)),
          semStarts: new Set(sem.layers.map((l) => l.call.range.startOffset)),
          shadowed: sem.shadowed,
          edges: flow.edges(),
          placements: flow.placements(),
        };
        stats.analyzed++;
      }
      next.set(key, r);
      for (const o of r.own) owner.push({ from: o.from, to: o.to, bias: o.bias, r });
      lap('analysis');
    }
    this.blockResults = next;
    this.stats = stats;
    // the flow of every block: edges in FlowModel.edges()'s order, placements by layer
    const edges: FlowEdge[] = [];
    const placements = new Map<number, Placement>();
    for (const r of next.values()) {
      for (const e of r.edges) edges.push(e);
      for (const [k, p] of r.placements) placements.set(k, p);
    }
    this.blockEdges = edges.sort((a, b) => a.to - b.to || a.from - b.from || a.at - b.at);
    this.blockPlacements = placements;
    owner.sort((a, b) => a.from - b.from);
    // as mergeLayers: direct layers (unless the model resolves the call itself or its name is
    // shadowed), then the semantic ones, in text order
    const out: ResolvedLayer[] = [];
    let k = 0;
    const direct = this.index.layers;
    lap('direct');
    for (const l of direct) {
      const at = l.call.range.startOffset;
      while (k < owner.length && owner[k].to <= at) k++;
      const o = k < owner.length && owner[k].from <= at ? owner[k] : null;
      if (!o) {
        out.push(l);
        continue;
      }
      if (o.r.semStarts.has(at - o.bias) || o.r.shadowed.has(at - o.bias)) continue;
      out.push(resolveSizes(l, o.r.model, o.bias));
    }
    for (const r of next.values()) for (const l of r.layers) out.push(l);
    out.sort((a, b) => a.call.range.startOffset - b.call.range.startOffset);
    lap('merge');
    this.phases = ph;
    return out;
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
