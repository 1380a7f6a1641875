import * as assert from 'assert';
import * as vscode from 'vscode';
import { runLayer, seededSample } from '../../src/core/index';
import { explainLayer } from '../../src/explain/hover';
import { compactHover } from '../../src/explain/compact';
import { analyzeDocument } from '../../src/checks';
import { renderedLines } from '../unit/explain/renderedLines';
import { fixed } from '../../src/explain/format';
import { LINK_COMMANDS, decodeCommandUri, explainLinkArg, parseExplainTarget } from '../../src/explain/links';
// (the layers the extension shows: the module's semantic model, as src/extension/fileAnalysis.ts builds it)
import { PythonModule } from '../../src/python/index';
import { activate, hoverTexts, openExample, positionOf, setText } from './helpers';
import { render } from '../unit/security/mdcheck';
import { COMMANDS } from '../../src/explain/commands';

const OPTIONS = { decimals: 4, seed: 0 };

/** The ref of the "Full explanation" link in a hover the editor showed (a number per hover). */
function refOf(shown: string): number {
  const m = /\((command:normlens\.explainLayer\?[^)\s]+)\)/.exec(shown);
  assert.ok(m, 'a Full explanation link');
  const t = parseExplainTarget(decodeCommandUri(m[1])!.arg);
  assert.ok(t, 'its argument is an explain target');
  return t.ref;
}

/** The compact hover the explanation module builds for this text and place (with the ref the editor gave `shown`). */
function expectedHover(text: string, offset: number, shown: string, decimals = OPTIONS.decimals): string {
  const layer = new PythonModule(text).layerAt(offset);
  assert.ok(layer, `a layer at offset ${offset}`);
  const start = layer.call.range.start;
  const explainArg = explainLinkArg({ ref: refOf(shown), line: start.line, character: start.character });
  return compactHover(layer, { ...OPTIONS, decimals, diagnostics: analyzeDocument(text).diagnostics, explainArg }).markdown;
}

function ourHover(texts: string[], name: string): string {
  const ours = texts.filter((t) => t.includes(`**${name}**`));
  assert.strictEqual(ours.length, 1, `one NormLens hover (got ${texts.length} hovers)`);
  return ours[0];
}

describe('hovers on Python files', () => {
  let editor: vscode.TextEditor;
  let original: string;

  before(async () => {
    await activate();
    await vscode.workspace.getConfiguration('normlens').update('decimals', OPTIONS.decimals, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('normlens').update('sampleSeed', OPTIONS.seed, vscode.ConfigurationTarget.Global);
    editor = await openExample('resnet_block.py');
    original = editor.document.getText();
  });

  afterEach(async () => {
    if (editor.document.getText() !== original) await setText(editor.document, original);
  });

  it("explains a BatchNorm2d call with the explanation module's text, its numbers equal to the core's", async () => {
    const doc = editor.document;
    const needle = 'nn.BatchNorm2d(64, eps=1e-5)';
    const pos = positionOf(doc, needle, 'nn.Batch'.length);
    const { texts } = await hoverTexts(doc.uri, pos);
    const ours = ourHover(texts, 'BatchNorm2d');
    assert.strictEqual(ours, expectedHover(doc.getText(), doc.offsetAt(pos), ours));
    assert.ok(renderedLines(ours) <= 15, `fits the hover box: ${renderedLines(ours)} lines`);

    // Independently of the hover code: the core's statistics of channel 0 on the same seeded sample.
    const layer = new PythonModule(doc.getText()).layerAt(doc.offsetAt(pos))!;
    const ex = explainLayer(layer, OPTIONS).sections.exampleData;
    assert.ok(ex, 'a worked example');
    assert.strictEqual(ex.spec.kind, 'batch_norm');
    assert.strictEqual((ex.spec as { eps: number }).eps, 1e-5);
    const core = runLayer({ spec: ex.spec, mode: 'train', input: seededSample(ex.shape, OPTIONS.seed) });
    assert.ok(core.stats);
    assert.ok(
      ours.includes(`channel 0 mean ${fixed(core.stats.mean[0], OPTIONS.decimals)}, var ${fixed(core.stats.variance[0], OPTIONS.decimals)}`),
      "channel 0's statistics are the core's",
    );
    assert.match(ours, /1e-05|0\.00001/, "the user's ε appears");
  });

  it("trusts only NormLens's own commands in hover links, and each link names a registered command", async () => {
    const doc = editor.document;
    const pos = positionOf(doc, 'nn.BatchNorm2d(out_channels, momentum=0.99)', 4);
    const { hovers } = await hoverTexts(doc.uri, pos);
    const md = hovers.flatMap((h) => h.contents).find((c) => typeof c !== 'string' && 'value' in c && c.value.includes('BatchNorm2d')) as vscode.MarkdownString;
    assert.ok(md, 'a hover');
    const trusted = md.isTrusted;
    assert.ok(trusted && typeof trusted === 'object', `trusted for a list of commands only (got ${JSON.stringify(trusted)})`);
    assert.deepStrictEqual([...trusted.enabledCommands].sort(), [...LINK_COMMANDS].sort());
    const links = [...md.value.matchAll(/\((command:[^)\s]+)\)/g)].map((m) => m[1]);
    assert.ok(links.length >= 2, 'links to the panel and calculators');
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const l of links) {
      const d = decodeCommandUri(l);
      assert.ok(d, `link ${l} decodes`);
      assert.ok(LINK_COMMANDS.includes(d.command), `${d.command} is one of ours`);
      assert.ok(registered.has(d.command), `${d.command} is registered`);
    }
  });

  it('shows a forged link, an image and HTML from a string argument as text, and a forged command cannot run with its arguments', async () => {
    const doc = editor.document;
    const forged =
      '[Open in comparison panel](command:normlens.calc.simulate?%5B%7B%22batchSize%22%3A1000000000%2C%22show%22%3Afalse%7D%5D) ![t](https://evil.example/p.png) <img src=x>';
    const line = `        self.hostile = nn.BatchNorm2d(8, momentum=m or "${forged}")\n`;
    const at = doc.getText().indexOf('        self.bn2');
    assert.ok(at > 0);
    await setText(doc, doc.getText().slice(0, at) + line + doc.getText().slice(at));
    const pos = positionOf(doc, 'nn.BatchNorm2d(8, momentum=m', 4);
    const { hovers } = await hoverTexts(doc.uri, pos);
    const md = hovers
      .flatMap((h) => h.contents)
      .find((c) => typeof c !== 'string' && 'value' in c && c.value.includes('`num_features=8`')) as vscode.MarkdownString;
    assert.ok(md, 'a hover');
    assert.strictEqual(md.supportHtml, false);
    // The hover is exactly what the explanation module builds (escaped), and its links are ours only.
    assert.strictEqual(md.value, expectedHover(doc.getText(), doc.offsetAt(pos), md.value));
    // Parsed by markdown-it: no image, no HTML, and the links are the hover's own link line.
    const rendered = render(md.value);
    assert.strictEqual(rendered.images, 0);
    assert.strictEqual(rendered.html, 0);
    assert.deepStrictEqual(rendered.links, render(md.value.slice(md.value.lastIndexOf('\n') + 1)).links);
    assert.ok(rendered.links.length >= 2 && rendered.links.every((l) => !decodeURIComponent(l).includes('1000000000')), 'no forged link');
    // Even called directly with the attacker's arguments, the calculator answers within its bound.
    const r = await vscode.commands.executeCommand<{ ok: boolean; message?: string }>(COMMANDS.simulate.id, {
      batchSize: 1e9,
      momentum: 0.1,
      convention: 'new-weight',
      show: false,
    });
    assert.strictEqual(r?.ok, false);
    assert.match(r?.message ?? '', /batch size 1000000000 is larger than the 1,000,000 values per channel/);
  });

  it('answers anywhere in the call, on F.* functional calls, and not on unrelated code', async () => {
    const doc = editor.document;
    const inArgs = positionOf(doc, 'nn.BatchNorm2d(64, eps=1e-5)', 'nn.BatchNorm2d(64, ep'.length);
    assert.ok(
      (await hoverTexts(doc.uri, inArgs)).texts.some((t) => t.includes('BatchNorm2d')),
      'hover inside the argument list',
    );
    for (const unrelated of ['nn.Conv2d(3, 64', 'def forward', 'F.relu(out']) {
      const p = positionOf(doc, unrelated, 3);
      const { texts } = await hoverTexts(doc.uri, p);
      assert.ok(!texts.some((t) => t.includes('**Normalizes**')), `no NormLens hover on ${unrelated}`);
    }
    const tf = await openExample('transformer.py');
    const p = positionOf(tf.document, 'F.rms_norm(q', 3);
    const { texts } = await hoverTexts(tf.document.uri, p);
    const shown = ourHover(texts, 'rms_norm');
    assert.strictEqual(shown, expectedHover(tf.document.getText(), tf.document.offsetAt(p), shown), 'the functional call is explained');
    await vscode.window.showTextDocument(editor.document);
  });

  it('follows edits as they are typed: new lines above and a changed ε', async () => {
    const doc = editor.document;
    // Insert two lines at the top, then change ε of the stem BatchNorm.
    const ins = new vscode.WorkspaceEdit();
    ins.insert(doc.uri, new vscode.Position(0, 0), '# a comment\n# another\n');
    assert.ok(await vscode.workspace.applyEdit(ins));
    const epsAt = positionOf(doc, 'eps=1e-5)', 'eps='.length);
    const change = new vscode.WorkspaceEdit();
    change.replace(doc.uri, new vscode.Range(epsAt, epsAt.translate(0, '1e-5'.length)), '1e-3');
    assert.ok(await vscode.workspace.applyEdit(change));
    const pos = positionOf(doc, 'nn.BatchNorm2d(64, eps=1e-3)', 4);
    const { texts } = await hoverTexts(doc.uri, pos);
    const shown = ourHover(texts, 'BatchNorm2d');
    assert.strictEqual(shown, expectedHover(doc.getText(), doc.offsetAt(pos), shown), 'the hover is the one for the edited text');
    assert.match(shown, /`eps=0\.001`/);
  });

  it('uses the decimals setting', async () => {
    const doc = editor.document;
    const pos = positionOf(doc, 'nn.BatchNorm2d(64, eps=1e-5)', 4);
    await vscode.workspace.getConfiguration('normlens').update('decimals', 2, vscode.ConfigurationTarget.Global);
    try {
      const { texts } = await hoverTexts(doc.uri, pos);
      const shown = ourHover(texts, 'BatchNorm2d');
      assert.strictEqual(shown, expectedHover(doc.getText(), doc.offsetAt(pos), shown, 2), 'hover computed with 2 decimals');
    } finally {
      await vscode.workspace.getConfiguration('normlens').update('decimals', OPTIONS.decimals, vscode.ConfigurationTarget.Global);
    }
  });

  it('hover.mode: full puts the whole explanation in the hover, off none; the deprecated hover.enable=false still turns it off', async () => {
    const doc = editor.document;
    const pos = positionOf(doc, 'nn.BatchNorm2d(out_channels, momentum=0.99)', 4);
    const cfg = () => vscode.workspace.getConfiguration('normlens');
    const layer = new PythonModule(doc.getText()).layerAt(doc.offsetAt(pos))!;
    try {
      await cfg().update('hover.mode', 'full', vscode.ConfigurationTarget.Global);
      const full = explainLayer(layer, { ...OPTIONS, diagnostics: analyzeDocument(doc.getText()).diagnostics }).markdown;
      assert.ok((await hoverTexts(doc.uri, pos)).texts.includes(full), 'the full explanation');
      assert.match(full, /#### In this code\n- \*\*warning\*\* momentum=0\.99/);
      await cfg().update('hover.mode', 'off', vscode.ConfigurationTarget.Global);
      assert.ok(!(await hoverTexts(doc.uri, pos)).texts.some((t) => t.includes('BatchNorm2d')), 'no hover when off');
      await cfg().update('hover.mode', undefined, vscode.ConfigurationTarget.Global);
      await cfg().update('hover.enable', false, vscode.ConfigurationTarget.Global);
      assert.ok(!(await hoverTexts(doc.uri, pos)).texts.some((t) => t.includes('BatchNorm2d')), 'hover.enable=false still turns it off');
    } finally {
      await cfg().update('hover.mode', undefined, vscode.ConfigurationTarget.Global);
      await cfg().update('hover.enable', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.ok(
      (await hoverTexts(doc.uri, pos)).texts.some((t) => t.includes('**BatchNorm2d**')),
      'compact again by default',
    );
  });

  it('"Full explanation" from the hover and "Explain Layer at Cursor" open the full explanation, rendered, beside the editor', async () => {
    const doc = editor.document;
    const pos = positionOf(doc, 'nn.BatchNorm2d(out_channels, momentum=0.99)', 4);
    const shown = ourHover((await hoverTexts(doc.uri, pos)).texts, 'BatchNorm2d');
    const m = /\((command:normlens\.explainLayer\?[^)\s]+)\)/.exec(shown)!;
    const link = decodeCommandUri(m[1])!;
    const layer = new PythonModule(doc.getText()).layerAt(doc.offsetAt(pos))!;
    const full = explainLayer(layer, { ...OPTIONS, diagnostics: analyzeDocument(doc.getText()).diagnostics, links: false }).markdown;
    const r = await vscode.commands.executeCommand<{ ok: boolean; markdown: string; uri: string }>(link.command, link.arg);
    assert.ok(r?.ok, 'explained');
    assert.ok(r.markdown.includes(full), 'the full explanation of that layer');
    assert.match(r.markdown, /^\*resnet\\_block\\\.py, line 20\*/);
    const opened = await vscode.workspace.openTextDocument(vscode.Uri.parse(r.uri));
    assert.ok(opened.getText().includes(full));
    // From the palette: the layer at the cursor.
    const e = await vscode.window.showTextDocument(doc);
    const stem = positionOf(doc, 'nn.BatchNorm2d(64, eps=1e-5)', 3);
    e.selection = new vscode.Selection(stem, stem);
    const r2 = await vscode.commands.executeCommand<{ ok: boolean; markdown: string }>(COMMANDS.explainLayer.id);
    assert.ok(r2?.ok);
    assert.ok(r2.markdown.includes('`nn.BatchNorm2d(64, eps=1e-5)`'));
    assert.doesNotMatch(r2.markdown, /cancelled/, 'the stem conv has bias=False');
    const nowhere = positionOf(doc, 'def forward', 2);
    e.selection = new vscode.Selection(nowhere, nowhere);
    assert.strictEqual((await vscode.commands.executeCommand<{ ok: boolean }>(COMMANDS.explainLayer.id))?.ok, false);
  });
});
