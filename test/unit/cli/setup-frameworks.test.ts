/**
 * scripts/setup-frameworks.sh, the first step of `npm test`: without local wheels it says so and lets the tests run
 * (exit 0, no venv); with the venv already built it does nothing but say so.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'setup-frameworks.sh');

describe('scripts/setup-frameworks.sh', function () {
  this.timeout(60000);
  it('skips with a clear message and exit 0 when no wheel folder holds the pinned torch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'normlens-setup-'));
    try {
      mkdirSync(join(dir, 'scripts'));
      copyFileSync(SCRIPT, join(dir, 'scripts', 'setup-frameworks.sh'));
      const empty = join(dir, 'no-wheels');
      mkdirSync(empty);
      const r = spawnSync('bash', [join(dir, 'scripts', 'setup-frameworks.sh')], {
        env: { ...process.env, NORMLENS_WHEELS: empty },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /no local wheel folder with torch-2\.13\.0\+cpu \(looked in: .*no-wheels\); skipping\./);
      assert.match(r.stderr, /will skip; set NORMLENS_WHEELS/);
      assert.ok(!existsSync(join(dir, '.venv-frameworks')), 'no venv is created');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves a ready venv alone', function () {
    if (!existsSync(join(ROOT, '.venv-frameworks', '.normlens-stamp'))) this.skip();
    const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /\.venv-frameworks is ready \(torch=2\.13\.0\+cpu keras=3\.15\.1 jax=0\.10\.2 jaxlib=0\.10\.2 flax=0\.12\.8 transformers=5\.17\.0\)/,
    );
  });
});
