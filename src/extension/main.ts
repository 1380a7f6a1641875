/**
 * NormLens in VS Code: hovers, diagnostics, quick fixes and calculators for normalization layers
 * in Python files and Jupyter notebooks, and the comparison panel. Activated by a Python file or
 * notebook (or one of its commands); reads text only, sends nothing anywhere.
 */
import * as vscode from 'vscode';
import { readSettings } from './config';
import { DocumentAnalyses, isNotebookCell, isPythonDocument, layerAt, notebookOfCell } from './documents';
import { DiagnosticsPublisher, NormCodeActionProvider, NormHoverProvider, PYTHON_SELECTOR, RULE_SCHEME, RuleDocs, ruleUri } from './providers';
import { ResultStore } from './results';
import { registerCalculators } from './calculators';
import { registerPanel } from './panel';
import {
  activeTextEditor,
  executeCommand,
  notebookDocuments,
  onDidChangeConfiguration,
  onDidChangeTextDocument,
  onDidCloseNotebookDocument,
  onDidCloseTextDocument,
  onDidOpenNotebookDocument,
  onDidOpenTextDocument,
  pushAll,
  registerCodeActionsProvider,
  registerCommand,
  registerHoverProvider,
  registerTextDocumentContentProvider,
  showInformationMessage,
  textDocuments,
  writeClipboard,
} from './vscodeapi';

export function activate(context: vscode.ExtensionContext): void {
  // eslint-disable-next-line prefer-const -- the publisher needs the analyses, which report updates to it
  let publisher: DiagnosticsPublisher;
  const analyses = new DocumentAnalyses(
    () => ({ disabledRules: [...readSettings().disabledRules] }),
    (doc) => publisher.schedule(doc),
  );
  publisher = new DiagnosticsPublisher(analyses);
  const results = new ResultStore();

  const layerAtCursor = () => {
    const editor = activeTextEditor();
    if (!editor || !isPythonDocument(editor.document)) return undefined;
    return layerAt(analyses.get(editor.document).layers, editor.document.offsetAt(editor.selection.active));
  };

  const onEdit = (doc: vscode.TextDocument) => {
    if (!isPythonDocument(doc)) return;
    const owner = isNotebookCell(doc) ? notebookOfCell(doc) : undefined;
    if (owner) publisher.publishNotebook(owner.notebook);
    else publisher.schedule(doc);
  };

  pushAll(
    context,
    publisher,
    results,
    registerHoverProvider(PYTHON_SELECTOR, new NormHoverProvider(analyses)),
    registerCodeActionsProvider(PYTHON_SELECTOR, new NormCodeActionProvider(analyses), NormCodeActionProvider.metadata),
    registerTextDocumentContentProvider(RULE_SCHEME, new RuleDocs()),
    registerCommand('normlens.explainRule', async (code?: unknown) => {
      const c = typeof code === 'string' ? code : typeof code === 'object' && code && 'code' in code ? String((code as { code: unknown }).code) : undefined;
      if (!c) return;
      await executeCommand('markdown.showPreview', ruleUri(c));
    }),
    registerCommand('normlens.copyLastResult', async () => {
      if (!results.last) {
        void showInformationMessage('NormLens: no calculator result yet.');
        return;
      }
      await writeClipboard(results.last.copyText);
    }),
    onDidOpenTextDocument(onEdit),
    onDidChangeTextDocument((e) => {
      if (!isPythonDocument(e.document) || e.contentChanges.length === 0) return;
      analyses.onChange(e);
      analyses.siblingChanged(e.document);
      onEdit(e.document);
    }),
    onDidCloseTextDocument((doc) => {
      analyses.forget(doc);
      publisher.clear(doc);
    }),
    onDidOpenNotebookDocument((nb) => publisher.publishNotebook(nb)),
    onDidCloseNotebookDocument((nb) => analyses.forgetNotebook(nb)),
    onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('normlens')) return;
      analyses.reset();
      publisher.republishAll();
    }),
  );
  registerCalculators(context, results, layerAtCursor);
  registerPanel(context);

  for (const doc of textDocuments()) onEdit(doc);
  for (const nb of notebookDocuments()) publisher.publishNotebook(nb);
}

export function deactivate(): void {}
