/**
 * Shows a calculator's result or a layer's full explanation: a read-only Markdown document
 * (virtual, so closing it never asks to save) opened in the Markdown preview. Every calculator
 * result goes to one document, so one preview is reused and refreshed in place; the explanation
 * has its own, opened beside the editor. No notification: "Copy Last Calculator Result" copies.
 */
import * as vscode from 'vscode';
import type { Md } from '../explain/markdown';
import { executeCommand, openTextDocument, registerTextDocumentContentProvider, showTextDocument } from './vscodeapi';

export const RESULT_SCHEME = 'normlens-result';

export interface ShownResult {
  title: string;
  /** Built by src/explain/markdown.ts: user text in it is escaped. */
  markdown: Md;
  copyText: string;
}

export class ResultStore implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly results = new Map<string, ShownResult>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;
  /** The last result shown, for tests and the "copy last result" command. */
  last: ShownResult | undefined;

  constructor() {
    this.registration = registerTextDocumentContentProvider(RESULT_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const r = this.results.get(uri.path);
    return r ? `# ${r.title}\n\n${r.markdown}\n` : '# NormLens\n\nThis result is no longer available; run the calculator again.\n';
  }

  /**
   * Opens the result in the Markdown preview (falling back to the raw Markdown). `slot`: the
   * document it replaces ('result' for calculators, 'explanation' for layer explanations).
   */
  async show(result: ShownResult, slot: 'result' | 'explanation' = 'result'): Promise<vscode.Uri> {
    const uri = vscode.Uri.from({ scheme: RESULT_SCHEME, path: slot === 'result' ? '/NormLens result.md' : '/NormLens explanation.md' });
    this.results.set(uri.path, result);
    this.changed.fire(uri);
    if (slot === 'result') this.last = result;
    try {
      await executeCommand(slot === 'result' ? 'markdown.showPreview' : 'markdown.showPreviewToSide', uri);
    } catch {
      await showTextDocument(await openTextDocument(uri), vscode.ViewColumn.Beside);
    }
    return uri;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
