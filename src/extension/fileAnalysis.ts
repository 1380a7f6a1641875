/**
 * One Python file's analysis. The recognizer's DocumentIndex is kept in step with the editor by
 * feeding it each edit's content changes (it rescans only what an edit touches); the rules run
 * again only when the layers or the rule settings changed.
 */
import type * as vscode from 'vscode';
import { PythonModule, type SemanticOptions } from '../python/index';
import type { ResolvedLayer } from '../python/types';
import { ChunkedMask, runRules } from '../checks/index';
import type { NormDiagnostic } from '../checks/types';

export class FileAnalysis {
  private module: PythonModule;
  private version: number;
  private diagnostics: NormDiagnostic[] | undefined;
  private rulesKey = '';
  private layersSeen: readonly ResolvedLayer[] | undefined;
  /** The rules' mask of strings and comments, kept per chunk across edits. */
  private readonly mask = new ChunkedMask();

  constructor(
    doc: vscode.TextDocument,
    /** How the semantic model reaches the file's siblings (read again when the project changes). */
    private readonly semantic: () => SemanticOptions = () => ({}),
  ) {
    this.module = new PythonModule(doc.getText(), semantic());
    this.version = doc.version;
  }

  /** Other files changed (or were read for the first time): analyze again from the text. */
  restart(doc: vscode.TextDocument): void {
    this.module = new PythonModule(doc.getText(), this.semantic());
    this.version = doc.version;
    this.diagnostics = undefined;
  }

  /** Applies an edit's changes in the order VS Code lists them (each against the text the previous one left). */
  applyChanges(doc: vscode.TextDocument, changes: readonly vscode.TextDocumentContentChangeEvent[]): void {
    for (const c of changes) this.module.applyEdit(c.rangeOffset, c.rangeOffset + c.rangeLength, c.text);
    this.version = doc.version;
    this.diagnostics = undefined;
  }

  invalidateDiagnostics(): void {
    this.diagnostics = undefined;
  }

  analysis(doc: vscode.TextDocument, disabledRules: readonly string[]): { layers: ResolvedLayer[]; diagnostics: NormDiagnostic[] } {
    // An edit missed (e.g. made before the index existed) or a reload: start over from the text.
    // The version and line count are checked rather than the whole text, so a hover copies nothing.
    if (doc.version !== this.version || this.module.index.lineCount !== doc.lineCount) {
      this.module = new PythonModule(doc.getText(), this.semantic());
      this.version = doc.version;
      this.diagnostics = undefined;
    }
    const layers = this.module.layers;
    const key = disabledRules.join(',');
    if (!this.diagnostics || key !== this.rulesKey || layers !== this.layersSeen) {
      this.rulesKey = key;
      this.layersSeen = layers;
      const index = this.module.index;
      const scan = {
        text: index.text,
        rows: index.callRows(),
        imports: [...index.imports],
        rebinds: [...index.rebinds],
        flow: this.module.flow(),
        masked: this.mask.mask(index.text, this.module.chunkStarts()),
      };
      this.diagnostics = runRules(scan, layers, { disabled: disabledRules });
    }
    return { layers, diagnostics: this.diagnostics };
  }
}
