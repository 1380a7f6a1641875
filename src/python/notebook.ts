/**
 * Jupyter notebooks: code cells are one program for imports (a cell sees what earlier cells
 * imported), while positions are reported per cell, as the editor shows each cell as its own
 * document. IPython magics and shell escapes (`%...`, `!...` lines) are blanked out, keeping
 * positions.
 */
import { BindingTimeline, resolveCalls } from './resolve';
import { scanRegion } from './scan';
import { materializeAll, positionsOf } from './table';
import type { Range, ResolvedLayer, ScanResult } from './types';
import { PythonModule } from './module';
import { resolveSizes, type SemanticOptions } from './semantic/index';

export class NotebookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotebookError';
  }
}

export interface NotebookCell extends ScanResult {
  /** Index of the cell in the notebook's `cells` (markdown cells included). */
  index: number;
  source: string;
}

export interface NotebookResult {
  cells: NotebookCell[];
  layers: ResolvedLayer[];
}

const MAGIC = /^[ \t]*[%!].*$/gm;

/** Source text of a cell as the editor shows it. */
function cellSource(cell: unknown, index: number): string | null {
  if (typeof cell !== 'object' || cell === null) throw new NotebookError(`cell ${index} is not an object`);
  const c = cell as { cell_type?: unknown; source?: unknown };
  if (c.cell_type !== 'code') return null;
  if (typeof c.source === 'string') return c.source;
  if (Array.isArray(c.source) && c.source.every((s) => typeof s === 'string')) return c.source.join('');
  throw new NotebookError(`cell ${index}: "source" must be a string or a list of strings`);
}

/** Scan a notebook (.ipynb JSON text). Throws NotebookError naming what is wrong with it. */
export function recognizeNotebook(ipynbJson: string, options: { maxSourceChars?: number; semantic?: SemanticOptions } = {}): NotebookResult {
  let doc: unknown;
  try {
    doc = JSON.parse(ipynbJson);
  } catch (e) {
    throw new NotebookError(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new NotebookError(
      `not a Jupyter notebook: no "cells" list at the top level (the JSON is ${Array.isArray(doc) ? 'a list' : doc === null ? 'null' : `a ${typeof doc}`}; NormLens reads nbformat 4 notebooks)`,
    );
  }
  const version = (doc as { nbformat?: unknown }).nbformat;
  if (typeof version === 'number' && version < 4) {
    throw new NotebookError(
      `nbformat ${version} notebook: NormLens reads nbformat 4 notebooks (Jupyter 4.0 and later, as VS Code does); convert it with \`jupyter nbconvert --to notebook --nbformat 4\``,
    );
  }
  if (!Array.isArray((doc as { cells?: unknown }).cells)) {
    throw new NotebookError(
      `not a Jupyter notebook: no "cells" list at the top level (NormLens reads nbformat 4 notebooks${typeof version === 'number' ? `; this one says nbformat ${version}` : ''})`,
    );
  }
  const raw = (doc as { cells: unknown[] }).cells;
  if (options.maxSourceChars !== undefined) {
    // Checked before any cell is scanned: the work and memory of a scan grow with the source.
    let total = 0;
    raw.forEach((cell, index) => {
      total += cellSource(cell, index)?.length ?? 0;
    });
    if (total > options.maxSourceChars) {
      throw new NotebookError(`its code cells hold ${total} characters of source; at most ${options.maxSourceChars} are checked`);
    }
  }
  const cells: NotebookCell[] = [];
  const timeline = new BindingTimeline();
  raw.forEach((cell, index) => {
    const source = cellSource(cell, index);
    if (source === null) return;
    const masked = source.replace(MAGIC, (m) => ' '.repeat(m.length));
    const r = scanRegion(masked, 0, 0);
    cells.push({ index, source, calls: materializeAll(r.table, masked, positionsOf(r.lines)), imports: r.imports, errors: r.errors, rebinds: r.rebinds });
    timeline.add(r.imports, r.rebinds, index);
  });
  timeline.seal();
  const direct: ResolvedLayer[] = [];
  // A loop, not push(...): one cell may hold more layers than a call takes arguments.
  for (const c of cells) for (const l of resolveCalls(c.calls, timeline, c.index)) direct.push(l);
  return { cells, layers: withSemantics(cells, direct, options.semantic) };
}

/**
 * The semantic model over the notebook's code cells as one program (cells in order, magics
 * blanked): indirect layers are added, and direct-looking calls whose name a local shadows are
 * dropped, with positions brought back into each cell.
 */
function withSemantics(cells: NotebookCell[], direct: ResolvedLayer[], semantic: SemanticOptions = {}): ResolvedLayer[] {
  const starts: number[] = [];
  const lineStarts: number[] = [];
  let program = '';
  let line = 0;
  for (const c of cells) {
    starts.push(program.length);
    lineStarts.push(line);
    const masked = c.source.replace(MAGIC, (m) => ' '.repeat(m.length));
    program += masked.endsWith('\n') || masked === '' ? masked : masked + '\n';
    line = program.split('\n').length - 1;
  }
  // (with the files beside it: `import my_patch` in a cell runs that module)
  const sem = new PythonModule(program, { host: semantic.host, moduleName: semantic.moduleName, path: semantic.path }).semantic();
  const cellAt = (offset: number) => {
    let k = 0;
    while (k + 1 < starts.length && starts[k + 1] <= offset) k++;
    return k;
  };
  // a direct call the model resolves itself (a class an earlier cell replaced) is the model's; the others take
  // what the whole program sets on them once built (a later cell's `bn.momentum = 0.01`), as in a file
  const semAt = new Set(sem.layers.map((l) => l.call.range.startOffset));
  const out: ResolvedLayer[] = [];
  for (const l of direct) {
    const base = starts[cells.findIndex((c) => c.index === l.cell)];
    const at = base + l.call.range.startOffset;
    if (!sem.shadowed.has(at) && !semAt.has(at)) out.push(resolveSizes(l, sem.model, -base));
  }
  for (const found of sem.layers) {
    // (what the code gives it beyond the call: sizes, a subclass's `self.bias = None`, values set once built)
    const l = resolveSizes(found, sem.model);
    const k = cellAt(l.call.range.startOffset);
    const base = starts[k];
    const baseLine = lineStarts[k];
    const end = k + 1 < starts.length ? starts[k + 1] : program.length;
    const anchor = l.call.nameRange;
    // ranges inside the cell move with it; one elsewhere (a partial in an earlier cell) points at the call
    const move = (r: Range): Range =>
      r.startOffset >= base && r.endOffset <= end
        ? {
            start: { line: r.start.line - baseLine, character: r.start.character },
            end: { line: r.end.line - baseLine, character: r.end.character },
            startOffset: r.startOffset - base,
            endOffset: r.endOffset - base,
          }
        : move(anchor);
    const rebase = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(rebase);
      if (typeof v !== 'object' || v === null) return v;
      const o = v as Record<string, unknown>;
      if (typeof o.startOffset === 'number' && typeof o.endOffset === 'number' && o.start && o.end) return move(o as unknown as Range);
      const copy: Record<string, unknown> = {};
      for (const key in o) copy[key] = key === 'spec' ? o[key] : rebase(o[key]);
      return copy;
    };
    const moved = rebase(l) as ResolvedLayer;
    moved.cell = cells[k].index;
    if (moved.origin) {
      // "line 12" of the program becomes the cell and line the user sees
      moved.origin.how = moved.origin.how.replace(/\bline (\d+)/g, (_, n: string) => {
        const pl = Number(n) - 1;
        let j = 0;
        while (j + 1 < lineStarts.length && lineStarts[j + 1] <= pl) j++;
        // (cells counted from 1, as the text output and the editor count them)
        return `cell ${cells[j].index + 1}, line ${pl - lineStarts[j] + 1}`;
      });
      if (moved.origin.line !== undefined) moved.origin.line = Math.max(0, moved.origin.line - baseLine);
    }
    out.push(moved);
  }
  return out.sort((a, b) => (a.cell ?? 0) - (b.cell ?? 0) || a.call.range.startOffset - b.call.range.startOffset);
}
