/**
 * Jupyter notebooks: code cells are one program for imports (a cell sees what earlier cells
 * imported), while positions are reported per cell, as the editor shows each cell as its own
 * document. IPython magics and shell escapes (`%...`, `!...` lines) are blanked out, keeping
 * positions.
 */
import { BindingTimeline, resolveCalls } from './resolve';
import { scanRegion } from './scan';
import { materializeAll, positionsOf } from './table';
import type { ResolvedLayer, ScanResult } from './types';

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
export function recognizeNotebook(ipynbJson: string, options: { maxSourceChars?: number } = {}): NotebookResult {
  let doc: unknown;
  try {
    doc = JSON.parse(ipynbJson);
  } catch (e) {
    throw new NotebookError(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new NotebookError(`not a Jupyter notebook: no "cells" list at the top level (the JSON is ${Array.isArray(doc) ? 'a list' : doc === null ? 'null' : `a ${typeof doc}`}; NormLens reads nbformat 4 notebooks)`);
  }
  const version = (doc as { nbformat?: unknown }).nbformat;
  if (typeof version === 'number' && version < 4) {
    throw new NotebookError(`nbformat ${version} notebook: NormLens reads nbformat 4 notebooks (Jupyter 4.0 and later, as VS Code does); convert it with \`jupyter nbconvert --to notebook --nbformat 4\``);
  }
  if (!Array.isArray((doc as { cells?: unknown }).cells)) {
    throw new NotebookError(`not a Jupyter notebook: no "cells" list at the top level (NormLens reads nbformat 4 notebooks${typeof version === 'number' ? `; this one says nbformat ${version}` : ''})`);
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
  const layers: ResolvedLayer[] = [];
  // A loop, not push(...): one cell may hold more layers than a call takes arguments.
  for (const c of cells) for (const l of resolveCalls(c.calls, timeline, c.index)) layers.push(l);
  return { cells, layers };
}
