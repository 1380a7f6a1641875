/**
 * One Python file's analysis, recomputed only when the document's version moved on, and the
 * rules' diagnostics only when the layers or the rule settings changed.
 */
import type * as vscode from 'vscode';
import { recognize } from '../rules/recognizer';
import { runRules } from '../rules/index';
import type { ScanInput } from '../rules/index';
import type { ResolvedLayer } from '../python/types';
import type { NormDiagnostic } from '../rules/types';

export class FileAnalysis {
  private version = -1;
  private scan: ScanInput | undefined;
  private layers: ResolvedLayer[] = [];
  private diagnostics: NormDiagnostic[] | undefined;
  private rulesKey = '';

  constructor(doc: vscode.TextDocument) {
    this.refresh(doc);
  }

  applyChanges(doc: vscode.TextDocument, changes: readonly vscode.TextDocumentContentChangeEvent[]): void {
    void changes;
    this.refresh(doc);
  }

  invalidateDiagnostics(): void {
    this.diagnostics = undefined;
  }

  analysis(doc: vscode.TextDocument, disabledRules: readonly string[]): { layers: ResolvedLayer[]; diagnostics: NormDiagnostic[] } {
    if (doc.version !== this.version) this.refresh(doc);
    const key = disabledRules.join(',');
    if (!this.diagnostics || key !== this.rulesKey) {
      this.rulesKey = key;
      this.diagnostics = this.scan ? runRules(this.scan, this.layers, { disabled: disabledRules }) : [];
    }
    return { layers: this.layers, diagnostics: this.diagnostics };
  }

  private refresh(doc: vscode.TextDocument): void {
    const r = recognize(doc.getText());
    this.scan = r.scan;
    this.layers = r.layers;
    this.version = doc.version;
    this.diagnostics = undefined;
  }
}
