/**
 * Shows a calculator's result: a read-only Markdown document (virtual, so closing it never asks
 * to save) opened in the Markdown preview, plus a notification with a "Copy" action that puts
 * the result's copy text on the clipboard.
 */
import * as vscode from 'vscode';
import type { Md } from '../explain/markdown';
import { executeCommand, openTextDocument, registerTextDocumentContentProvider, showInformationMessage, showTextDocument, writeClipboard } from './vscodeapi';

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

  /** Opens the result in the Markdown preview (falling back to the raw Markdown) and offers to copy it. */
  async show(result: ShownResult): Promise<vscode.Uri> {
    // Keep a handful; older results are unlikely to be looked at again.
    if (this.results.size >= 20) this.results.delete(this.results.keys().next().value as string);
    // One document per calculator: running it again refreshes an open preview in place.
    const uri = vscode.Uri.from({ scheme: RESULT_SCHEME, path: `/${result.title.replace(/[/\\]/g, ' ')}.md` });
    this.results.delete(uri.path);
    this.results.set(uri.path, result);
    this.changed.fire(uri);
    this.last = result;
    try {
      await executeCommand('markdown.showPreview', uri);
    } catch {
      await showTextDocument(await openTextDocument(uri), vscode.ViewColumn.Beside);
    }
    void showInformationMessage(`NormLens: ${result.title}`, 'Copy').then((choice) => {
      if (choice === 'Copy') void writeClipboard(result.copyText);
    });
    return uri;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
