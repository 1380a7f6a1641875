/**
 * The committed fixtures are exactly what scripts/gen_golden.py writes with the installed
 * PyTorch: a change to the generator without regenerating (or a hand edit) fails here.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GOLDEN_DIR } from './golden';
import { FRAMEWORKS_PYTHON } from '../venv';

const PYTHON = FRAMEWORKS_PYTHON;
const SCRIPT = join(__dirname, '..', '..', '..', 'scripts', 'gen_golden.py');

function torchVersion(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const NUMERIC_KEYS = new Set(['expected', 'reference64', 'layerOutput']);
const TOLERANCE_KEYS = new Set(['tol', 'tol64', 'layerTol']);

/**
 * Cases, inputs, specs and error messages must match exactly; computed values may differ by
 * float32 rounding (PyTorch's kernels vary with the CPU's vector width), within the stored
 * tolerance. Tolerances themselves are measured, so only their presence is compared.
 */
function sameUpToRounding(fresh: unknown, kept: unknown, where: string, tol = 0): void {
  if (typeof fresh === 'number' || typeof kept === 'number') {
    assert.ok(typeof fresh === 'number' && typeof kept === 'number', `${where}: ${fresh} vs ${kept}`);
    assert.ok(Math.abs(fresh - kept) <= tol, `${where}: ${fresh} vs ${kept} (allowed ${tol})`);
    return;
  }
  if (Array.isArray(fresh) || Array.isArray(kept)) {
    assert.ok(Array.isArray(fresh) && Array.isArray(kept) && fresh.length === kept.length, `${where}: length differs`);
    fresh.forEach((v, i) => sameUpToRounding(v, kept[i], `${where}[${i}]`, tol));
    return;
  }
  if (fresh && kept && typeof fresh === 'object' && typeof kept === 'object') {
    const a = fresh as Record<string, unknown>;
    const b = kept as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${where}: fields differ`);
    for (const k of Object.keys(a)) {
      if (TOLERANCE_KEYS.has(k)) continue;
      let t = tol;
      if (NUMERIC_KEYS.has(k)) {
        const stored = k === 'expected' ? b.tol : k === 'reference64' ? b.tol64 : b.layerTol;
        t = typeof stored === 'number' ? stored : Math.max(...Object.values(stored as Record<string, number>));
      }
      sameUpToRounding(a[k], b[k], `${where}.${k}`, t);
    }
    return;
  }
  assert.deepEqual(fresh, kept, `${where} differs`);
}

describe('golden fixtures are up to date', function () {
  this.timeout(120000);
  const version = torchVersion();

  it('regenerating with PyTorch reproduces every committed file', function () {
    if (!version) {
      // npm test sets up .venv-frameworks (scripts/setup-frameworks.sh); without it the fixtures are still used by the other tests.
      this.skip();
    }
    const out = mkdtempSync(join(tmpdir(), 'normlens-golden-'));
    try {
      const r = spawnSync(PYTHON, [SCRIPT], { env: { ...process.env, NORMLENS_GOLDEN_OUT: out }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const committed = readdirSync(GOLDEN_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort();
      assert.deepEqual(readdirSync(out).sort(), committed);
      for (const f of committed) {
        const fresh = JSON.parse(readFileSync(join(out, f), 'utf8'));
        const kept = JSON.parse(readFileSync(join(GOLDEN_DIR, f), 'utf8'));
        sameUpToRounding(fresh, kept, f);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
