import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
// @ts-expect-error: plain ES module without type declarations
import { toolEnv } from '../../../scripts/tool-env.mjs';

type Env = Record<string, string>;
const NPM_BIN = '/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin';

describe('the environment of nested tools (scripts/tool-env.mjs)', () => {
  const base: Env = {
    HOME: '/home/u',
    PATH: ['/repo/node_modules/.bin', '/node_modules/.bin', NPM_BIN, '/home/u/bin', path.dirname(process.execPath), '/bin'].join(':'),
    npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
    npm_config_nodedir: '/usr',
    npm_config_prefix: '/usr',
    npm_config_cache: '/home/u/.npm',
    npm_config_registry: 'https://registry.example/',
    npm_lifecycle_event: 'start',
    npm_package_name: 'normlens',
    npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
    NPM_CONFIG_LOGLEVEL: 'silly',
    NODE: '/usr/bin/node',
    INIT_CWD: '/repo',
  };

  it("drops npm's script state and keeps where the cache and registry are", () => {
    const env: Env = toolEnv({ base });
    assert.deepEqual(Object.keys(env).sort(), ['HOME', 'PATH', 'npm_config_cache', 'npm_config_registry']);
    assert.equal(env.PATH, ['/home/u/bin', path.dirname(process.execPath), '/bin'].join(':'));
  });

  it('puts the wanted Node first only when PATH would find another', () => {
    const other = '/opt/node24/bin';
    assert.equal(toolEnv({ base, nodeBinDir: other }).PATH, [other, '/home/u/bin', path.dirname(process.execPath), '/bin'].join(':'));
    assert.equal(toolEnv({ base, set: { TMPDIR: '/t', HOME: '/h' } }).HOME, '/h');
  });

  it("keeps a nested npm from taking the outer npm's user agent (the cause of code-server's refusal)", () => {
    const polluted = { ...process.env, npm_config_user_agent: 'npm/0.0.0 node/v0.0.0 linux x64' };
    const ask = (env: NodeJS.ProcessEnv) => spawnSync('npm', ['config', 'get', 'user-agent'], { env, encoding: 'utf8' }).stdout.trim();
    assert.match(ask(polluted), /node\/v0\.0\.0/);
    // npm's own default: a template it fills in with the Node it runs on.
    assert.equal(ask(toolEnv({ base: polluted })), 'npm/{npm-version} node/{node-version} {platform} {arch} workspaces/{workspaces} {ci}');
  });
});
