#!/usr/bin/env node
// End to end: the comparison panel in a real VS Code (code-server 4.139.1) driven by Debian's
// Chromium through playwright-core, with the built extension installed in a fresh profile.
// Opens the panel from the command palette and from a hover link, edits a cell and checks the
// displayed outputs against the core run in Node, asks GroupNorm for a non-dividing group count,
// reloads the window and finds the state kept, and takes screenshots in dark, light and
// high-contrast themes (test-output/screenshots/panel-*.png).
//
//   node test/e2e/panel.e2e.mjs [--keep] [--verbose]
// Prints `N passed, N failed` alone on its last line; exits non-zero on any failure.
import { mkdirSync, writeFileSync, cpSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import {
  ensureCodeServer, makeRunDir, startCodeServer, launchBrowser, removeRunDir, repoRoot, copyBuiltExtension,
} from '../../scripts/codeserver.mjs';

const argv = process.argv.slice(2);
const keep = argv.includes('--keep');
const verbose = argv.includes('--verbose');
const t0 = Date.now();
const say = (m) => console.log(`[panel e2e ${((Date.now() - t0) / 1000).toFixed(1)} s] ${m}`);
const shots = path.join(repoRoot, 'test-output', 'screenshots');
mkdirSync(shots, { recursive: true });

const results = [];
async function step(title, fn) {
  const start = Date.now();
  try {
    await fn();
    results.push({ title, ok: true });
    say(`ok   ${title} (${Date.now() - start} ms)`);
  } catch (e) {
    results.push({ title, ok: false, error: e });
    say(`FAIL ${title}\n${e?.stack ?? e}`);
  }
}
const assert = (cond, msg) => {
  if (!cond) throw new Error(msg);
};

// The core, bundled for Node, computes the expected numbers independently of the webview.
const coreOut = path.join(repoRoot, 'test-output', 'e2e-core.mjs');
await esbuild.build({ entryPoints: [path.join(repoRoot, 'src', 'core', 'index.ts')], outfile: coreOut, bundle: true, format: 'esm', platform: 'node', logLevel: 'warning' });
const core = await import(pathToFileURL(coreOut).href);

const launcher = ensureCodeServer();
execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });
for (const f of ['dist/extension.js', 'dist/webview.js', 'media/panel.css']) assert(existsSync(path.join(repoRoot, f)), `${f} was not built`);

const run = makeRunDir('panel-e2e', { 'workbench.colorTheme': 'Default Dark Modern', 'editor.hover.delay': 100, 'window.commandCenter': false });
const workspace = path.join(run.dir, 'workspace');
mkdirSync(workspace, { recursive: true });
if (existsSync(path.join(repoRoot, 'examples'))) cpSync(path.join(repoRoot, 'examples'), workspace, { recursive: true });
writeFileSync(path.join(workspace, 'panel_model.py'), [
  'import torch.nn as nn',
  '',
  'class Block(nn.Module):',
  '    def __init__(self):',
  '        super().__init__()',
  '        self.conv = nn.Conv2d(3, 64, 3, bias=False)',
  '        self.norm = nn.GroupNorm(8, 64)',
  '',
].join('\n'));
copyBuiltExtension(run);

const server = await startCodeServer(launcher, run, { folder: workspace, log: (s) => { if (verbose) process.stdout.write(s); } });
say(`code-server on ${server.url}`);
let browser;
try {
  browser = await launchBrowser(run, { viewport: { width: 1500, height: 1000 } });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const web = () => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

  async function openWorkbench() {
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForTimeout(1500);
  }
  async function command(title) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 15_000 });
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
  }
  async function panelReady() {
    await web().locator('body[data-ready="true"] #cards .card').first().waitFor({ timeout: 60_000 });
  }
  async function outputs(method) {
    return web().locator(`.card[data-method="${method}"] td.out`).evaluateAll((tds) => tds.map((td) => ({ i: Number(td.dataset.i), v: Number(td.dataset.v), text: td.textContent })));
  }
  async function shot(name, fullWebview = false) {
    const file = path.join(shots, `panel-${name}.png`);
    if (fullWebview) {
      // The whole panel page, scrolled: the webview document itself.
      await web().locator('body').screenshot({ path: file }).catch(async () => page.screenshot({ path: file }));
    } else {
      await page.screenshot({ path: file });
    }
    say(`screenshot ${path.relative(repoRoot, file)}`);
  }

  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
  await openWorkbench();
  // Activate the extension the way a user does: open a Python file.
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill('panel_model.py');
  await page.waitForTimeout(400);
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 30_000 });

  await step('opens from the command palette with the seed example', async () => {
    await command('NormLens: Open Comparison Panel');
    await panelReady();
    const shape = await web().locator('#shape').inputValue();
    assert(shape === '4, 3, 2', `shape field shows ${shape}`);
    const cells = await web().locator('#input-grid input.cell').count();
    assert(cells === 24, `input grid has ${cells} cells`);
    await shot('dark-example');
  });

  await step('editing a cell updates every method to the core’s numbers', async () => {
    const cell = web().locator('#input-grid input[data-i="0"]');
    await cell.fill('10');
    await cell.press('Enter');
    await web().locator('#input-grid input[data-i="0"]').evaluate((el) => el.blur());
    const data = [];
    for (let b = 1; b <= 4; b++) for (let s = 0; s < 3; s++) for (let d = 0; d < 2; d++) data.push(b + 2 * s + d);
    data[0] = 10;
    const x = new core.Tensor([4, 3, 2], data);
    const specs = {
      batch_norm: { kind: 'batch_norm', numFeatures: 2, eps: 1e-5, momentum: 0.1, hasWeight: true, hasBias: true, trackRunningStats: true, storedVariance: 'unbiased', channelAxis: 2 },
      layer_norm: { kind: 'layer_norm', normalizedShape: [2], eps: 1e-5, hasWeight: true, hasBias: true },
      rms_norm: { kind: 'rms_norm', normalizedShape: [2], eps: null, hasWeight: true },
      instance_norm: { kind: 'instance_norm', numFeatures: 2, eps: 1e-5, momentum: 0.1, hasWeight: false, hasBias: false, trackRunningStats: false, channelAxis: 2 },
    };
    // Wait for the re-render: BatchNorm's first output changes.
    const expected = {};
    for (const [m, spec] of Object.entries(specs)) {
      expected[m] = core.runLayer({ spec, mode: 'train', input: x, state: spec.kind === 'batch_norm' ? core.defaultState(spec, [4, 3, 2]) : null }).output.data;
    }
    await web().locator(`.card[data-method="batch_norm"] td.out[data-i="0"][data-v="${expected.batch_norm[0]}"]`).waitFor({ timeout: 10_000 });
    for (const [m, exp] of Object.entries(expected)) {
      const got = await outputs(m);
      assert(got.length === 24, `${m}: ${got.length} output cells`);
      for (const g of got) {
        assert(g.v === exp[g.i], `${m}[${g.i}]: panel ${g.v} vs core ${exp[g.i]}`);
        const shown = Number(g.text.replace('−', '-'));
        assert(Math.abs(shown - exp[g.i]) <= Math.max(1e-3 * Math.abs(exp[g.i]), 1e-6), `${m}[${g.i}] shows ${g.text} for ${exp[g.i]}`);
      }
    }
    const bnMean = await web().locator('.card[data-method="batch_norm"] table.stats tbody tr').first().locator('td').nth(1).getAttribute('data-v');
    const dim0 = data.filter((_, i) => i % 2 === 0);
    const mean = dim0.reduce((a, b) => a + b, 0) / dim0.length;
    assert(Math.abs(Number(bnMean) - mean) < 1e-9, `BatchNorm dim=0 mean ${bnMean} vs ${mean}`);
  });

  await step('GroupNorm with a group count that does not divide C shows the message', async () => {
    await web().locator('vscode-button[data-layout="NCHW"]').click();
    await web().locator('#shape').evaluate((el) => el.value === '2, 4, 3, 3' || Promise.reject(new Error(`shape ${el.value}`)));
    await web().locator('#groups').selectOption('3');
    const problem = web().locator('.card[data-method="group_norm"] .problem');
    await problem.waitFor({ timeout: 10_000 });
    const text = await problem.textContent();
    assert(text === 'GroupNorm: 4 channels cannot be split into 3 equal groups (4 is not divisible by 3). Choose one of: 1, 2, 4.', `message: ${text}`);
    // The other methods still compute.
    assert((await outputs('batch_norm')).length > 0, 'BatchNorm outputs missing');
    await web().locator('.card[data-method="group_norm"]').scrollIntoViewIfNeeded();
    await shot('dark-groupnorm-message');
  });

  await step('state survives Developer: Reload Window', async () => {
    const before = await web().locator('#input-grid input[data-i="5"]').inputValue();
    await web().locator('#input-grid input[data-i="5"]').fill('7.25');
    await web().locator('#input-grid input[data-i="5"]').press('Tab');
    await web().locator('#input-grid input[data-i="5"][value="7.25"]').waitFor({ timeout: 10_000 });
    assert(before !== '7.25', 'test needs a changed value');
    await page.waitForTimeout(800);
    await command('Developer: Reload Window');
    await page.waitForTimeout(2000);
    await openWorkbench();
    await panelReady();
    assert((await web().locator('#shape').inputValue()) === '2, 4, 3, 3', 'shape lost on reload');
    assert((await web().locator('#groups').inputValue()) === '3', 'groups lost on reload');
    assert((await web().locator('#input-grid input[data-i="5"]').inputValue()) === '7.25', 'edited cell lost on reload');
    await web().locator('.card[data-method="group_norm"] .problem').waitFor({ timeout: 10_000 });
  });

  await step('a hover link on GroupNorm(8, 64) opens the panel with C = 64 and 8 groups', async () => {
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('panel_model.py');
    await page.waitForTimeout(400);
    await page.keyboard.press('Enter');
    const token = page.locator('.monaco-editor .view-line span', { hasText: /^GroupNorm/ }).first();
    await token.waitFor({ timeout: 20_000 });
    let link = null;
    for (let attempt = 0; attempt < 8 && !link; attempt++) {
      await page.mouse.move(5, 5);
      await token.hover();
      const a = page.locator('.monaco-hover-content a[data-href*="normlens.openPanel"]').first();
      try {
        await a.waitFor({ timeout: 4000 });
        link = a;
      } catch {
        // the extension may still be activating; hover again
      }
    }
    assert(link, 'no "open panel" link in the GroupNorm hover');
    await link.click();
    await panelReady();
    await web().locator('#shape').evaluate(async (el) => {
      for (let i = 0; i < 50 && !/^\d+, 64(, |$)/.test(el.value); i++) await new Promise((r) => setTimeout(r, 100));
    });
    const shape = (await web().locator('#shape').inputValue()).split(',').map((s) => Number(s.trim()));
    assert(shape[1] === 64, `shape after hover link: ${shape}`);
    assert((await web().locator('#groups').inputValue()) === '8', 'groups after hover link');
    const gn = web().locator('.card[data-method="group_norm"]');
    assert((await gn.locator('.problem').count()) === 0, 'GroupNorm(8, 64) should compute');
    const caption = await gn.locator('table.stats caption').textContent();
    assert(caption.startsWith(`${shape[0] * 8} groups`), `GroupNorm groups caption: ${caption}`);
    await shot('dark-hover-groupnorm');
  });

  await step('screenshots in light and high-contrast themes', async () => {
    await web().locator('vscode-button[data-layout="BSD"]').click();
    await web().locator('#step10').click();
    await web().locator('#step50').click();
    await web().locator('input[name="answer"][value="batch"]').check();
    await web().locator('#feedback .right').waitFor({ timeout: 10_000 });
    await shot('dark-train-exercise');
    await shot('dark-full', true);
    for (const [theme, name] of [['Light Modern', 'light'], ['Dark High Contrast', 'hc']]) {
      await command('Preferences: Color Theme');
      await page.waitForTimeout(500);
      await page.keyboard.type(theme);
      await page.waitForTimeout(500);
      await page.keyboard.press('Enter');
      await page.waitForTimeout(1500);
      await panelReady();
      await shot(`${name}-example`);
      await shot(`${name}-full`, true);
    }
  });
} finally {
  await browser?.close().catch(() => {});
  await server.stop();
}

const failed = results.filter((r) => !r.ok).length;
const passed = results.length - failed;
if (failed || keep) say(`run folder kept: ${run.dir}`);
else removeRunDir(run);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
