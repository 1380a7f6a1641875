#!/usr/bin/env node
// Runs the integration suite (test/integration, @vscode/test-electron contract) inside a real
// VS Code: code-server 4.139.1 with the smoke-test driver on, opened in headless Chromium with a
// payload that loads this checkout as the development extension and out/integration/index.js as
// its tests. Prints `N passed, N failed` alone on a line; exits non-zero on failure or timeout.
//
//   node scripts/run-vscode-tests.mjs [--grep PATTERN] [--timeout SECONDS] [--verbose] [--keep]
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ensureCodeServer, makeRunDir, startCodeServer, launchBrowser, payloadUrl, removeRunDir, repoRoot } from './codeserver.mjs';
import { buildIntegrationTests } from './build-tests.mjs';
import { reportToolErrors, toolEnv, ToolError } from './tool-env.mjs';

reportToolErrors('npm run test:integration');

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const verbose = argv.includes('--verbose');
const keep = argv.includes('--keep');
const grep = opt('--grep');
const timeoutSec = Number(opt('--timeout', '300'));

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const say = (m) => console.log(`[integration ${elapsed()}] ${m}`);

const launcher = ensureCodeServer();
execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, env: toolEnv(), stdio: 'inherit' });
if (!existsSync(path.join(repoRoot, 'dist', 'extension.js'))) throw new ToolError('dist/extension.js was not built');
const testsEntry = await buildIntegrationTests();

const run = makeRunDir('integration');
const workspace = path.join(run.dir, 'workspace');
mkdirSync(workspace, { recursive: true });
// The tests edit documents; they work on copies of the examples and fixtures.
cpSync(path.join(repoRoot, 'examples'), workspace, { recursive: true });
const fixtures = path.join(repoRoot, 'test', 'integration', 'fixtures');
if (existsSync(fixtures)) cpSync(fixtures, workspace, { recursive: true });
const resultsFile = path.join(run.dir, 'results.json');

const serverLog = [];
const server = await startCodeServer(launcher, run, {
  extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
  env: { NORMLENS_TEST_RESULTS: resultsFile, ...(grep ? { NORMLENS_TEST_GREP: grep } : {}) },
  log: (s) => serverLog.push(s),
});
say(`code-server on ${server.url} (VS Code from ${launcher})`);

let browser;
let exitCode = null;
const logLines = [];
try {
  browser = await launchBrowser(run);
  const page = browser.pages()[0] ?? (await browser.newPage());
  const exited = new Promise((resolve) => {
    page.exposeFunction('codeAutomationExit', (code) => {
      resolve(Number(code));
    });
  });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    logLines.push(line);
    if (verbose) console.log(`[vscode] ${line}`);
  });
  const url = payloadUrl(server, {
    folder: workspace,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: testsEntry,
  });
  await page.goto(url);
  say('workbench opened; tests running in the extension host');
  const timedOut = new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutSec * 1000));
  const outcome = await Promise.race([exited, timedOut]);
  if (outcome === 'timeout') {
    say(`timed out after ${timeoutSec} s`);
    await page.screenshot({ path: path.join(run.dir, 'timeout.png') }).catch(() => {});
  } else {
    exitCode = outcome;
  }
} finally {
  await browser?.close().catch(() => {});
  await server.stop();
}

let summary = null;
if (existsSync(resultsFile)) summary = JSON.parse(readFileSync(resultsFile, 'utf8'));
if (summary) {
  say(`VS Code ${summary.vscodeVersion ?? '?'}`);
  for (const t of summary.tests)
    console.log(`  ${t.state === 'passed' ? 'ok  ' : t.state === 'failed' ? 'FAIL' : 'skip'} ${t.title}${t.durationMs != null ? ` (${t.durationMs} ms)` : ''}`);
  for (const f of summary.failures) console.log(`\n--- ${f.title}\n${f.stack ?? f.message}`);
}
const passed = summary?.passed ?? 0;
const failed = (summary?.failed ?? 0) + (summary ? 0 : 1);
const ok = exitCode === 0 && summary && summary.failed === 0 && summary.passed > 0;
if (!ok) {
  if (!summary) console.log('\nNo results were written by the test entry. Workbench log (tail):');
  if (!summary || verbose) console.log(logLines.slice(-80).join('\n'));
  if (!summary) console.log(`code-server output (tail):\n${serverLog.join('').split('\n').slice(-40).join('\n')}`);
  console.log(`run folder kept for inspection: ${run.dir}`);
} else if (!keep) {
  removeRunDir(run);
}
say(`done (exit code from VS Code: ${exitCode ?? 'none'})`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
