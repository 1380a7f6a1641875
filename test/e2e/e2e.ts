/**
 * End-to-end: the packaged .vsix installed into code-server (VS Code 1.139.1), driven like a
 * person would with Playwright in Chromium. Hover a BatchNorm call and compare its numbers with
 * the core's; see the diagnostics (squiggles, Problems panel); apply a quick fix with Ctrl+. and
 * read the saved file back; run a calculator from the command palette; open the extension's
 * details page and check its README (no broken image or link, what NormLens does first).
 *
 *   npx tsx test/e2e/e2e.ts [--no-package] [--headed] [--keep]
 * Screenshots go to test-output/screenshots/. Prints `N passed, N failed` alone on a line.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
// @ts-expect-error: plain ES module without type declarations
import { ensureCodeServer, installExtension, launchBrowser, makeRunDir, removeRunDir, repoRoot, runEnv, startCodeServer } from '../../scripts/codeserver.mjs';
// @ts-expect-error: plain ES module without type declarations
import { isToolError, toolEnv } from '../../scripts/tool-env.mjs';
import { runLayer, seededSample, Tensor } from '../../src/core/index';
import { explainLayer } from '../../src/explain/hover';
import { fixed } from '../../src/explain/format';
import { analyzeDocument } from '../../src/checks/index';
import type { NormDiagnostic } from '../../src/checks/types';
import { chooseNormalization } from '../../src/calc/choose';
import { convertMomentumBetween } from '../../src/calc/momentum';
import { markdownTargets, relativeTargetPath } from './readme-links';

const argv = process.argv.slice(2);
const headed = argv.includes('--headed');
const keep = argv.includes('--keep');
const shots = path.join(repoRoot, 'test-output', 'screenshots');
mkdirSync(shots, { recursive: true });

const t0 = Date.now();
const say = (m: string) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)} s] ${m}`);

const results: { name: string; ok: boolean; error?: string; ms: number }[] = [];
let currentPage: Page | undefined;
async function step(name: string, fn: () => Promise<void>): Promise<boolean> {
  const s = Date.now();
  try {
    await fn();
    results.push({ name, ok: true, ms: Date.now() - s });
    say(`ok   ${name}`);
    return true;
  } catch (err) {
    const e = err as Error;
    results.push({ name, ok: false, error: e.stack ?? String(e), ms: Date.now() - s });
    say(`FAIL ${name}: ${e.message.split('\n')[0]}`);
    await currentPage?.screenshot({ path: path.join(shots, `failed-${results.length}.png`) }).catch(() => undefined);
    return false;
  }
}

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

const SETTINGS = {
  'normlens.decimals': 4,
  'normlens.sampleSeed': 0,
  'editor.minimap.enabled': false,
  'editor.stickyScroll.enabled': false,
  'editor.fontSize': 14,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.layoutControl.enabled': false,
};

async function shot(page: Page, name: string): Promise<string> {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(name);
  // The list may still show recently opened files: pick the row of this one.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().click();
  await page.locator(`.tab.active:has-text("${name}")`).waitFor({ timeout: 30_000 });
  await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 30_000 });
}

/** Ctrl+G to a 1-based line (and column), which also scrolls it into view. */
async function goTo(page: Page, line: number, column?: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  // In the browser Ctrl+G opens quick open in its go-to-line mode (a ':' prefix).
  await input.fill(column ? `:${line}:${column}` : `:${line}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** The visible hover shows all its content: nothing to scroll, horizontally or vertically. */
async function checkNoScroll(page: Page): Promise<void> {
  const sizes = await page
    .locator('.monaco-hover .monaco-scrollable-element')
    .first()
    .evaluate((el) => {
      const inner = el.firstElementChild as HTMLElement;
      return { scrollHeight: inner.scrollHeight, clientHeight: el.clientHeight, scrollWidth: inner.scrollWidth, clientWidth: el.clientWidth };
    });
  check(sizes.scrollHeight <= sizes.clientHeight + 1, `the hover fits without a vertical scrollbar (${JSON.stringify(sizes)})`);
}

/** Hovers the call on a 1-based line (its callee token) until NormLens's hover shows; returns its text. */
async function hoverLine(page: Page, line: number, text: string, name: string): Promise<string> {
  await goTo(page, line);
  const lineEl = page.locator('.view-line', { hasText: text }).first();
  await lineEl.waitFor();
  const token = lineEl.locator('span > span', { hasText: new RegExp(name) }).last();
  let shown = '';
  for (let attempt = 0; attempt < 10 && !shown.includes(name); attempt++) {
    await page.mouse.move(0, 0);
    await token.hover({ force: true });
    const hover = page.locator('.monaco-hover-content', { hasText: 'Normalizes' }).first();
    try {
      await hover.waitFor({ state: 'visible', timeout: 5000 });
      shown = (await hover.innerText()).replace(/\u00a0/g, ' ');
    } catch {
      // hover again
    }
  }
  return shown;
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line with ${JSON.stringify(needle)}`);
  return i + 1;
}

function applyEdits(text: string, d: NormDiagnostic): string {
  const edits = [...d.fixes[0].edits].sort((a, b) => b.range.startOffset - a.range.startOffset);
  let out = text;
  for (const e of edits) out = out.slice(0, e.range.startOffset) + e.newText + out.slice(e.range.endOffset);
  return out;
}

async function main(): Promise<number> {
  const launcher = ensureCodeServer();
  const vsix = path.join(repoRoot, 'normlens.vsix');
  if (!argv.includes('--no-package') || !existsSync(vsix)) {
    const s = Date.now();
    // The packaging's own npm, in a plain shell's environment rather than this npm test's.
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, env: toolEnv(), stdio: ['ignore', 'ignore', 'inherit'] });
    say(`packaged ${path.basename(vsix)} in ${((Date.now() - s) / 1000).toFixed(1)} s`);
  }
  const run = makeRunDir('e2e', SETTINGS);
  installExtension(launcher, run, vsix);
  const installed = execFileSync(launcher, ['--extensions-dir', run.extensions, '--user-data-dir', run.userData, '--list-extensions', '--show-versions'], {
    env: runEnv(run),
    encoding: 'utf8',
  });
  say(`installed: ${installed.trim().split('\n').join(', ')}`);
  const workspace = path.join(run.dir, 'workspace');
  cpSync(path.join(repoRoot, 'examples'), workspace, { recursive: true });

  const server = await startCodeServer(launcher, run, { folder: workspace });
  let browser: BrowserContext | undefined;
  try {
    const b: BrowserContext = await launchBrowser(run, { headless: !headed });
    browser = b;
    const page = b.pages()[0] ?? (await b.newPage());
    currentPage = page;
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);

    await step('the workbench loads with NormLens installed', async () => {
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      check(installed.includes('normlens.normlens@'), `normlens.normlens is not among the installed extensions:\n${installed}`);
    });

    const file = 'resnet_block.py';
    const diskPath = path.join(workspace, file);
    const original = readFileSync(diskPath, 'utf8');
    const report = analyzeDocument(original);

    await step(`open ${file}`, async () => {
      await openFile(page, file);
    });

    await step("hover a BatchNorm2d call: its worked example shows the core's batch statistics", async () => {
      const needle = 'nn.BatchNorm2d(64, eps=1e-5)';
      const line = lineOf(original, needle);
      const offset = original.indexOf(needle) + 'nn.'.length;
      const layer = report.layers.find((l) => l.call.range.startOffset <= offset && offset <= l.call.range.endOffset);
      check(layer, 'the recognizer finds the BatchNorm2d(64) layer');
      const expected = explainLayer(layer, { decimals: 4, seed: 0 });
      const ex = expected.sections.exampleData;
      check(ex, `the hover has a worked example (${expected.sections.example})`);
      // The oracle: run the core on the same seeded sample, independently of the hover code.
      const input = seededSample(ex.shape, 0);
      const core = runLayer({ spec: ex.spec, mode: 'train', input: new Tensor(input.shape, input.data) });
      check(core.stats, 'the core reports batch statistics');
      // The compact hover's glimpse: channel 0's statistics.
      const numbers = [core.stats.mean[0], core.stats.variance[0]].map((x) => fixed(x, 4));

      await goTo(page, line);
      const lineEl = page.locator('.view-line', { hasText: needle }).first();
      await lineEl.waitFor();
      // Token spans may hold 'BatchNorm2d' alone or with 'nn.'; either is inside the call.
      const token = lineEl.locator('span > span', { hasText: /BatchNorm2d/ }).last();
      let text = '';
      for (let attempt = 0; attempt < 10 && !text.includes('BatchNorm2d'); attempt++) {
        await page.mouse.move(0, 0);
        await token.hover({ force: true });
        const hover = page.locator('.monaco-hover-content').first();
        try {
          await hover.waitFor({ state: 'visible', timeout: 5000 });
          text = (await hover.innerText()).replace(/\u00a0/g, ' ');
        } catch {
          // the extension host may still be starting: hover again
        }
      }
      check(text.includes('BatchNorm2d'), `hover shows the layer (got ${JSON.stringify(text.slice(0, 200))})`);
      await shot(page, 'hover-batchnorm');
      for (const n of numbers) check(text.includes(n), `hover text contains the core's ${n}; hover:\n${text}`);
      await checkNoScroll(page);
      // "Full explanation" opens the whole explanation rendered beside the editor.
      const box = await page.locator('.monaco-hover').first().boundingBox();
      check(box, 'the hover has a box');
      await page.mouse.move(box.x + 20, box.y + 20, { steps: 5 });
      await page.locator('.monaco-hover a', { hasText: 'Full explanation' }).first().click();
      const preview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await preview.locator('h4', { hasText: 'Worked example' }).first().waitFor({ timeout: 30_000 });
      const body = await preview.locator('body').innerText();
      for (const n of [...Array.from(core.stats.mean).slice(0, 3)].map((x) => fixed(x, 4)))
        check(body.includes(n), `the full explanation shows the core's mean ${n}`);
      await shot(page, 'hover-batchnorm-example');
      // Close the preview (its tab's close button) and give the focus back to the file.
      const previewTab = page.locator('.tab', { hasText: 'NormLens explanation' }).first();
      await previewTab.hover();
      await previewTab.locator('.tab-actions .action-label').first().click();
      await previewTab.waitFor({ state: 'detached' });
      await page.locator('.tab', { hasText: file }).first().click();
      await page.locator(`.tab.active:has-text("${file}")`).waitFor();
      await page.mouse.move(0, 0);
    });

    await step('compact hovers on every example file fit the hover box (screenshots)', async () => {
      for (const f of readdirSync(workspace)
        .filter((x) => x.endsWith('.py'))
        .sort()) {
        const text = readFileSync(path.join(workspace, f), 'utf8');
        const layers = analyzeDocument(text).layers;
        if (!layers.length) continue;
        await openFile(page, f);
        // The first layer of the file and, when there is one, the last (often a different kind).
        for (const [i, layer] of [layers[0], ...(layers.length > 1 ? [layers[layers.length - 1]] : [])].entries()) {
          const lineText = text.split('\n')[layer.call.range.start.line];
          const name = layer.spec.name;
          const shown = await hoverLine(page, layer.call.range.start.line + 1, lineText.trim().slice(0, 30), layer.call.callee.split('.').pop()!);
          check(shown.includes(name), `${f}:${layer.call.range.start.line + 1}: the hover names ${name} (got ${JSON.stringify(shown.slice(0, 200))})`);
          await checkNoScroll(page);
          await shot(page, `hover-compact-${f.replace(/\.py$/, '')}-${i}`);
          await page.keyboard.press('Escape');
        }
      }
      await openFile(page, file);
    });

    await step('hovers on layers the code never names: a norm_layer default, a custom module from the sibling file', async () => {
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 30_000 });
      await input.fill('indirect/model.py');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'model.py' }).first().click();
      await page.locator('.tab.active:has-text("model.py")').waitFor({ timeout: 30_000 });
      const text = readFileSync(path.join(workspace, 'indirect', 'model.py'), 'utf8').split('\n');
      const bn = text.findIndex((l) => l.includes('self.bn1 = norm_layer(planes)')) + 1;
      const shown = await hoverLine(page, bn, 'self.bn1 = norm_layer', 'norm_layer');
      check(
        /norm_layer\(planes\)[\s\S]*builds[\s\S]*BatchNorm2d\(planes\)/.test(shown),
        `the hover says what norm_layer(planes) builds (got ${JSON.stringify(shown.slice(0, 300))})`,
      );
      check(shown.includes('default of'), 'and how NormLens knows (the default of norm_layer)');
      await checkNoScroll(page);
      await shot(page, 'hover-indirect-norm-layer');
      await page.keyboard.press('Escape');
      // SimpleRMSNorm is defined in norms.py: read through workspace.fs once the file is open
      const rms = text.findIndex((l) => l.includes('SimpleRMSNorm(hidden_size')) + 1;
      const custom = await hoverLine(page, rms, 'self.input_layernorm', 'SimpleRMSNorm');
      check(
        /custom module[\s\S]*SimpleRMSNorm/.test(custom) && custom.includes('RMSNorm'),
        `the hover names the custom RMS norm from norms.py (got ${JSON.stringify(custom.slice(0, 300))})`,
      );
      await shot(page, 'hover-indirect-custom-rmsnorm');
      await page.keyboard.press('Escape');
      await openFile(page, file);
    });

    await step('placement in a residual block: the hover says pre-norm and where the branch is added back', async () => {
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 30_000 });
      await input.fill('transformer.py');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'transformer.py' }).first().click();
      await page.locator('.tab.active:has-text("transformer.py")').waitFor({ timeout: 30_000 });
      const text = readFileSync(path.join(workspace, 'transformer.py'), 'utf8').split('\n');
      const norm = text.findIndex((l) => l.includes('self.attn_norm = nn.LayerNorm(')) + 1;
      const added = text.findIndex((l) => l.includes('x = x + self.attn(')) + 1;
      const shown = await hoverLine(page, norm, 'self.attn_norm = nn.LayerNorm', 'LayerNorm');
      check(
        new RegExp(`pre-norm[\\s\\S]*line ${added}`).test(shown),
        `the hover says pre-norm, added back on line ${added} (got ${JSON.stringify(shown.slice(0, 400))})`,
      );
      await checkNoScroll(page);
      await shot(page, 'hover-placement-pre-norm');
      await page.keyboard.press('Escape');
      await openFile(page, file);
    });

    await step('a calculator as steps: a cross-field error as typed, Back keeps what was typed', async () => {
      await page.keyboard.press('Escape');
      await page.mouse.move(0, 0);
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill('>NormLens: Normalize Values');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Normalize Values' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'BatchNorm' }).first().waitFor();
      await input.fill('BatchNorm');
      await page.keyboard.press('Enter');
      // Step 2: the values, two channels.
      // Each step is found by its number: the text of the step before may still be on screen.
      await page.locator('.quick-input-widget', { hasText: '2/7' }).first().waitFor();
      await input.fill('[[1, 2], [3, 4], [5, 7]]');
      await page.keyboard.press('Enter');
      // Channel axis: keep 1.
      await page.locator('.quick-input-widget', { hasText: '3/7' }).first().waitFor();
      check((await page.locator('.quick-input-widget').first().innerText()).includes('Channel axis'), 'step 3 asks for the channel axis');
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: '4/7' }).first().waitFor();
      await page.keyboard.press('Enter');
      // γ: three numbers for two channels is refused while typing, against the values typed before.
      await page.locator('.quick-input-widget', { hasText: '5/7' }).first().waitFor();
      const widgetText = await page.locator('.quick-input-widget').first().innerText();
      check(/\b5\/7\b/.test(widgetText), `the γ step is numbered 5/7 (got ${JSON.stringify(widgetText.slice(0, 200))})`);
      await input.fill('1 2 3');
      const message = page.locator('.quick-input-widget .quick-input-message');
      await message.filter({ hasText: '3 values for 2 channels' }).waitFor({ timeout: 10_000 });
      await shot(page, 'calculator-cross-field');
      // Back to the values: what was typed is there.
      await page.locator('.quick-input-widget .quick-input-left-action-bar .action-label').first().click();
      await page.locator('.quick-input-widget', { hasText: '4/7' }).first().waitFor();
      check((await input.inputValue()).trim() === '1e-05', `Back shows the ε step with its value (got ${await input.inputValue()})`);
      await shot(page, 'calculator-back');
      await page.keyboard.press('Enter');
      // The γ step again (its prompt is replaced by the message about what is still in the box).
      await page.locator('.quick-input-widget', { hasText: '5/7' }).first().waitFor();
      check((await input.inputValue()) === '1 2 3', `γ as typed is kept (got ${await input.inputValue()})`);
      await message.filter({ hasText: '3 values for 2 channels' }).waitFor({ timeout: 10_000 });
      await input.fill('1 2');
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: '6/7' }).first().waitFor();
      await page.keyboard.press('Escape');
    });

    const momentum = report.diagnostics.find((d) => d.code === 'momentum-convention' && d.fixes.length > 0);
    await step('diagnostics: squiggles in the editor and NormLens entries in the Problems panel', async () => {
      check(report.diagnostics.length > 0, 'the rules report problems in the example');
      check(momentum, `a momentum-convention problem with a fix (codes: ${report.diagnostics.map((d) => d.code).join(', ')})`);
      await goTo(page, momentum.range.start.line + 1);
      await page
        .locator('.monaco-editor .squiggly-warning, .monaco-editor .squiggly-error, .monaco-editor .squiggly-info')
        .first()
        .waitFor({ timeout: 30_000 });
      await page.keyboard.press('Control+Shift+M');
      const rows = page.locator('.markers-panel .monaco-list-row');
      await rows.first().waitFor({ timeout: 30_000 });
      const panelText = (await page.locator('.markers-panel').innerText()).replace(/\u00a0/g, ' ');
      for (const d of report.diagnostics) {
        check(panelText.includes(d.message.slice(0, 40)), `Problems panel lists "${d.message.slice(0, 40)}…"; panel:\n${panelText}`);
      }
      check(panelText.includes('NormLens'), 'problems come from NormLens');
      check(panelText.includes('momentum-convention'), 'the rule code is shown');
      await goTo(page, momentum.range.start.line + 1, momentum.range.start.character + 1);
      await shot(page, 'diagnostics-problems');
      // The problem's own hover, with its rule code and the quick-fix link.
      const squiggle = page.locator('.monaco-editor .squiggly-warning').first();
      let hoverText = '';
      for (let attempt = 0; attempt < 5 && !hoverText.includes('NormLens'); attempt++) {
        await page.mouse.move(0, 0);
        await squiggle.hover({ force: true });
        try {
          await page.locator('.monaco-hover-content', { hasText: 'NormLens' }).first().waitFor({ state: 'visible', timeout: 4000 });
          hoverText = await page.locator('.monaco-hover-content', { hasText: 'NormLens' }).first().innerText();
        } catch {
          // hover again
        }
      }
      check(hoverText.includes(momentum.message.slice(0, 30)), `the squiggle's hover shows the problem; got ${JSON.stringify(hoverText.slice(0, 200))}`);
      await shot(page, 'diagnostic-hover');
      await page.mouse.move(0, 0);
    });

    await step('quick fix with Ctrl+. rewrites the momentum; the saved file has the fix', async () => {
      check(momentum, 'a momentum diagnostic to fix');
      const expectedText = applyEdits(original, momentum);
      check(expectedText !== original, 'the fix changes the text');
      await goTo(page, momentum.range.start.line + 1, momentum.range.start.character + 1);
      await page.keyboard.press('Control+.');
      const widget = page.locator('.action-widget:not(.action-list-submenu-panel)').first();
      await widget.waitFor({ state: 'visible', timeout: 15_000 });
      const item = widget.locator('.monaco-list-row', { hasText: momentum.fixes[0].title }).first();
      await item.waitFor({ timeout: 15_000 });
      await shot(page, 'quick-fix-menu');
      await item.click();
      await widget.waitFor({ state: 'hidden' });
      await page.keyboard.press('Control+S');
      const deadline = Date.now() + 15_000;
      let disk = readFileSync(diskPath, 'utf8');
      while (disk !== expectedText && Date.now() < deadline) {
        await page.waitForTimeout(200);
        disk = readFileSync(diskPath, 'utf8');
      }
      check(
        disk === expectedText,
        `saved file equals the rule's fix applied to the original (first difference at ${[...disk].findIndex((c, i) => c !== expectedText[i])})`,
      );
      // The fixed problem disappears.
      const after = analyzeDocument(disk).diagnostics.filter((d) => d.code === momentum.code && d.range.start.line === momentum.range.start.line);
      check(after.length === 0, 'the rules no longer report the fixed line');
    });

    await step('calculator from the command palette: Choose a Normalization, with validation as you type', async () => {
      const expected = chooseNormalization({ architecture: 'cnn', batchPerDevice: 2, devices: 1, inferenceBatch: 2 });
      check(expected.ok, 'the calculator answers');
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill('>NormLens: Choose a Normalization');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Choose a Normalization' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Convolutional' }).first().waitFor();
      await input.fill('Convolutional');
      await page.keyboard.press('Enter');
      // Batch size: a wrong entry is flagged while typing.
      await page.locator('.quick-input-widget', { hasText: 'batch size' }).first().waitFor();
      await input.fill('two');
      const message = page.locator('.quick-input-widget .quick-input-message');
      await message.filter({ hasText: 'whole number' }).waitFor({ timeout: 10_000 });
      await shot(page, 'calculator-validation');
      await input.fill('2');
      await message.filter({ hasText: 'whole number' }).waitFor({ state: 'hidden' });
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'devices' }).first().waitFor();
      await input.fill('1');
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'inference' }).first().waitFor();
      await input.fill('2');
      await page.keyboard.press('Enter');
      // The result opens in the Markdown preview (a webview).
      const preview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const heading = preview.locator('h3', { hasText: expected.value.recommended });
      await heading.first().waitFor({ timeout: 30_000 });
      const body = await preview.locator('body').innerText();
      check(body.includes(expected.value.reasons[0].slice(0, 30)), `the preview gives the reasons; got:\n${body.slice(0, 400)}`);
      // One reused preview, no notification per result.
      check((await page.locator('.notifications-toasts .notification-toast', { hasText: 'NormLens' }).count()) === 0, 'no toast for a result');
      await shot(page, 'calculator-result');
    });

    await step('a calculator started on a layer begins from its arguments (Convert Momentum on bn2)', async () => {
      const text = readFileSync(diskPath, 'utf8');
      const line = lineOf(text, 'self.bn2 = nn.BatchNorm2d(');
      const m = /momentum=([0-9.]+)/.exec(text.split('\n')[line - 1]);
      check(m, 'bn2 has a momentum');
      const value = Number(m[1]);
      const expected = convertMomentumBetween(value, 'pytorch', 'keras');
      check(expected.ok && expected.value.converted !== null, 'the conversion is defined');
      // The Markdown preview (a webview) has the focus: click the file's tab to give it back to the editor.
      await page.locator('.tab', { hasText: file }).first().click();
      await page.locator(`.tab.active:has-text("${file}")`).waitFor();
      await goTo(page, line, text.split('\n')[line - 1].indexOf('BatchNorm2d') + 3);
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill('>NormLens: Convert Momentum');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Convert Momentum' }).first().waitFor();
      await page.keyboard.press('Enter');
      const first = page.locator('.quick-input-list .monaco-list-row').first();
      await first.filter({ hasText: 'from the layer at the cursor' }).waitFor({ timeout: 10_000 });
      check((await first.innerText()).includes('PyTorch'), "the layer's framework is offered first");
      await page.keyboard.press('Enter');
      // The input box for the value (its prompt mentions PyTorch's None), prefilled from the layer.
      await page.locator('.quick-input-widget .quick-input-message', { hasText: 'cumulative average' }).first().waitFor();
      const prefilled = await input.inputValue();
      check(Number(prefilled) === value, `the momentum box starts at the layer's ${value} (got ${prefilled})`);
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Keras' }).first().waitFor();
      await input.fill('Keras 3');
      await page.keyboard.press('Enter');
      const preview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const want = String(expected.value.converted);
      await preview.locator('body', { hasText: want }).first().waitFor({ timeout: 30_000 });
      await shot(page, 'calculator-momentum');
    });

    // VS Code's details page of the installed .vsix renders the packaged README (dist/README.md,
    // made by scripts/package-readme.mjs). It drops images whose source is not http(s) (the issue
    // behind this check: seven broken images), and resolves nothing else inside the package.
    await step('the details page shows the packaged README, user-facing, with no broken image or link', async () => {
      const extDir = path.join(run.extensions, readdirSync(run.extensions).find((d) => d.startsWith('normlens.normlens-')) ?? 'missing');
      const readmeFile = readdirSync(extDir).find((f) => f.toLowerCase() === 'readme.md');
      check(readmeFile, `no README in the installed extension ${extDir}`);
      const readme = readFileSync(path.join(extDir, readmeFile), 'utf8');
      for (const t of markdownTargets(readme)) {
        const rel = relativeTargetPath(t.target);
        check(t.kind !== 'image' || /^https:/.test(t.target), `the packaged README shows ${t.target}, which the details page cannot load`);
        if (rel !== undefined) check(existsSync(path.join(extDir, rel)), `the packaged README links to ${t.target}, which the package does not hold`);
      }
      check(!/npm ci|npm test/.test(readme), 'the packaged README holds developer instructions');
      // The activity bar's Extensions icon (a Markdown preview may hold the keyboard focus).
      await page.locator('.activitybar .action-label[aria-label^="Extensions"]').first().click();
      const item = page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'NormLens' }).first();
      await item.waitFor({ timeout: 30_000 });
      await item.click();
      await page.locator('.extension-editor').waitFor({ timeout: 30_000 });
      // The README is rendered into a webview frame; find it by its headings.
      type Rendered = { headings: string[]; images: { src: string; width: number }[] };
      let rendered: Rendered | undefined;
      const deadline = Date.now() + 30_000;
      while (!rendered && Date.now() < deadline) {
        for (const f of page.frames()) {
          const r: Rendered | undefined = await f
            .evaluate(() => {
              const headings = Array.from(document.querySelectorAll('h1, h2')).map((h) => h.textContent?.trim() ?? '');
              if (!headings.includes('In VS Code')) return undefined;
              return {
                headings,
                images: Array.from(document.images).map((i) => ({ src: i.getAttribute('src') ?? '', width: i.complete ? i.naturalWidth : -1 })),
              };
            })
            .catch(() => undefined);
          if (r) rendered = r;
        }
        if (!rendered) await page.waitForTimeout(500);
      }
      check(rendered, 'the details page did not render the README');
      await shot(page, 'details-page');
      check(
        rendered.headings[0] === 'NormLens' && rendered.headings[1] === 'In VS Code',
        `the page starts with ${rendered.headings.slice(0, 2).join(', ')}, not with NormLens and what it does in VS Code`,
      );
      const broken = rendered.images.filter((i) => !i.src || i.width <= 0);
      check(broken.length === 0, `${broken.length} broken images on the details page`);
      await page.keyboard.press('Control+W');
      await page.locator('.activitybar .action-label[aria-label^="Explorer"]').first().click();
    });
  } finally {
    await browser?.close().catch(() => undefined);
    await server.stop();
  }
  const failed = results.filter((r) => !r.ok);
  for (const f of failed) console.log(`\n--- ${f.name}\n${f.error}`);
  if (failed.length === 0 && !keep) removeRunDir(run);
  else console.log(`run folder: ${run.dir}`);
  say(`screenshots in ${shots}`);
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  return failed.length === 0 && results.length > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(isToolError(err) ? `npm run test:e2e: ${(err as Error).message}` : err);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
