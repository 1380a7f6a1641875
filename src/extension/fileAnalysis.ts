/**
 * One Python file's analysis. The recognizer's DocumentIndex is kept in step with the editor by
 * feeding it each edit's content changes (it rescans only what an edit touches); the checks run
 * again after an edit or a change of the rule settings, per block of the module.
 */
import type * as vscode from 'vscode';
import { PythonModule, type SemanticOptions } from '../python/index';
import { ModuleDiagnostics } from '../checks/incremental';
import type { NormDiagnostic } from '../checks/types';
import type { Analysis } from './documents';

export class FileAnalysis {
  private module: PythonModule;
  private checks: ModuleDiagnostics;
  private version: number;
  private diagnostics: NormDiagnostic[] | undefined;
  private rulesKey = '';

  constructor(
    doc: vscode.TextDocument,
    /** How the semantic model reaches the file's siblings (read again when the project changes). */
    private readonly semantic: () => SemanticOptions = () => ({}),
  ) {
    this.module = new PythonModule(doc.getText(), semantic(), { editor: true });
    this.checks = new ModuleDiagnostics(this.module);
    this.version = doc.version;
  }

  /** Other files changed (or were read for the first time): analyze again from the text. */
  restart(doc: vscode.TextDocument): void {
    this.module = new PythonModule(doc.getText(), this.semantic(), { editor: true });
    this.checks = new ModuleDiagnostics(this.module);
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

  /**
   * The file's diagnostics and its layers. The module is analyzed block by block from its first
   * read and the checks run per block (../checks/incremental.ts): a read after edits costs what they changed;
   * the full list of layers is built only when someone reads it (the hover asks for one layer).
   */
  analysis(doc: vscode.TextDocument, disabledRules: readonly string[]): Analysis {
    // An edit missed (e.g. made before the index existed) or a reload: start over from the text.
    // The version and line count are checked rather than the whole text, so a hover copies nothing.
    if (doc.version !== this.version || this.module.index.lineCount !== doc.lineCount) this.restart(doc);
    const key = disabledRules.join(',');
    if (!this.diagnostics || key !== this.rulesKey) {
      this.rulesKey = key;
      this.diagnostics = this.checks.diagnostics({ disabled: disabledRules });
    }
    const module = this.module;
    return {
      get layers() {
        return module.layers;
      },
      diagnostics: this.diagnostics,
      layerAt: (offset) => module.layerAt(offset),
    };
  }
}
