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
 * again, on the incrementally reparsed tree (Lezer reuses the unchanged parts of the previous
 * one). `semantic()` is still the whole module's model in one piece.
 */
import { TreeFragment } from '@lezer/common';
import { DocumentIndex } from './document';
import { analyzeBlock, analyzeSemantics, mergeLayers, resolveSizes, type SemanticOptions, type SemanticResult } from './semantic/index';
import { BlockCache, type Block } from './semantic/blocks';
import type { ModuleModel } from './semantic/model';
import { parsePython, type Tree } from './semantic/syntax';
import type { CallRows, ResolvedLayer, ScannedCall } from './types';
import { parser } from '@lezer/python';

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

/** A block's analysis, in the coordinates of the text it was computed from plus `bias`. */
interface BlockResult {
  model: ModuleModel;
  /** Offsets now = the model's + bias. */
  bias: number;
  /** Line of the block's first own statement (imports aside) now. */
  line: number;
  /** Offset of the block's first own statement now. */
  from: number;
  /** The block's own statements now: where each starts, and the index of its first call row when analyzed. */
  own: { from: number; to: number; firstRow: number }[];
  /** Semantic layers (sizes resolved), in today's coordinates. */
  layers: ResolvedLayer[];
  /** Model offsets of the semantic layers' calls, and of calls written with a shadowed name. */
  semStarts: Set<number>;
  shadowed: ReadonlySet<number>;
}

/**
 * The same layer with every offset moved by d (lines and columns stay: the text moved along its
 * lines) and the enclosing call's row index by `rows` (calls were added or removed above).
 */
function moveLayer<T>(v: T, d: number, rows: number): T {
  if (Array.isArray(v)) return v.map((x) => moveLayer(x, d, rows)) as T;
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key in o) {
    const x = o[key];
    if ((key === 'startOffset' || key === 'endOffset') && typeof x === 'number') copy[key] = x + d;
    else if (key === 'parent' && typeof x === 'number') copy[key] = x + rows;
    else copy[key] = key === 'spec' ? x : moveLayer(x, d, rows);
  }
  return copy as T;
}

export class PythonModule {
  readonly index: DocumentIndex;
  private tree: Tree | null = null;
  private fragments: readonly TreeFragment[] = [];
  private sem: SemanticResult | null = null;
  private merged: ResolvedLayer[] | null = null;
  private readonly blockCache = new BlockCache();
  /** Block results by key (statement texts and their relative places). */
  private blockResults = new Map<string, BlockResult>();
  /** Blocks analyzed again by the last read, and reused (for the bench and tests). */
  stats = { analyzed: 0, reused: 0, moved: 0 };

  constructor(
    text: string,
    private readonly options: SemanticOptions = {},
  ) {
    this.index = new DocumentIndex(text);
  }

  applyEdit(startOffset: number, endOffset: number, newText: string): void {
    this.index.applyEdit(startOffset, endOffset, newText);
    if (this.tree) {
      this.fragments = TreeFragment.applyChanges(TreeFragment.addTree(this.tree, this.fragments), [
        { fromA: startOffset, toA: endOffset, fromB: startOffset, toB: startOffset + newText.length },
      ]);
      this.tree = null;
    }
    this.sem = null;
    this.merged = null;
  }

  get text(): string {
    return this.index.text;
  }

  /** The syntax tree of the current text (reparsed incrementally after edits). */
  syntax(): Tree {
    if (!this.tree) {
      const text = this.index.text;
      this.tree = this.fragments.length ? parser.parse(text, this.fragments) : parsePython(text);
      this.fragments = TreeFragment.addTree(this.tree);
    }
    return this.tree;
  }

  semantic(): SemanticResult {
    if (!this.sem) {
      const rows = this.index.callRows();
      const text = this.index.text;
      this.sem = analyzeSemantics(text, (o) => callStartingAt(rows, o), (o) => this.index.positionAt(o), { ...this.options, tree: this.syntax() });
    }
    return this.sem;
  }

  /** Every normalization layer: direct calls and indirect ones, in text order. */
  get layers(): ResolvedLayer[] {
    if (!this.merged) this.merged = this.blockLayers();
    return this.merged;
  }

  /** The layers of the whole module's model in one piece (what `layers` must equal). */
  wholeLayers(): ResolvedLayer[] {
    return mergeLayers(this.index.layers, this.semantic());
  }

  private blockLayers(): ResolvedLayer[] {
    const tree = this.syntax();
    const text = this.index.text;
    const items = this.blockCache.items(tree, text);
    const blocks = this.blockCache.blocks(items);
    const rows = this.index.callRows();
    const callAt = (o: number) => callStartingAt(rows, o);
    const pos = (o: number) => this.index.positionAt(o);
    const next = new Map<string, BlockResult>();
    const stats = { analyzed: 0, reused: 0, moved: 0 };
    // each block's own statements, by start offset, for the direct layers
    const owner: { from: number; to: number; r: BlockResult }[] = [];
    for (const b of blocks) {
      // the key: statements' texts and relative places, and the scanner's calls in them (a
      // bracket left open above may change how the same text is scanned)
      let key = this.blockKey(b);
      const own = b.own.map((it) => {
        const s = this.index.callShape(it.from, it.to);
        key += s.shape + '\u0003';
        return { from: it.from, to: it.to, firstRow: s.firstRow };
      });
      let r = this.blockResults.get(key);
      if (!b.own.length) continue;
      const from = b.own[0].from;
      const line = pos(from).line;
      const rowsMoved = r ? own.some((o, i) => o.firstRow !== r!.own[i].firstRow) : false;
      if (r && !next.has(key) && r.from === from && r.line === line && !rowsMoved) stats.reused++;
      else if (r && !next.has(key) && r.line === line && r.from - r.bias !== 0) {
        // moved along its lines: the same analysis, offsets (and call rows) moved
        const d = from - r.from;
        const old = r;
        const layers = old.layers.map((l) => {
          const at = l.call.range.startOffset;
          const i = old.own.findIndex((o) => o.from <= at && at < o.to);
          return moveLayer(l, d, i >= 0 ? own[i].firstRow - old.own[i].firstRow : 0);
        });
        r = { ...old, bias: old.bias + d, from, layers, own };
        stats.moved++;
      } else {
        const sem = analyzeBlock(text, tree, b.items.map((i) => i.node), b.execEnd, callAt, pos, { ...this.options, tree });
        r = {
          model: sem.model,
          bias: 0,
          line,
          from,
          own,
          layers: sem.layers.map((l) => resolveSizes(l, sem.model)),
          semStarts: new Set(sem.layers.map((l) => l.call.range.startOffset)),
          shadowed: sem.shadowed,
        };
        stats.analyzed++;
      }
      next.set(key, r);
      for (const it of b.own) owner.push({ from: it.from, to: it.to, r });
    }
    this.blockResults = next;
    this.stats = stats;
    owner.sort((a, b) => a.from - b.from);
    // as mergeLayers: direct layers (unless the model resolves the call itself or its name is
    // shadowed), then the semantic ones, in text order
    const out: ResolvedLayer[] = [];
    let k = 0;
    for (const l of this.index.layers) {
      const at = l.call.range.startOffset;
      while (k < owner.length && owner[k].to <= at) k++;
      const o = k < owner.length && owner[k].from <= at ? owner[k].r : null;
      if (!o) {
        out.push(l);
        continue;
      }
      if (o.semStarts.has(at - o.bias) || o.shadowed.has(at - o.bias)) continue;
      out.push(resolveSizes(l, o.model, o.bias));
    }
    for (const r of next.values()) for (const l of r.layers) out.push(l);
    return out.sort((a, b) => a.call.range.startOffset - b.call.range.startOffset);
  }

  /**
   * A block's statements: their texts, and the places of its own statements relative to the
   * first of them (offsets and lines). The imports every block gets count by their text and order
   * only: they give values without places (an import hop is recorded only with a host, for
   * siblings' names; then their places count too).
   */
  private blockKey(b: Block): string {
    if (!b.own.length) return '';
    const first = b.own[0].from;
    const line0 = this.index.positionAt(first).line;
    const placed = !!this.options.host;
    let key = '';
    for (const it of b.items) {
      const dead = b.execEnd !== undefined && it.from >= b.execEnd ? 'x' : '';
      if (it.info.isImport && !placed) key += `i${dead}\u0001${it.text}\u0002`;
      else key += `${it.from - first}:${this.index.positionAt(it.from).line - line0}:${it.node.name}:${dead}\u0001${it.text}\u0002`;
    }
    return key;
  }
}
