/** Shared helpers of the integration suite (runs inside the VS Code extension host). */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { NormDiagnostic } from '../../src/checks/types';

export const EXTENSION_ID = 'normlens.normlens';

export async function activate(): Promise<void> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is loaded`);
  await ext.activate();
}

export function workspaceUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open (a copy of examples/)');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function openExample(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(workspaceUri(name));
  return vscode.window.showTextDocument(doc);
}

/** Polls until `probe` returns a value that is not undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The text of every hover the providers give at a position. */
export async function hoverTexts(uri: vscode.Uri, position: vscode.Position): Promise<{ hovers: vscode.Hover[]; texts: string[] }> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  const texts = hovers.map((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n'));
  return { hovers, texts };
}

export function positionOf(doc: vscode.TextDocument, needle: string, delta = 0): vscode.Position {
  const i = doc.getText().indexOf(needle);
  assert.ok(i >= 0, `${JSON.stringify(needle)} occurs in ${doc.uri.path}`);
  return doc.positionAt(i + delta);
}

export function normlensDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'NormLens');
}

export function codeOf(d: vscode.Diagnostic): string {
  const c = d.code;
  return typeof c === 'object' && c !== null ? String(c.value) : String(c);
}

/** A diagnostic as comparable data (code, range, message). */
export function shapeOfEditor(d: vscode.Diagnostic): string {
  return `${codeOf(d)}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.message}`;
}

export function shapeOfRule(d: NormDiagnostic): string {
  return `${d.code}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.message}`;
}

/** Waits until the editor's NormLens diagnostics equal the expected ones (as sorted lists). */
export async function waitForDiagnostics(uri: vscode.Uri, expected: NormDiagnostic[], ms = 10_000): Promise<vscode.Diagnostic[]> {
  const want = expected.map(shapeOfRule).sort();
  let last: string[] = [];
  try {
    return await waitFor(
      'diagnostics',
      () => {
        const got = normlensDiagnostics(uri);
        last = got.map(shapeOfEditor).sort();
        return JSON.stringify(last) === JSON.stringify(want) ? got : undefined;
      },
      ms,
    );
  } catch {
    assert.deepStrictEqual(last, want, "NormLens diagnostics in the editor equal the rules' output");
    throw new Error('unreachable');
  }
}

/** Replaces the whole document's text (used to restore a document between tests). */
export async function setText(doc: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

export function applyFix(text: string, d: NormDiagnostic, fix = 0): string {
  const edits = [...d.fixes[fix].edits].sort((a, b) => b.range.startOffset - a.range.startOffset);
  let out = text;
  for (const e of edits) out = out.slice(0, e.range.startOffset) + e.newText + out.slice(e.range.endOffset);
  return out;
}
