#!/usr/bin/env node
// `npm start`: builds NormLens and opens it in a real VS Code on examples/.
// - With the desktop `code` on PATH: `code --extensionDevelopmentPath=<this checkout> examples`.
// - Otherwise: a private code-server (VS Code 1.139.1, set up in .tools/ on first use) on
//   127.0.0.1 with the built extension installed; open the printed URL. Ctrl+C stops it.
// Options: --port N (default: a free port), --code-server (skip the desktop `code`).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { copyBuiltExtension, ensureCodeServer, makeRunDir, repoRoot, startCodeServer } from './codeserver.mjs';

const argv = process.argv.slice(2);
const portArg = argv.indexOf('--port') >= 0 ? Number(argv[argv.indexOf('--port') + 1]) : undefined;
const examples = path.join(repoRoot, 'examples');

execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, stdio: 'inherit' });

const hasCode = !argv.includes('--code-server') && spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
if (hasCode) {
  console.log(`Opening VS Code on ${examples} with NormLens loaded from ${repoRoot}`);
  const child = spawn('code', [`--extensionDevelopmentPath=${repoRoot}`, examples], { stdio: 'inherit', detached: true });
  child.unref();
  process.exit(0);
}

console.log('No desktop `code` on PATH: starting code-server (VS Code in the browser).');
const launcher = ensureCodeServer();
// A fresh profile each start (code-server caches extensions by folder); earlier ones are dropped.
const runsDir = path.join(repoRoot, '.tools', 'runs');
if (existsSync(runsDir)) {
  for (const d of readdirSync(runsDir)) if (d.startsWith('start-')) rmSync(path.join(runsDir, d), { recursive: true, force: true });
}
const run = makeRunDir('start', {}, runsDir);
copyBuiltExtension(run);
const server = await startCodeServer(launcher, run, { port: portArg, folder: examples });
const url = `${server.url}/?folder=${encodeURIComponent(examples)}`;
console.log(`\nNormLens is running in VS Code (code-server) at:\n\n  ${url}\n\nOpen it in a browser on this machine. Press Ctrl+C to stop.`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.child.on('exit', (code) => {
  console.log(`code-server exited (${code})`);
  process.exit(code ?? 1);
});
