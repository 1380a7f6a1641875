#!/usr/bin/env node
// `npm start`: builds NormLens and opens it in a real VS Code on examples/.
// - With the desktop `code` on PATH: `code --extensionDevelopmentPath=<this checkout> examples`.
// - Otherwise: a private code-server (VS Code 1.139.1; Node 24 and code-server are installed into
//   .tools/ on first use) on 127.0.0.1 with the built extension installed in a fresh profile under
//   .cache/start/; open the printed URL. Ctrl+C (SIGINT) or SIGTERM stops it.
// Options: --port N (default: a free port), --code-server (skip the desktop `code`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { copyBuiltExtension, ensureCodeServer, makeRunDir, repoRoot, startCodeServer } from './codeserver.mjs';
import { runMain, toolEnv, ToolError } from './tool-env.mjs';

const argv = process.argv.slice(2);
const examples = path.join(repoRoot, 'examples');
const say = (m) => console.log(`[npm start] ${m}`);

await runMain('npm start', async () => {
  let port;
  if (argv.includes('--port')) {
    port = Number(argv[argv.indexOf('--port') + 1]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ToolError('--port needs a port number from 1 to 65535, e.g. npm start -- --port 8080');
  }

  say('building the extension');
  const build = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, env: toolEnv(), stdio: 'inherit' });
  if (build.status !== 0) throw new ToolError('the build failed; its error is above');

  const hasCode = !argv.includes('--code-server') && spawnSync('code', ['--version'], { env: toolEnv(), stdio: 'ignore' }).status === 0;
  if (hasCode) {
    say(`opening the desktop VS Code on ${examples} with NormLens loaded from ${repoRoot}`);
    const child = spawn('code', [`--extensionDevelopmentPath=${repoRoot}`, examples], { env: toolEnv(), stdio: 'inherit', detached: true });
    child.unref();
    return;
  }

  say('no desktop `code` on PATH: starting code-server (VS Code 1.139.1 in the browser)');
  const launcher = ensureCodeServer();
  // A fresh profile each start (code-server caches extensions by folder); profiles of earlier
  // starts are dropped.
  const runsDir = path.join(repoRoot, '.cache', 'start');
  if (existsSync(runsDir)) {
    for (const d of readdirSync(runsDir)) if (d.startsWith('start-')) rmSync(path.join(runsDir, d), { recursive: true, force: true });
  }
  const run = makeRunDir('start', {}, runsDir);
  copyBuiltExtension(run);
  const server = await startCodeServer(launcher, run, { port, folder: examples });
  const url = `${server.url}/?folder=${encodeURIComponent(examples)}`;
  console.log(`\nNormLens is running in VS Code (code-server) at:\n\n  ${url}\n\nOpen it in a browser on this machine. Press Ctrl+C to stop.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    say('code-server stopped');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  server.child.on('exit', (code, signal) => {
    if (stopping) return;
    // Ctrl+C reaches code-server too (same process group): that is a normal stop.
    if (signal === 'SIGINT' || signal === 'SIGTERM' || code === 0) {
      say('code-server stopped');
      process.exit(0);
    }
    console.error(
      `npm start: code-server exited unexpectedly (${signal ?? `status ${code}`}); its output:\n${server.output().split('\n').slice(-30).join('\n')}`,
    );
    process.exit(1);
  });
});
