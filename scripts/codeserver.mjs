// Starting a private code-server (VS Code 1.139.1 served to a browser) and a headless Chromium
// driving it. Shared by the integration runner, the end-to-end tests and `npm start`.
// Every run gets its own folder: user data, extensions, XDG dirs and TMPDIR all live inside it,
// so nothing is written to the home folder or /tmp and no cache leaks between runs.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolEnv, ToolError } from './tool-env.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Runs scripts/setup-vscode.sh (a no-op when the toolchain is present; a few minutes the first
 * time) in a clean environment and returns the code-server launcher. Its progress and errors go
 * to stderr; a failed setup is a ToolError whose message says what to do.
 */
export function ensureCodeServer() {
  const res = spawnSync('bash', [path.join(repoRoot, 'scripts', 'setup-vscode.sh')], {
    cwd: repoRoot,
    env: toolEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (res.error) throw new ToolError(`could not run scripts/setup-vscode.sh: ${res.error.message}`);
  if (res.status !== 0) throw new ToolError('the VS Code toolchain (Node 24 and code-server in .tools/) could not be set up; the reason is above');
  const launcher = res.stdout.trim().split('\n').pop();
  if (!launcher || !existsSync(launcher))
    throw new ToolError(`scripts/setup-vscode.sh did not report a code-server launcher (it printed ${JSON.stringify(res.stdout)})`);
  return launcher;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** User settings that keep the workbench quiet and deterministic. */
export const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'editor.hover.delay': 100,
  'chat.disableAIFeatures': true,
  'workbench.colorTheme': 'Default Dark Modern',
  'files.autoSave': 'off',
  'git.enabled': false,
  'python.languageServer': 'None',
};

/** Creates a fresh run folder with the layout code-server needs and returns its paths. */
export function makeRunDir(name, settings = {}, base = path.join(repoRoot, 'test-output', 'runs')) {
  // Short: Chromium and VS Code put Unix sockets under TMPDIR, whose paths are limited to ~107 bytes.
  const dir = path.join(base, `${name}-${Date.now().toString(36)}${process.pid.toString(36)}`);
  const paths = {
    dir,
    userData: path.join(dir, 'user-data'),
    extensions: path.join(dir, 'extensions'),
    xdgData: path.join(dir, 'xdg-data'),
    xdgConfig: path.join(dir, 'xdg-config'),
    xdgCache: path.join(dir, 'xdg-cache'),
    tmp: path.join(dir, 'tmp'),
    browserProfile: path.join(dir, 'browser'),
    config: path.join(dir, 'config.yaml'),
  };
  for (const p of [paths.userData, paths.extensions, paths.xdgData, paths.xdgConfig, paths.xdgCache, paths.tmp, paths.browserProfile]) {
    mkdirSync(p, { recursive: true });
  }
  mkdirSync(path.join(paths.userData, 'User'), { recursive: true });
  writeFileSync(path.join(paths.userData, 'User', 'settings.json'), JSON.stringify({ ...quietSettings, ...settings }, null, 2));
  writeFileSync(paths.config, 'auth: none\ncert: false\n');
  return paths;
}

/** code-server's environment: a plain shell's (see tool-env.mjs), with every writable folder in the run. */
export function runEnv(run, extraEnv = {}) {
  return toolEnv({
    set: {
      XDG_DATA_HOME: run.xdgData,
      XDG_CONFIG_HOME: run.xdgConfig,
      XDG_CACHE_HOME: run.xdgCache,
      TMPDIR: run.tmp,
      ...extraEnv,
    },
  });
}

/** `code-server --install-extension file.vsix` into the run's extensions folder. */
export function installExtension(launcher, run, vsix) {
  const res = spawnSync(launcher, ['--config', run.config, '--user-data-dir', run.userData, '--extensions-dir', run.extensions, '--install-extension', vsix], {
    env: runEnv(run),
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new ToolError(`code-server could not install ${vsix}:\n${res.error?.message ?? ''}${res.stdout}${res.stderr}`);
}

/**
 * Starts code-server on 127.0.0.1 and resolves once it answers HTTP. The returned object's
 * `stop()` kills exactly the process started here and waits for it to exit.
 */
export async function startCodeServer(launcher, run, { folder, port, extraArgs = [], env = {}, log = () => {} } = {}) {
  port ??= await freePort();
  const args = [
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--config',
    run.config,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir',
    run.userData,
    '--extensions-dir',
    run.extensions,
    ...extraArgs,
  ];
  if (folder) args.push(folder);
  const child = spawn(launcher, args, { env: runEnv(run, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (d) => {
    output += d;
    log(String(d));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = false;
  const exitPromise = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new ToolError(`code-server exited during start-up:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new ToolError(`code-server did not answer on ${url} within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    child,
    output: () => output,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 5000);
      await exitPromise;
      clearTimeout(t);
    },
  };
}

/** Headless Chromium (Debian's) through playwright-core; never downloads a browser. */
export async function launchBrowser(run, { headless = true, viewport = { width: 1400, height: 1000 } } = {}) {
  const { chromium } = await import('playwright-core');
  if (!existsSync(CHROMIUM))
    throw new ToolError(`Chromium is not at ${CHROMIUM}: sudo apt-get install -y chromium (or set CHROMIUM_PATH to another Chromium), then run again`);
  return chromium.launchPersistentContext(run.browserProfile, {
    executablePath: CHROMIUM,
    headless,
    viewport,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    env: toolEnv({ set: { TMPDIR: run.tmp, XDG_CONFIG_HOME: run.xdgConfig, XDG_CACHE_HOME: run.xdgCache } }),
  });
}

/** The `?payload=` VS Code reads (with the smoke-test driver on) to load a development extension and its tests. */
export function payloadUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath, extensionEnvironment }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(extensionDevelopmentPath)]];
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  if (extensionEnvironment) payload.push(['extensionEnvironment', JSON.stringify(extensionEnvironment)]);
  const q = new URLSearchParams();
  if (folder) q.set('folder', folder);
  q.set('payload', JSON.stringify(payload));
  return `${server.url}/?${q.toString()}`;
}

/** Removes a run folder; a process that is still exiting may write into it, so retry, then leave it. */
export function removeRunDir(run) {
  try {
    rmSync(run.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  } catch (err) {
    console.warn(`could not remove ${run.dir}: ${err.message}`);
  }
}

/** Copies the built extension (what the .vsix would hold) into a run's extensions folder. */
export function copyBuiltExtension(run) {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const dest = path.join(run.extensions, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  mkdirSync(dest, { recursive: true });
  for (const f of ['package.json', 'README.md', 'LICENSE', 'dist', 'media']) {
    const src = path.join(repoRoot, f);
    if (existsSync(src)) cpSync(src, path.join(dest, f), { recursive: true });
  }
  return dest;
}
