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
import { ensureCodeServer, makeRunDir, startCodeServer, launchBrowser, removeRunDir, repoRoot, copyBuiltExtension } from '../../scripts/codeserver.mjs';
import { reportToolErrors, toolEnv } from '../../scripts/tool-env.mjs';

reportToolErrors('npm run test:e2e:panel');

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
// The panel's CSP allows no WebAssembly compilation, so the webview runs the core's JavaScript
// kernels; the reference uses the same backend, and then the numbers must match to the bit.
const coreOut = path.join(repoRoot, 'test-output', 'e2e-core.mjs');
await esbuild.build({
  stdin: { contents: "export * from './src/core/index';\nexport { setFastMode } from './src/core/fast/index';", resolveDir: repoRoot, loader: 'ts' },
  outfile: coreOut,
  bundle: true,
  format: 'esm',
  platform: 'node',
  logLevel: 'warning',
});
const core = await import(pathToFileURL(coreOut).href);
core.setFastMode('js');

const launcher = ensureCodeServer();
execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, env: toolEnv(), stdio: 'inherit' });
for (const f of ['dist/extension.js', 'dist/webview.js', 'media/panel.css']) assert(existsSync(path.join(repoRoot, f)), `${f} was not built`);

const run = makeRunDir('panel-e2e', { 'workbench.colorTheme': 'Default Dark Modern', 'editor.hover.delay': 100, 'window.commandCenter': false });
const workspace = path.join(run.dir, 'workspace');
mkdirSync(workspace, { recursive: true });
if (existsSync(path.join(repoRoot, 'examples'))) cpSync(path.join(repoRoot, 'examples'), workspace, { recursive: true });
writeFileSync(
  path.join(workspace, 'panel_model.py'),
  [
    'import torch.nn as nn',
    '',
    'class Block(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.conv = nn.Conv2d(3, 64, 3, bias=False)',
    '        self.norm = nn.GroupNorm(8, 64)',
    '',
  ].join('\n'),
);
copyBuiltExtension(run);

const server = await startCodeServer(launcher, run, {
  folder: workspace,
  log: (s) => {
    if (verbose) process.stdout.write(s);
  },
});
say(`code-server on ${server.url}`);
let browser;
try {
  browser = await launchBrowser(run, { viewport: { width: 1500, height: 1000 } });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const web = () => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  // CSP violations reported by the webview. WebAssembly compilation is refused on purpose (no
  // 'wasm-unsafe-eval'; the core falls back to JavaScript); anything else is a bug.
  const cspViolations = [];
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy/i.test(t) && !/WebAssembly/i.test(t)) cspViolations.push(t);
  });

  async function openWorkbench() {
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    await page.waitForTimeout(1500);
  }
  async function command(title) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    await input.fill(`>${title}`);
    // Click the row whose label is exactly the title (a fuzzy match may rank another first).
    const row = page
      .locator('.quick-input-list .monaco-list-row', {
        has: page.locator('.label-name', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }),
      })
      .first();
    await row.waitFor({ timeout: 15_000 });
    await page.waitForTimeout(200);
    await row.click();
  }
  async function panelReady() {
    await web().locator('body[data-ready="true"] #cards .card').first().waitFor({ timeout: 60_000 });
  }
  async function outputs(method) {
    return web()
      .locator(`.card[data-method="${method}"] td.out`)
      .evaluateAll((tds) => tds.map((td) => ({ i: Number(td.dataset.i), v: Number(td.dataset.v), text: td.textContent })));
  }
  async function shot(name) {
    const file = path.join(shots, `panel-${name}.png`);
    await page.screenshot({ path: file });
    say(`screenshot ${path.relative(repoRoot, file)}`);
  }
  /** The panel alone, section by section (the webview scrolls inside its frame). */
  async function panelShots(theme) {
    const box = await page.locator('iframe.webview.ready').boundingBox();
    assert(box, 'webview frame not visible');
    const snap = async (name, id) => {
      await web()
        .locator(`#${id}`)
        .evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.waitForTimeout(250);
      await page.screenshot({ path: path.join(shots, `panel-${theme}-${name}.png`), clip: box });
    };
    // The seed card's example first, then an image-shaped tensor for GroupNorm, the cube and the charts.
    await web().locator('#example').click();
    await web().locator('#shape-help', { hasText: '24 elements' }).waitFor({ timeout: 10_000 });
    await web().locator('#input-grid input[data-i="2"]').hover();
    await snap('seed', 'app');
    await snap('seed-compare', 'compare-h');
    await web().locator('vscode-button[data-layout="NCHW"]').click();
    await web().locator('#shape-help', { hasText: '72 elements' }).waitFor({ timeout: 10_000 });
    await web().locator('#groups').selectOption('2');
    await web().locator('#step10').click();
    await web().locator('#step50').click();
    await web().locator('#train-text', { hasText: '60 batches' }).waitFor({ timeout: 10_000 });
    await web().locator('#input-grid input[data-i="13"]').hover();
    for (const [name, id] of [
      ['top', 'app'],
      ['compare', 'compare-h'],
      ['cube', 'cube-h'],
      ['train', 'train-h'],
      ['noise', 'noise-h'],
      ['exercise', 'ex-h'],
    ])
      await snap(name, id);
    await web()
      .locator('#app')
      .evaluate((el) => el.scrollIntoView({ block: 'start' }));
    say(`screenshots test-output/screenshots/panel-${theme}-{seed,seed-compare,top,compare,cube,train,noise,exercise}.png`);
  }
  async function openFile(name) {
    for (let attempt = 0; attempt < 4; attempt++) {
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      await input.fill(name);
      try {
        await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 8000 });
        await page.keyboard.press('Enter');
        await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 20_000 });
        return;
      } catch {
        await page.keyboard.press('Escape');
      }
    }
    await page.screenshot({ path: path.join(shots, 'panel-failed-open.png') });
    throw new Error(`could not open ${name} with Quick Open`);
  }

  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
  await openWorkbench();
  // Activate the extension the way a user does: open a Python file.
  await openFile('panel_model.py');

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
    await web()
      .locator('#input-grid input[data-i="0"]')
      .evaluate((el) => el.blur());
    const data = [];
    for (let b = 1; b <= 4; b++) for (let s = 0; s < 3; s++) for (let d = 0; d < 2; d++) data.push(b + 2 * s + d);
    data[0] = 10;
    const x = new core.Tensor([4, 3, 2], data);
    const specs = {
      batch_norm: {
        kind: 'batch_norm',
        numFeatures: 2,
        eps: 1e-5,
        momentum: 0.1,
        hasWeight: true,
        hasBias: true,
        trackRunningStats: true,
        storedVariance: 'unbiased',
        channelAxis: 2,
      },
      layer_norm: { kind: 'layer_norm', normalizedShape: [2], eps: 1e-5, hasWeight: true, hasBias: true },
      rms_norm: { kind: 'rms_norm', normalizedShape: [2], eps: null, hasWeight: true },
      instance_norm: {
        kind: 'instance_norm',
        numFeatures: 2,
        eps: 1e-5,
        momentum: 0.1,
        hasWeight: false,
        hasBias: false,
        trackRunningStats: false,
        channelAxis: 2,
      },
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
    await web()
      .locator('#shape')
      .evaluate((el) => el.value === '2, 4, 3, 3' || Promise.reject(new Error(`shape ${el.value}`)));
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
    // The edit is applied: the colour-by method's first statistic reflects the new value.
    await page.waitForTimeout(300);
    assert((await web().locator('#input-grid input[data-i="5"]').inputValue()) === '7.25', 'edit not kept before reload');
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
    await openFile('panel_model.py');
    const line = page.locator('.monaco-editor .view-line:visible', { hasText: 'GroupNorm(8' }).first();
    // Without semantic highlighting the token is e.g. "\u00a0nn.GroupNorm": hover near its end.
    const token = line.locator('span > span', { hasText: /GroupNorm$/ }).first();
    await token.waitFor({ timeout: 20_000 }).catch(async (e) => {
      await page.screenshot({ path: path.join(shots, 'panel-failed-hover.png') });
      throw e;
    });
    let link = null;
    for (let attempt = 0; attempt < 12 && !link; attempt++) {
      await page.mouse.move(5, 5);
      const box = await token.boundingBox();
      await token.hover({ position: { x: Math.max(2, box.width - 12), y: box.height / 2 } });
      const a = page.locator('.monaco-hover-content a[data-href*="normlens.openPanel"]').first();
      try {
        await a.waitFor({ timeout: 6000 });
        link = a;
      } catch {
        // the extension may still be activating; hover again
      }
    }
    if (!link) await page.screenshot({ path: path.join(shots, 'panel-failed-hover.png') });
    assert(link, 'no "open panel" link in the GroupNorm hover');
    await link.click();
    await panelReady();
    await web()
      .locator('#shape')
      .evaluate(async (el) => {
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

  await step('the framework selector switches defaults and conventions (Keras: ε 1e-3, momentum 0.99)', async () => {
    await web()
      .locator('#framework')
      .evaluate((el) => {
        el.value = 'keras';
        el.dispatchEvent(new Event('change', { bubbles: true }));
      });
    const bn = web().locator('.card[data-method="batch_norm"]');
    await bn.locator('code', { hasText: 'BatchNormalization' }).waitFor({ timeout: 10_000 });
    const text = await bn.innerText();
    assert(text.includes('ε = 0.001'), `Keras BatchNorm ε: ${text.slice(0, 200)}`);
    assert(text.includes('Keras') && text.includes('biased running_var'), 'Keras stores the biased variance');
    await web().locator('#train-text', { hasText: 'momentum 0.99' }).waitFor({ timeout: 10_000 });
    const train = await web().locator('#train-text').innerText();
    assert(train.includes('momentum 0.99') && train.includes('(1 − 0.01)'), `Keras momentum convention: ${train}`);
    await web()
      .locator('#framework')
      .evaluate((el) => {
        el.value = 'pytorch';
        el.dispatchEvent(new Event('change', { bubbles: true }));
      });
    await bn.locator('code', { hasText: /^BatchNorm\dd$/ }).waitFor({ timeout: 10_000 });
  });

  await step('a 64k-element tensor re-renders after a cell edit (timing logged)', async () => {
    await web().locator('vscode-button[data-layout="BSD"]').click();
    const shape = web().locator('#shape');
    await shape.fill('64, 32, 32');
    await shape.press('Enter');
    await web().locator('#shape-help', { hasText: '65,536 elements' }).waitFor({ timeout: 20_000 });
    const times = [];
    for (let k = 0; k < 7; k++) {
      const cell = web().locator('#input-grid input[data-i="1"]');
      await cell.fill(String(k + 0.25));
      await cell.press('Enter');
      await page.waitForTimeout(150);
      times.push(await web().locator('body').getAttribute('data-render-ms'));
    }
    say(`64k re-render (total, view model, input grid, cards, cube) ms: ${times.join(' | ')}`);
    const total = times.map((t) => Number(t.split(' ')[0])).sort((a, b) => a - b);
    // A regression guard, loose because this machine is shared; the budget itself is measured by npm run bench.
    assert(total[3] < 100, `median re-render ${total[3]} ms`);
    const over = web().locator('#shape');
    await over.fill('64, 33, 32');
    await over.press('Enter');
    const msg = web().locator('#message.error');
    await msg.waitFor({ timeout: 10_000 });
    assert((await msg.innerText()).includes('67,584 elements'), 'limit message');
    assert((await web().locator('#input-grid input[data-i="1"]').inputValue()) === '6.25', 'data kept after a refused reshape');
    await web().locator('vscode-button[data-layout="NCHW"]').click();
    await web().locator('#shape-help', { hasText: '72 elements' }).waitFor({ timeout: 20_000 });
  });

  await step('no Content Security Policy violations', async () => {
    assert(cspViolations.length === 0, `CSP violations:\n${cspViolations.join('\n')}`);
  });

  await step('screenshots in dark, light and high-contrast themes', async () => {
    await web().locator('vscode-button[data-layout="NCHW"]').click();
    await web().locator('#groups').selectOption('2');
    await web().locator('#step10').click();
    await web().locator('#step50').click();
    await web().locator('input[name="answer"][value="batch"]').check();
    await web().locator('#feedback .right').waitFor({ timeout: 10_000 });
    // Hover an element so the cube view shows its groups.
    await web().locator('#input-grid input[data-i="13"]').hover();
    await command('View: Toggle Maximize Editor Group');
    await page.setViewportSize({ width: 1700, height: 1050 });
    await page.waitForTimeout(1000);
    await panelShots('dark');
    for (const [theme, name, bodyClass] of [
      ['Light Modern', 'light', 'vscode-light'],
      ['Dark High Contrast', 'hc', 'vscode-high-contrast'],
    ]) {
      await command('Preferences: Color Theme');
      const input = page.locator('.quick-input-widget input');
      await input.fill(theme);
      const row = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${theme}$`) }) }).first();
      await row.waitFor({ timeout: 15_000 });
      await row.click();
      await web().locator(`body.${bodyClass}`).waitFor({ timeout: 15_000 });
      await page.waitForTimeout(800);
      await panelReady();
      await panelShots(name);
    }
  });
} finally {
  await browser?.close().catch(() => {});
  await server.stop();
}

const failed = results.filter((r) => !r.ok).length;
const passed = results.length - failed;
if (failed || keep) say(`run folder kept: ${run.dir}`);
else {
  // A just-stopped server may still be flushing files: retry the cleanup briefly.
  for (let i = 0; i < 5; i++) {
    try {
      removeRunDir(run);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
