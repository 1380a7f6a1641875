/**
 * Hovers, diagnostics and quick fixes for Python files and notebook cells, all read from the
 * per-document analyses. The hover and problem texts themselves come from src/explain and src/checks.
 */
import * as vscode from 'vscode';
import { explainLayer } from '../explain/hover';
import { compactHover } from '../explain/compact';
import { explainLinkArg, LINK_COMMANDS } from '../explain/links';
import type { ResolvedLayer } from '../python/types';
import { Md, md } from '../explain/markdown';
import { truncateText, visibleText } from '../core/visible';
import type { Range as NormRange } from '../python/types';
import type { NormDiagnostic, Severity } from '../checks/types';
import { ruleInfo } from '../checks/index';
import { readSettings } from './config';
import { type DocumentAnalyses, isPythonDocument } from './documents';
import { createDiagnosticCollection, textDocuments } from './vscodeapi';

export const SOURCE = 'NormLens';
export const RULE_SCHEME = 'normlens-rule';
export const PYTHON_SELECTOR: vscode.DocumentSelector = [{ language: 'python' }];

export function toRange(r: NormRange): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** The read-only page explaining a rule, opened from a diagnostic's code. */
export function ruleUri(code: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RULE_SCHEME, path: `/${code}.md` });
}

export class RuleDocs implements vscode.TextDocumentContentProvider {
  provideTextDocumentContent(uri: vscode.Uri): string {
    const code = uri.path.replace(/^\//, '').replace(/\.md$/, '');
    const info = ruleInfo(code);
    if (!info) return md`# ${Md.text(code)}\n\nNormLens has no rule with this code.\n`;
    return [
      `# ${info.title}`,
      '',
      `\`${info.code}\` · ${info.severity} · NormLens`,
      '',
      info.explanation,
      '',
      `Turn this check off with the setting \`"normlens.rules": { "${info.code}": false }\`.`,
      '',
    ].join('\n');
  }
}

export function toDiagnostic(d: NormDiagnostic): vscode.Diagnostic {
  // Plain text in VS Code; quoted user text is still made one visible line (no control or bidi characters).
  const diag = new vscode.Diagnostic(toRange(d.range), truncateText(visibleText(d.message, 'space'), 1000), SEVERITY[d.severity]);
  diag.source = SOURCE;
  diag.code = { value: d.code, target: ruleUri(d.code) };
  return diag;
}

/**
 * The layers hovers were shown for, by a number the hover's "Full explanation" link carries (a
 * link holds no document URI: only small validated values). The last few are kept.
 */
export class HoverRefs {
  private next = 1;
  private readonly refs = new Map<number, { uri: string; offset: number }>();

  add(uri: string, offset: number): number {
    const ref = this.next++;
    this.refs.set(ref, { uri, offset });
    if (this.refs.size > 50) this.refs.delete(this.refs.keys().next().value as number);
    return ref;
  }

  get(ref: number): { uri: string; offset: number } | undefined {
    return this.refs.get(ref);
  }
}

export class NormHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly analyses: DocumentAnalyses,
    private readonly refs: HoverRefs,
  ) {}

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const settings = readSettings();
    if (settings.hoverMode === 'off' || !isPythonDocument(doc)) return undefined;
    const analysis = this.analyses.get(doc);
    const layer = analysis.layerAt(doc.offsetAt(position));
    if (!layer) return undefined;
    const options = {
      decimals: settings.decimals,
      seed: settings.sampleSeed,
      preferredFramework: settings.preferredFramework === 'auto' ? undefined : settings.preferredFramework,
      diagnostics: analysis.diagnostics,
    };
    // Both are Md: every piece of user text in them went through src/explain/markdown.ts.
    const markdown =
      settings.hoverMode === 'full'
        ? explainLayer(layer, options).markdown
        : compactHover(layer, { ...options, explainArg: explainArg(this.refs, doc, layer) }).markdown;
    const content = new vscode.MarkdownString(markdown);
    // Links may run NormLens's own commands and nothing else; no HTML, no theme icons.
    content.isTrusted = { enabledCommands: LINK_COMMANDS };
    content.supportHtml = false;
    content.supportThemeIcons = false;
    return new vscode.Hover(content, toRange(layer.call.range));
  }
}

function explainArg(refs: HoverRefs, doc: vscode.TextDocument, layer: ResolvedLayer): string {
  const start = layer.call.range.start;
  return explainLinkArg({ ref: refs.add(doc.uri.toString(), layer.call.range.startOffset), line: start.line, character: start.character });
}

export class NormCodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly analyses: DocumentAnalyses) {}

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (!isPythonDocument(doc)) return [];
    if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
    const actions: vscode.CodeAction[] = [];
    for (const d of this.analyses.get(doc).diagnostics) {
      if (!d.fixes.length) continue;
      const dr = toRange(d.range);
      if (!dr.intersection(range) && !dr.contains(range)) continue;
      const shown = context.diagnostics.filter((x) => x.source === SOURCE && codeOf(x) === d.code && x.range.isEqual(dr));
      d.fixes.forEach((fix, i) => {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        const edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits) edit.replace(doc.uri, toRange(e.range), e.newText);
        action.edit = edit;
        action.diagnostics = shown.length ? shown : [toDiagnostic(d)];
        action.isPreferred = i === 0;
        actions.push(action);
      });
    }
    return actions;
  }
}

function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

/** Publishes the rules' diagnostics for open Python documents, shortly after each edit. */
export class DiagnosticsPublisher implements vscode.Disposable {
  private readonly collection = createDiagnosticCollection('normlens');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly analyses: DocumentAnalyses,
    private readonly delayMs = 150,
  ) {}

  schedule(doc: vscode.TextDocument): void {
    if (!isPythonDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.publish(doc);
      }, this.delayMs),
    );
  }

  publish(doc: vscode.TextDocument): void {
    if (doc.isClosed || !isPythonDocument(doc)) return;
    if (!readSettings().diagnosticsEnabled) {
      this.collection.delete(doc.uri);
      return;
    }
    this.collection.set(doc.uri, this.analyses.get(doc).diagnostics.map(toDiagnostic));
  }

  /** Cells of a notebook share one program: an edit in one cell can change another's problems. */
  publishNotebook(nb: vscode.NotebookDocument): void {
    for (const c of nb.getCells()) if (isPythonDocument(c.document)) this.schedule(c.document);
  }

  clear(doc: vscode.TextDocument): void {
    clearTimeout(this.timers.get(doc.uri.toString()));
    this.collection.delete(doc.uri);
  }

  republishAll(): void {
    this.collection.clear();
    for (const doc of textDocuments()) this.publish(doc);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.collection.dispose();
  }
}
