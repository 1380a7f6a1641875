import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { activationEvents, contributes } from '../../../scripts/manifest';
import { COMMANDS } from '../../../src/explain/commands';
import { FRAMEWORKS } from '../../../src/frameworks/index';
import { FRAMEWORK_IDS } from '../../../src/frameworks/types';

const root = path.join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('package.json manifest against the source declarations', () => {
  it('contributes exactly what scripts/manifest.ts derives (npm run manifest rewrites it)', () => {
    assert.deepEqual(pkg.contributes, JSON.parse(JSON.stringify(contributes)));
    assert.deepEqual(pkg.activationEvents, activationEvents);
  });

  it('contributes every command of src/explain/commands.ts once, and no other', () => {
    const ids = (pkg.contributes.commands as { command: string }[]).map((c) => c.command);
    assert.deepEqual(
      [...ids].sort(),
      Object.values(COMMANDS)
        .map((c) => c.id)
        .sort(),
    );
    assert.equal(new Set(ids).size, ids.length);
  });

  it('every command the extension registers is declared, and every declared command is registered', () => {
    // The extension host cannot load outside VS Code; its registrations name commands only through COMMANDS.
    const dir = path.join(root, 'src', 'extension');
    const source = readdirSync(dir)
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    assert.doesNotMatch(source, /registerCommand\(\s*['"`]/, 'a command registered by a literal id instead of COMMANDS');
    for (const [name, c] of Object.entries(COMMANDS)) {
      const viaLink = { openPanel: 'OPEN_PANEL_COMMAND', explainLayer: 'EXPLAIN_COMMAND', calculators: 'CALC_LIST_COMMAND' }[name];
      const registered = source.includes(`COMMANDS.${name}.id`) || (viaLink !== undefined && new RegExp(`registerCommand\\(\\s*${viaLink}`).test(source));
      assert.ok(registered, `${c.id} is registered in src/extension`);
    }
  });

  it('the framework table and the preferredFramework setting list the same framework ids', () => {
    assert.deepEqual(
      FRAMEWORKS.map((f) => f.id),
      [...FRAMEWORK_IDS],
    );
    assert.deepEqual(pkg.contributes.configuration.properties['normlens.preferredFramework'].enum, ['auto', ...FRAMEWORK_IDS]);
  });
});
