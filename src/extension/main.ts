/**
 * NormLens in VS Code: hovers, diagnostics, quick fixes and calculators for normalization layers
 * in Python files and Jupyter notebooks, and the comparison panel. Activated by a Python file or
 * notebook (or one of its commands); reads text only, sends nothing anywhere.
 */
import * as vscode from 'vscode';
import { readSettings } from './config';
import { DocumentAnalyses, isNotebookCell, isPythonDocument, notebookOfCell } from './documents';
import { DiagnosticsPublisher, HoverRefs, NormCodeActionProvider, NormHoverProvider, PYTHON_SELECTOR, RULE_SCHEME, RuleDocs, ruleUri } from './providers';
import { explainLayer } from '../explain/hover';
import { calculatorsFor, CALC_LIST_COMMAND, EXPLAIN_COMMAND, parseCalcStart, parseExplainTarget } from '../explain/links';
import { Md, md } from '../explain/markdown';
import { COMMANDS } from '../explain/commands';
import { startFromLayer } from '../explain/links';
import { frameworkInfo } from '../frameworks/index';
import type { ResolvedLayer } from '../python/types';
import { ResultStore } from './results';
import { registerCalculators } from './calculators';
import { registerPanel } from './panel';
import {
  activeTextEditor,
  executeCommand,
  notebookDocuments,
  onDidChangeActiveTextEditor,
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
  showQuickPick,
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
  const refs = new HoverRefs();

  const layerAtCursor = () => {
    const editor = activeTextEditor();
    if (!editor || !isPythonDocument(editor.document)) return undefined;
    return analyses.get(editor.document).layerAt(editor.document.offsetAt(editor.selection.active));
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
    registerHoverProvider(PYTHON_SELECTOR, new NormHoverProvider(analyses, refs)),
    registerCodeActionsProvider(PYTHON_SELECTOR, new NormCodeActionProvider(analyses), NormCodeActionProvider.metadata),
    registerTextDocumentContentProvider(RULE_SCHEME, new RuleDocs()),
    registerCommand(COMMANDS.explainRule.id, async (code?: unknown) => {
      const c = typeof code === 'string' ? code : typeof code === 'object' && code && 'code' in code ? String((code as { code: unknown }).code) : undefined;
      if (!c) return;
      await executeCommand('markdown.showPreview', ruleUri(c));
    }),
    registerCommand(EXPLAIN_COMMAND, async (arg?: unknown) => {
      // From a hover link: the layer that hover was about; from the palette: the one at the cursor.
      const target = parseExplainTarget(arg);
      let found: { doc: vscode.TextDocument; layer: ResolvedLayer } | undefined;
      const ref = target ? refs.get(target.ref) : undefined;
      const doc = ref ? textDocuments().find((d) => d.uri.toString() === ref.uri) : undefined;
      if (doc && ref) {
        const layer = analyses.get(doc).layerAt(ref.offset);
        if (layer) found = { doc, layer };
      }
      if (!found) {
        const editor = activeTextEditor();
        if (editor && isPythonDocument(editor.document)) {
          const layer = layerAtCursor();
          if (layer) found = { doc: editor.document, layer };
        }
      }
      if (!found) {
        void showInformationMessage('NormLens: no normalization layer at the cursor. Put the cursor on a call such as nn.BatchNorm2d(64).');
        return { ok: false };
      }
      const settings = readSettings();
      const ex = explainLayer(found.layer, {
        decimals: settings.decimals,
        seed: settings.sampleSeed,
        preferredFramework: settings.preferredFramework === 'auto' ? undefined : settings.preferredFramework,
        diagnostics: analyses.get(found.doc).diagnostics,
        links: false,
      });
      const name = found.doc.uri.path.split('/').pop() ?? '';
      const where = md`*${Md.text(name)}, line ${found.layer.call.range.start.line + 1}${found.layer.cell !== undefined ? md` of cell ${found.layer.cell + 1}` : Md.raw('')}*`;
      const markdown = md`${where}\n\n${ex.markdown}\n\nCommands: *NormLens: Open Comparison Panel*, *NormLens: Calculators for Layer at Cursor…*`;
      const uri = await results.show({ title: `Explanation of ${found.layer.spec.name}`, markdown, copyText: ex.markdown }, 'explanation');
      return { ok: true, markdown, uri: uri.toString() };
    }),
    registerCommand(CALC_LIST_COMMAND, async (arg?: unknown) => {
      const layer = layerAtCursor();
      const start = parseCalcStart(arg) ?? (layer ? startFromLayer(layer) : null);
      const items = start ? calculatorsFor(start.kind, !!frameworkInfo(start.framework)?.momentumConvention) : calculatorsFor('batch_norm', true);
      const pick = await showQuickPick(
        items.map((i) => ({ label: i.title, command: i.command })),
        {
          title: start ? `NormLens calculators for ${start.qualifiedName.split('.').pop()}` : 'NormLens calculators',
          placeHolder: "Pick a calculator (it starts from this layer's arguments)",
        },
      );
      if (!pick) return undefined;
      return executeCommand(pick.command, start ?? undefined);
    }),
    registerCommand(COMMANDS.copyLastResult.id, async () => {
      if (!results.last) {
        void showInformationMessage('NormLens: no calculator result yet.');
        return;
      }
      await writeClipboard(results.last.copyText);
    }),
    // A rule's page opened from a problem's code link arrives as a text editor on its Markdown
    // source: show it rendered instead.
    onDidChangeActiveTextEditor((e) => {
      if (e?.document.uri.scheme !== RULE_SCHEME) return;
      const uri = e.document.uri;
      void executeCommand('workbench.action.closeActiveEditor').then(() => executeCommand('markdown.showPreview', uri));
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
