import * as assert from 'assert';
import * as vscode from 'vscode';
import { checkDocument, ruleInfo } from '../../src/checks/index';
import { activate, applyFix, codeOf, normlensDiagnostics, openExample, setText, waitFor, waitForDiagnostics } from './helpers';

const config = () => vscode.workspace.getConfiguration('normlens');

describe('diagnostics and quick fixes on Python files', () => {
  let editor: vscode.TextEditor;
  let original: string;

  before(async () => {
    await activate();
    editor = await openExample('resnet_block.py');
    original = editor.document.getText();
  });

  afterEach(async () => {
    if (editor.document.getText() !== original) await setText(editor.document, original);
  });

  it("publishes the rules' problems with source NormLens, their codes, ranges and messages", async () => {
    const expected = checkDocument(original);
    assert.ok(expected.length >= 2, 'the example has deliberate mistakes');
    const got = await waitForDiagnostics(editor.document.uri, expected);
    for (const d of got) {
      assert.strictEqual(d.source, 'NormLens');
      const code = d.code as { value: string; target: vscode.Uri };
      assert.strictEqual(typeof code, 'object');
      assert.strictEqual(code.target.scheme, 'normlens-rule');
      const page = await vscode.workspace.openTextDocument(code.target);
      const info = ruleInfo(code.value);
      assert.ok(info, `rule ${code.value} exists`);
      assert.ok(page.getText().includes(info.title), "the code links to the rule's explanation");
      assert.ok(page.getText().includes(info.explanation.slice(0, 60)));
    }
  });

  it("a problem's code link opens the rule's page rendered, not as Markdown source", async () => {
    const got = await waitForDiagnostics(editor.document.uri, checkDocument(original));
    const target = (got[0].code as { target: vscode.Uri }).target;
    // What clicking the code link does: open its target.
    await vscode.commands.executeCommand('vscode.open', target);
    const rendered = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .some(
          (t) =>
            t.input instanceof vscode.TabInputWebview &&
            /markdown\.preview/.test(t.input.viewType) &&
            t.label.includes(target.path.replace(/^\//, '').replace(/\.md$/, '')),
        );
    const source = () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === 'normlens-rule');
    for (let i = 0; i < 50 && !(rendered() && !source()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(rendered(), 'a Markdown preview of the rule page is open');
    assert.ok(!source(), 'its Markdown source is not left open');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.window.showTextDocument(editor.document);
  });

  it('updates while typing: a new GroupNorm with indivisible channels is flagged, and cleared when fixed', async () => {
    const doc = editor.document;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, doc.positionAt(doc.getText().length), 'odd_norm = nn.GroupNorm(3, 64)\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const withBad = checkDocument(doc.getText());
    assert.ok(
      withBad.some((d) => d.code === 'groupnorm-divisibility'),
      'the rules flag GroupNorm(3, 64)',
    );
    await waitForDiagnostics(doc.uri, withBad);
    // Type the fix one character at a time, as a person would.
    const at = doc.getText().indexOf('GroupNorm(3, 64)') + 'GroupNorm('.length;
    const del = new vscode.WorkspaceEdit();
    del.delete(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 1)));
    assert.ok(await vscode.workspace.applyEdit(del));
    const ins = new vscode.WorkspaceEdit();
    ins.insert(doc.uri, doc.positionAt(at), '4');
    assert.ok(await vscode.workspace.applyEdit(ins));
    const fixed = checkDocument(doc.getText());
    assert.ok(!fixed.some((d) => d.code === 'groupnorm-divisibility'));
    await waitForDiagnostics(doc.uri, fixed);
  });

  it('stays exact through an edit with several changes at once (as multi-cursor typing sends)', async () => {
    const doc = editor.document;
    const text = doc.getText();
    // Several replacements in one edit: VS Code reports them together in one change event.
    const targets = ['momentum=0.99', 'nn.BatchNorm2d(64, eps=1e-5)', 'self.head_norm = nn.LayerNorm(128)'];
    const replacements = ['momentum=0.9', 'nn.BatchNorm2d(64, eps=0)', 'self.head_norm = nn.GroupNorm(3, 128)'];
    const edit = new vscode.WorkspaceEdit();
    targets.forEach((t, i) => {
      const at = text.indexOf(t);
      assert.ok(at >= 0, t);
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + t.length)), replacements[i]);
    });
    // Plus a line inserted at the top, which moves everything below.
    edit.insert(doc.uri, new vscode.Position(0, 0), 'import math\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const expected = checkDocument(doc.getText());
    assert.ok(
      expected.some((d) => d.code === 'groupnorm-divisibility'),
      'the new GroupNorm(3, 128) is flagged by the rules',
    );
    await waitForDiagnostics(doc.uri, expected);
  });

  it("applies every quick fix as a workspace edit that produces the rule's fixed text", async () => {
    const doc = editor.document;
    const withFixes = checkDocument(original).filter((d) => d.fixes.length > 0);
    assert.ok(withFixes.length >= 1, 'the example has fixable problems');
    for (const d of withFixes) {
      await setText(doc, original);
      const range = new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character);
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        doc.uri,
        range,
        vscode.CodeActionKind.QuickFix.value,
      );
      const ours = actions.filter((a) => a.title === d.fixes[0].title);
      assert.strictEqual(ours.length, 1, `one action titled "${d.fixes[0].title}" (got ${actions.map((a) => a.title).join(' | ')})`);
      const action = ours[0];
      assert.ok(action.kind?.value.startsWith('quickfix'));
      assert.ok(action.edit, 'the action carries a workspace edit');
      assert.ok(await vscode.workspace.applyEdit(action.edit));
      assert.strictEqual(doc.getText(), applyFix(original, d), `fix of ${d.code}`);
      // The problem fixed is no longer reported there.
      await waitFor(`${d.code} cleared`, () =>
        normlensDiagnostics(doc.uri).some((x) => codeOf(x) === d.code && x.range.start.line === d.range.start.line) ? undefined : true,
      );
    }
  });

  it('honours the settings: a rule switched off, and diagnostics switched off', async () => {
    const uri = editor.document.uri;
    const all = checkDocument(original);
    await waitForDiagnostics(uri, all);
    const code = all[0].code;
    await config().update('rules', { [code]: false }, vscode.ConfigurationTarget.Global);
    try {
      await waitForDiagnostics(uri, checkDocument(original, { disabled: [code] }));
    } finally {
      await config().update('rules', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitForDiagnostics(uri, all);
    await config().update('diagnostics.enable', false, vscode.ConfigurationTarget.Global);
    try {
      await waitForDiagnostics(uri, []);
    } finally {
      await config().update('diagnostics.enable', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitForDiagnostics(uri, all);
  });
});
