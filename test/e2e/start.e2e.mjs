#!/usr/bin/env node
// `npm start` on a clean checkout, as README tells a new user: a copy of the tracked files (HEAD
// plus uncommitted changes to tracked files, what a commit would hold; untracked files are left
// out) in a temporary folder, `npm ci` there from the local npm cache, then `npm start`. Checks
// that the URL it prints serves the VS Code workbench on that checkout's examples/ with NormLens
// installed, then stops it with Ctrl+C (SIGINT to its process group) and checks that no process
// of it is left. The Node 24 + code-server toolchain in .tools/ is shared with the copy through a
// symbolic link (installing it takes minutes; its first-run install is what `npm test` itself
// does on a fresh clone).
//
//   node test/e2e/start.e2e.mjs [--keep]
// Prints `N passed, N failed` alone on its last line; exits non-zero on any failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureCodeServer, repoRoot } from '../../scripts/codeserver.mjs';
import { reportToolErrors, toolEnv, ToolError } from '../../scripts/tool-env.mjs';

reportToolErrors('npm run test:start');
const keep = process.argv.includes('--keep');
const t0 = Date.now();
const say = (m) => console.log(`[start e2e ${((Date.now() - t0) / 1000).toFixed(1)} s] ${m}`);
const results = [];
async function step(title, fn) {
  try {
    await fn();
    results.push({ title, ok: true });
    say(`ok   ${title}`);
    return true;
  } catch (e) {
    results.push({ title, ok: false });
    say(`FAIL ${title}: ${e?.message ?? e}`);
    return false;
  }
}
const assert = (cond, msg) => {
  if (!cond) throw new Error(msg);
};
const git = (...args) => spawnSync('git', args, { cwd: repoRoot, env: toolEnv(), encoding: 'utf8', maxBuffer: 1 << 28 });

if (git('rev-parse', '--is-inside-work-tree').stdout?.trim() !== 'true') {
  throw new ToolError('this test copies the checkout with git, and this folder is not a git checkout (or git is missing: sudo apt-get install -y git)');
}
ensureCodeServer();

const tmp = mkdtempSync(path.join(os.tmpdir(), 'normlens-start-'));
const checkout = path.join(tmp, 'normlens');
const examples = path.join(checkout, 'examples');
let child;
let childExit;
let output = '';

/** Processes whose command line, working folder or executable is inside the temporary checkout. */
function processesIn(dir) {
  const found = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // a process of another user, or gone
      }
      if (cmd.includes(dir) || cwd.startsWith(dir)) found.push(`${pid} ${cmd.trim().slice(0, 160)}`);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

const exited = () => childExit !== undefined;
const waitExit = (ms) =>
  new Promise((resolve) => {
    if (exited()) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });

try {
  const copied = await step('a clean copy of the checkout installs with `npm ci`', async () => {
    // `git stash create` writes a commit of the tracked files' current state without touching
    // the working tree or any ref; with nothing uncommitted it prints nothing and HEAD is used.
    const tree = git('stash', 'create').stdout.trim() || 'HEAD';
    const archive = spawnSync('git', ['archive', '--format=tar', '--prefix=normlens/', tree], { cwd: repoRoot, env: toolEnv(), maxBuffer: 1 << 30 });
    assert(archive.status === 0, `git archive failed: ${archive.stderr}`);
    const untar = spawnSync('tar', ['-x', '-C', tmp], { input: archive.stdout });
    assert(untar.status === 0, `tar failed: ${untar.stderr}`);
    assert(existsSync(path.join(checkout, 'package.json')) && !existsSync(path.join(checkout, 'node_modules')), 'the copy is not a clean checkout');
    symlinkSync(path.join(repoRoot, '.tools'), path.join(checkout, '.tools'));
    // A plain shell's environment (npm's cache location kept), as a user typing the command has.
    const ci = spawnSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: checkout, env: toolEnv(), encoding: 'utf8' });
    assert(ci.status === 0, `npm ci failed (status ${ci.status}):\n${ci.stdout}${ci.stderr}`);
  });

  let url;
  if (copied) {
    await step('`npm start` prints the local URL of VS Code on examples/', async () => {
      // Its own process group, like a command in a terminal, so Ctrl+C can be sent to all of it.
      child = spawn('npm', ['start', '--', '--code-server'], { cwd: checkout, env: toolEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child.on('exit', (code, signal) => {
        childExit = { code, signal };
      });
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const deadline = Date.now() + 180_000;
      for (;;) {
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)/.exec(output);
        if (m) {
          url = m[1];
          break;
        }
        assert(!exited(), `npm start ended (${JSON.stringify(childExit)}) without printing a URL (its output is below)`);
        assert(Date.now() < deadline, 'npm start printed no URL within 180 s (its output is below)');
        await new Promise((r) => setTimeout(r, 250));
      }
      assert(new URL(url).searchParams.get('folder') === examples, `the URL opens ${new URL(url).searchParams.get('folder')}, not ${examples}`);
    });
  }

  if (url) {
    await step('the URL serves the VS Code workbench', async () => {
      const res = await fetch(url);
      const html = await res.text();
      assert(res.status === 200, `HTTP ${res.status} from ${url}`);
      assert((res.headers.get('content-type') ?? '').startsWith('text/html'), `content type ${res.headers.get('content-type')}`);
      assert(html.includes('id="vscode-workbench-web-configuration"'), 'no workbench configuration in the page');
      assert(/workbench\/workbench\.js/.test(html), 'the page does not load workbench.js');
      const settings = /id="vscode-workbench-web-configuration" data-settings="([^"]*)"/.exec(html);
      const config = JSON.parse(settings[1].replaceAll('&quot;', '"').replaceAll('&amp;', '&'));
      assert(config.userDataPath?.startsWith(path.join(checkout, '.cache', 'start')), `the workbench's profile ${config.userDataPath} is not the copy's`);
      // The workbench fetches the script itself too: it must be served.
      const script = new URL(/src="([^"]*workbench\/workbench\.js)"/.exec(html)[1], url);
      const js = await fetch(script);
      assert(js.status === 200, `HTTP ${js.status} for ${script}`);
      await js.arrayBuffer();
    });

    await step('NormLens, built from the copy, is installed in the profile it serves', async () => {
      const pkg = JSON.parse(readFileSync(path.join(checkout, 'package.json'), 'utf8'));
      const runs = readdirSync(path.join(checkout, '.cache', 'start'));
      assert(runs.length === 1, `expected one profile under .cache/start, found ${runs.join(', ')}`);
      const ext = path.join(checkout, '.cache', 'start', runs[0], 'extensions', `${pkg.publisher}.${pkg.name}-${pkg.version}`);
      for (const f of ['package.json', 'dist/extension.js', 'dist/webview.js']) assert(existsSync(path.join(ext, f)), `${f} missing in ${ext}`);
      assert(
        readFileSync(path.join(ext, 'dist', 'extension.js')).equals(readFileSync(path.join(checkout, 'dist', 'extension.js'))),
        'the installed extension.js is not the one built in the copy',
      );
    });
  }

  if (child) {
    await step('Ctrl+C stops it, leaving no process behind', async () => {
      assert(!exited(), `npm start had already ended: ${JSON.stringify(childExit)}`);
      process.kill(-child.pid, 'SIGINT');
      assert(await waitExit(20_000), 'npm start did not end within 20 s of Ctrl+C');
      assert(/code-server stopped/.test(output), 'npm start did not report the stop (its output is below)');
      // Give exiting children a moment, then look for anything still running from the copy.
      let left = [];
      for (let i = 0; i < 20; i++) {
        left = processesIn(checkout);
        if (left.length === 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert(left.length === 0, `processes left running:\n${left.join('\n')}`);
    });
  }
} finally {
  if (child && !exited()) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const line of processesIn(checkout)) {
    try {
      process.kill(Number(line.split(' ')[0]), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (keep) say(`copy kept at ${checkout}`);
  else {
    // The link first, on its own, so that nothing can ever follow it into the shared toolchain.
    rmSync(path.join(checkout, '.tools'), { force: true });
    rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}

const failed = results.filter((r) => !r.ok).length;
if (failed) console.log(`npm start output:\n${output}`);
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length === 5 ? 0 : 1);
