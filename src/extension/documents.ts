/**
 * What NormLens knows about each open Python file and notebook: the recognized normalization
 * layers and the diagnostics of the rules, kept current as the person types. Hovers, code
 * actions and calculators read from here; an out-of-date entry is brought up to date on read.
 */
import * as vscode from 'vscode';
import type { ResolvedLayer } from '../python/types';
import type { NormDiagnostic } from '../checks/types';
import { analyzeNotebook } from '../checks/index';
import { FileAnalysis } from './fileAnalysis';
import { notebookDocuments, textDocuments } from './vscodeapi';
import { WorkspaceProject } from './project';

export interface Analysis {
  /** Every layer, in text order (built when read: a large file being edited is kept block by block). */
  readonly layers: ResolvedLayer[];
  diagnostics: NormDiagnostic[];
  /** The innermost layer whose call contains the offset (what a hover or a calculator there is about). */
  layerAt(offset: number): ResolvedLayer | undefined;
}

/** An analysis from lists (a notebook cell's). */
function listAnalysis(): Analysis {
  const layers: ResolvedLayer[] = [];
  return { layers, diagnostics: [], layerAt: (offset) => layerAt(layers, offset) };
}

export interface AnalysisOptions {
  disabledRules: readonly string[];
}

/** Python files, untitled Python buffers and notebook cells with Python code. */
export function isPythonDocument(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'python';
}

export function isNotebookCell(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === 'vscode-notebook-cell';
}

/** The notebook a cell document belongs to, and the cell's index. */
export function notebookOfCell(doc: vscode.TextDocument): { notebook: vscode.NotebookDocument; index: number } | undefined {
  for (const notebook of notebookDocuments()) {
    for (const cell of notebook.getCells()) {
      if (cell.document === doc || cell.document.uri.toString() === doc.uri.toString()) return { notebook, index: cell.index };
    }
  }
  return undefined;
}

interface NotebookEntry {
  key: string;
  /** Per cell index. */
  byCell: Map<number, Analysis>;
}

export class DocumentAnalyses {
  private readonly files = new Map<string, FileAnalysis>();
  private readonly notebooks = new Map<string, NotebookEntry>();
  private readonly project = new WorkspaceProject((doc, path) => doc.uri.with({ path }));

  constructor(
    private readonly options: () => AnalysisOptions,
    /** Called when a document's analysis changed without an edit of it (its siblings were read or changed). */
    private readonly onUpdate: (doc: vscode.TextDocument) => void = () => {},
  ) {}

  /** Another Python file changed: analyses that read it start over. */
  siblingChanged(doc: vscode.TextDocument): void {
    if (!this.project.changed(doc.uri.path)) return;
    for (const d of textDocuments()) {
      const f = this.files.get(d.uri.toString());
      if (f && d !== doc) {
        f.restart(d);
        this.onUpdate(d);
      }
    }
  }

  /** Feeds an edit to a file's incremental index (notebooks are re-read whole when asked). */
  onChange(e: vscode.TextDocumentChangeEvent): void {
    if (isNotebookCell(e.document)) return;
    const f = this.files.get(e.document.uri.toString());
    if (f) f.applyChanges(e.document, e.contentChanges);
  }

  forget(doc: vscode.TextDocument): void {
    this.files.delete(doc.uri.toString());
  }

  forgetNotebook(nb: vscode.NotebookDocument): void {
    this.notebooks.delete(nb.uri.toString());
  }

  /** Clears cached results (settings changed). */
  reset(): void {
    for (const f of this.files.values()) f.invalidateDiagnostics();
    this.notebooks.clear();
  }

  /** The current analysis of a Python file or notebook cell. */
  get(doc: vscode.TextDocument): Analysis {
    if (isNotebookCell(doc)) {
      const owner = notebookOfCell(doc);
      if (!owner) return listAnalysis();
      return this.notebook(owner.notebook).byCell.get(owner.index) ?? listAnalysis();
    }
    const key = doc.uri.toString();
    let f = this.files.get(key);
    if (!f) {
      const file = (f = new FileAnalysis(doc, () => this.project.options(doc)));
      this.files.set(key, f);
      // names imported from sibling files resolve once those are read (asynchronously, through workspace.fs)
      void this.project.preload(doc).then((fresh) => {
        if (fresh && this.files.get(key) === file && !doc.isClosed) {
          file.restart(doc);
          this.onUpdate(doc);
        }
      });
    }
    return f.analysis(doc, this.options().disabledRules);
  }

  /** Every cell's analysis of a notebook (cells without layers or problems are absent). */
  notebook(nb: vscode.NotebookDocument): NotebookEntry {
    const cells = nb.getCells();
    const disabled = this.options().disabledRules;
    const key = `${disabled.join(',')}|${cells.map((c) => `${c.kind}:${c.document.languageId}:${c.document.uri.fragment}:${c.document.version}`).join('|')}`;
    const cached = this.notebooks.get(nb.uri.toString());
    if (cached && cached.key === key) return cached;
    // Code cells are one program: an import in one cell serves the cells after it.
    const json = JSON.stringify({
      cells: cells.map((c) => ({
        cell_type: c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python' ? 'code' : 'markdown',
        source: c.document.getText(),
      })),
    });
    const byCell = new Map<number, Analysis>();
    const report = analyzeNotebook(json, { disabled });
    if (!('error' in report)) {
      const at = (i: number) => {
        let a = byCell.get(i);
        if (!a) byCell.set(i, (a = listAnalysis()));
        return a;
      };
      for (const l of report.layers) at(l.cell ?? 0).layers.push(l);
      for (const d of report.diagnostics) at(d.cell ?? 0).diagnostics.push(d);
    }
    const entry = { key, byCell };
    this.notebooks.set(nb.uri.toString(), entry);
    return entry;
  }
}

/** The innermost recognized layer whose call contains the offset. */
export function layerAt(layers: readonly ResolvedLayer[], offset: number): ResolvedLayer | undefined {
  let best: ResolvedLayer | undefined;
  for (const l of layers) {
    const r = l.call.range;
    if (offset >= r.startOffset && offset <= r.endOffset) {
      if (!best || r.endOffset - r.startOffset < best.call.range.endOffset - best.call.range.startOffset) best = l;
    }
  }
  return best;
}
