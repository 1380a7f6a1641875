// The environment for tools that NormLens's scripts start (npm installs, code-server, Chromium,
// vsce, a nested `npm start`), and a way to stop on an expected failure with one clear line.
//
// A script started by `npm run`/`npm start`/`npm test` inherits npm's own state: npm_config_*
// (its user agent with the outer Node's version, nodedir, prefix, node_gyp, allow_scripts ...),
// npm_lifecycle_*, npm_package_*, npm_execpath, NODE, INIT_CWD and node_modules/.bin entries on
// PATH. A nested npm reads all of that as its own configuration: code-server's install then sees
// `node/v20` in the user agent and refuses to install under Node 24. So every nested tool gets
// the environment of a plain shell instead, plus the few npm settings that say where the cache
// and the registry are (passed on on purpose), plus the Node it needs first on PATH.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * npm settings that only say where npm's cache, configuration files and registry are, or how to
 * reach the registry. They are kept so a nested install uses the same cache and network as the
 * outer one; everything else npm put in the environment is dropped.
 */
export const KEPT_NPM_SETTINGS = [
  'npm_config_cache',
  'npm_config_registry',
  'npm_config_userconfig',
  'npm_config_globalconfig',
  'npm_config_cafile',
  'npm_config_proxy',
  'npm_config_https_proxy',
  'npm_config_noproxy',
  'npm_config_strict_ssl',
];

/** Variables npm sets for scripts that are not prefixed npm_. */
const NPM_SCRIPT_VARIABLES = ['NODE', 'INIT_CWD', 'COLOR'];

/** PATH entries npm prepends for a script: every ancestor's node_modules/.bin and npm's node-gyp shim. */
function isNpmPathEntry(entry) {
  const p = entry.replace(/\/+$/, '');
  return p.endsWith(`${path.sep}node_modules${path.sep}.bin`) || p.endsWith(path.join('@npmcli', 'run-script', 'lib', 'node-gyp-bin'));
}

/**
 * A copy of `base` without npm's script state.
 * @param {object} [options]
 * @param {string} [options.nodeBinDir] folder of the Node the tool needs, put first on PATH
 *   (default: the folder of the Node running this script)
 * @param {Record<string, string>} [options.set] variables to set explicitly (they win)
 * @param {NodeJS.ProcessEnv} [options.base] environment to start from (default: process.env)
 * @returns {Record<string, string>}
 */
export function toolEnv({ nodeBinDir = path.dirname(process.execPath), set = {}, base = process.env } = {}) {
  const env = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue;
    const lower = key.toLowerCase();
    if (lower.startsWith('npm_') && !KEPT_NPM_SETTINGS.includes(lower)) continue;
    if (NPM_SCRIPT_VARIABLES.includes(key)) continue;
    env[key] = value;
  }
  const entries = (base.PATH ?? '').split(path.delimiter).filter((e) => e && !isNpmPathEntry(e));
  // The wanted Node goes first only when PATH would find another one: the order of the rest
  // (e.g. /usr/local/bin before /usr/bin) is the user's.
  const found = entries.map((e) => path.join(e, 'node')).find((f) => existsSync(f));
  const wanted = path.join(nodeBinDir, 'node');
  const same = found !== undefined && existsSync(wanted) && realpathSync(found) === realpathSync(wanted);
  env.PATH = (same ? entries : [nodeBinDir, ...entries.filter((e) => e !== nodeBinDir)]).join(path.delimiter);
  return { ...env, ...set };
}

/** An expected failure (a missing system package, a tool that did not install): one line, no stack. */
export class ToolError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ToolError';
  }
}

/** A ToolError, also one from another copy of this module (tsx may load it twice). */
export const isToolError = (err) => err instanceof Error && err.name === 'ToolError';

/**
 * Makes an uncaught ToolError end the process with one line on stderr (`who: message`) and exit
 * status 1; any other uncaught error is a bug and keeps its stack trace.
 * @param {string} who the command, e.g. 'npm start'
 */
export function reportToolErrors(who) {
  process.on('uncaughtException', (err) => {
    console.error(isToolError(err) ? `${who}: ${err.message}` : err);
    process.exit(1);
  });
}

/**
 * reportToolErrors(who), then runs `main`.
 * @param {string} who
 * @param {() => Promise<unknown>} main
 */
export async function runMain(who, main) {
  reportToolErrors(who);
  return main();
}
