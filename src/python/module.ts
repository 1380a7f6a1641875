/**
 * One Python module as the editor and the CLI see it: the incremental scanner index (calls,
 * imports, direct layers) and the semantic model on top of it (indirect layers, shadowed names),
 * kept in step with edits. The semantic model is rebuilt lazily, on the first read after an
 * edit, from an incremental reparse (Lezer reuses the unchanged parts of the previous tree).
 */
import { TreeFragment } from '@lezer/common';
import { DocumentIndex } from './document';
import { analyzeSemantics, mergeLayers, type SemanticOptions, type SemanticResult } from './semantic/index';
import { parsePython, type Tree } from './semantic/syntax';
import type { CallRows, ResolvedLayer, ScannedCall } from './types';
import { parser } from '@lezer/python';
import { FlowModel } from './semantic/flow';
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

export class PythonModule {
  readonly index: DocumentIndex;
  private tree: Tree | null = null;
  private fragments: readonly TreeFragment[] = [];
  private sem: SemanticResult | null = null;
  private merged: ResolvedLayer[] | null = null;
  private flowModel: FlowModel | null = null;

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
    this.flowModel = null;
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
      this.sem = analyzeSemantics(text, (o) => callStartingAt(rows, o), (o) => this.index.positionAt(o), { ...this.options, tree: this.options.model?.text === text ? this.options.model.tree : this.syntax() });
    }
    return this.sem;
  }

  /** The data flow of the module's code (each function analyzed on first read). */
  flow(): FlowModel {
    if (!this.flowModel) {
      const t = new BindingTimeline();
      t.add(this.index.imports, this.index.rebinds);
      t.seal();
      this.flowModel = new FlowModel(this.index.text, this.syntax(), (callee, at) => t.qualify(callee, 0, at));
    }
    return this.flowModel;
  }

  /** Every normalization layer: direct calls and indirect ones, in text order, with their placement. */
  get layers(): ResolvedLayer[] {
    if (!this.merged) {
      const layers = mergeLayers(this.index.layers, this.semantic());
      const placements = this.flow().placements();
      const line = (o: number) => this.index.positionAt(o).line;
      this.merged = layers.map((l) => {
        const p = placements.get(l.call.range.startOffset);
        return p ? { ...l, placement: { kind: p.kind, addLine: line(p.addAt), applyLine: line(p.at) } } : l;
      });
    }
    return this.merged;
  }
}
