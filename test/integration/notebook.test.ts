import * as assert from 'assert';
import * as vscode from 'vscode';
import { analyzeNotebook } from '../../src/checks/index';
import { explainLayer } from '../../src/explain/hover';
import { compactHover } from '../../src/explain/compact';
import { decodeCommandUri, explainLinkArg, parseExplainTarget } from '../../src/explain/links';
import { activate, applyFix, hoverTexts, normlensDiagnostics, shapeOfEditor, shapeOfRule, waitFor, workspaceUri } from './helpers';
import { COMMANDS } from '../../src/explain/commands';

describe('Jupyter notebooks', () => {
  let notebook: vscode.NotebookDocument;
  let json: string;

  before(async () => {
    await activate();
    const uri = workspaceUri('notebook.ipynb');
    json = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    notebook = await vscode.workspace.openNotebookDocument(uri);
    await vscode.window.showNotebookDocument(notebook);
  });

  it("shows each cell's problems on that cell, as the rules find them for the whole notebook", async () => {
    const report = analyzeNotebook(json, { disabled: [] });
    assert.ok(!('error' in report), 'the notebook parses');
    assert.ok(report.diagnostics.length > 0, 'the example notebook has problems');
    for (const cell of notebook.getCells()) {
      const want = report.diagnostics
        .filter((d) => d.cell === cell.index)
        .map(shapeOfRule)
        .sort();
      await waitFor(`diagnostics of cell ${cell.index}`, () =>
        JSON.stringify(normlensDiagnostics(cell.document.uri).map(shapeOfEditor).sort()) === JSON.stringify(want) ? true : undefined,
      );
    }
  });

  it('explains a layer in a cell that relies on an import from an earlier cell', async () => {
    const report = analyzeNotebook(json);
    assert.ok(!('error' in report));
    const layer = report.layers.find((l) => l.spec.name === 'BatchNorm1d');
    assert.ok(layer && layer.cell !== undefined, 'a BatchNorm1d in some cell');
    const cell = notebook.cellAt(layer.cell);
    const pos = new vscode.Position(layer.call.nameRange.start.line, layer.call.nameRange.start.character + 2);
    const { texts } = await hoverTexts(cell.document.uri, pos);
    const shown = texts.find((t) => t.includes(`**${layer.spec.name}**`));
    assert.ok(shown, `a NormLens hover (got ${texts.length} hovers)`);
    // The "Full explanation" link carries a number the editor hands out per hover: take it from the hover shown.
    const link = /\((command:normlens\.explainLayer\?[^)\s]+)\)/.exec(shown)!;
    const target = parseExplainTarget(decodeCommandUri(link[1])!.arg)!;
    const want = compactHover(layer, {
      decimals: 4,
      seed: 0,
      diagnostics: report.diagnostics,
      explainArg: explainLinkArg({ ref: target.ref, line: layer.call.range.start.line, character: layer.call.range.start.character }),
    }).markdown;
    assert.strictEqual(shown, want, `the cell's hover is the compact explanation of ${layer.call.callee}`);
    // Its full explanation opens from that link too.
    const full = await vscode.commands.executeCommand<{ ok: boolean; markdown: string }>(COMMANDS.explainLayer.id, target);
    assert.ok(full?.ok && full.markdown.includes(explainLayer(layer, { decimals: 4, seed: 0, diagnostics: report.diagnostics, links: false }).markdown));
    assert.match(full.markdown, /of cell \d+\*/);
  });

  it('applies a quick fix inside a cell', async () => {
    const report = analyzeNotebook(json);
    assert.ok(!('error' in report));
    const d = report.diagnostics.find((x) => x.fixes.length > 0);
    assert.ok(d && d.cell !== undefined, 'a fixable problem in the notebook');
    const cell = notebook.cellAt(d.cell);
    const before = cell.document.getText();
    const range = new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', cell.document.uri, range);
    const action = actions.find((a) => a.title === d.fixes[0].title);
    assert.ok(action?.edit, `a quick fix "${d.fixes[0].title}"`);
    assert.ok(await vscode.workspace.applyEdit(action.edit));
    assert.strictEqual(cell.document.getText(), applyFix(before, d));
    await waitFor('the fixed problem to go', () =>
      normlensDiagnostics(cell.document.uri).some((x) => x.range.start.line === d.range.start.line && x.message === d.message) ? undefined : true,
    );
  });

  it('follows edits in a cell', async () => {
    const cell = notebook.getCells().find((c) => c.document.getText().includes('InstanceNorm2d'));
    assert.ok(cell, 'the InstanceNorm cell');
    const edit = new vscode.WorkspaceEdit();
    const text = 'odd = nn.GroupNorm(5, 64)\n';
    edit.insert(cell.document.uri, new vscode.Position(0, 0), text);
    assert.ok(await vscode.workspace.applyEdit(edit));
    // The oracle: the rules over the notebook as it now reads.
    const nowJson = JSON.stringify({
      cells: notebook.getCells().map((c) => ({ cell_type: c.kind === vscode.NotebookCellKind.Code ? 'code' : 'markdown', source: c.document.getText() })),
    });
    const report = analyzeNotebook(nowJson);
    assert.ok(!('error' in report));
    const want = report.diagnostics.filter((d) => d.cell === cell.index);
    assert.ok(
      want.some((d) => d.code === 'groupnorm-divisibility' && d.range.start.line === 0),
      'the rules flag GroupNorm(5, 64) on the new first line',
    );
    await waitFor("the cell's problems to follow the edit", () =>
      JSON.stringify(normlensDiagnostics(cell.document.uri).map(shapeOfEditor).sort()) === JSON.stringify(want.map(shapeOfRule).sort()) ? true : undefined,
    );
  });
});
