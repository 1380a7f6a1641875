/**
 * `normlens compute` against the real frameworks: every request in test/fixtures/golden-frameworks (written by
 * scripts/gen_golden_frameworks.py from torch 2.13, Keras 3.15.1 on JAX, Flax 0.12.8 linen and nnx, and JAX 0.10.2)
 * is sent as it is, in the framework's own names, and the answer must match the framework's float32 result within
 * the tolerance its own float32-vs-float64 gap gives, and its float64 result within a few float32 steps; where the
 * framework raises, the answer is the same exception type and message. When .venv-frameworks exists, the fixtures
 * are regenerated and compared (up to float32 rounding) so that a generator change cannot go unnoticed.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compute } from '../../../src/cli/compute';
import { maxDiff, type Num } from '../core/golden';
import { FRAMEWORKS_PYTHON } from '../venv';

interface Answer {
  output: { shape: number[]; data: Num[] };
  state: Record<string, Num[] | number> | null;
}
interface FrameworkCase {
  id: string;
  request: Record<string, unknown>;
  error?: { type: string; message: string };
  expected?: Answer;
  tol?: { output: number; state?: number };
  reference64?: { output: Num[]; state: Record<string, Num[] | number> | null };
  tol64?: { output: number; state?: number };
}

const ROOT = join(__dirname, '..', '..', '..');
const DIR = join(ROOT, 'test', 'fixtures', 'golden-frameworks');
const FILES = ['pytorch', 'keras', 'flax_linen', 'flax_nnx', 'jax'];
const LABEL: Record<string, string> = {
  pytorch: 'torch 2.13',
  keras: 'Keras 3.15.1 (JAX backend)',
  flax_linen: 'Flax 0.12.8 linen',
  flax_nnx: 'Flax 0.12.8 nnx',
  jax: 'JAX 0.10.2',
};
const load = (dir: string, f: string) => JSON.parse(readFileSync(join(dir, `${f}.json`), 'utf8')) as { meta: Record<string, string>; cases: FrameworkCase[] };

function within(what: string, actual: Num[], expected: Num[], tol: number) {
  const d = maxDiff(
    actual.map((v) => (typeof v === 'number' ? v : Number(v))),
    expected,
  );
  assert.ok(d <= tol, `${what}: max |diff| ${d} exceeds ${tol}\n actual   ${actual.slice(0, 6)}\n expected ${expected.slice(0, 6)}`);
}

function compareState(label: string, got: Answer['state'], want: Answer['state'], tol: number) {
  if (want === null) return assert.equal(got, null, `${label}: no running statistics expected`);
  assert.ok(got, `${label}: running statistics expected`);
  assert.deepEqual(Object.keys(got!).sort(), Object.keys(want).sort(), `${label}: state names`);
  for (const [k, v] of Object.entries(want)) {
    if (typeof v === 'number') assert.equal(got![k], v, `${label}: ${k}`);
    else within(`${label} ${k}`, got![k] as Num[], v, tol);
  }
}

for (const file of FILES) {
  const { cases } = load(DIR, file);
  describe(`normlens compute against ${LABEL[file]}`, () => {
    it('has cases, including errors and non-errors', () => {
      assert.ok(cases.length >= 3);
    });
    for (const c of cases) {
      it(c.id, () => {
        const answer = compute(JSON.stringify(c.request));
        const res = JSON.parse(answer.output);
        if (c.error) {
          assert.equal(answer.code, 2, `${c.id}: the framework raises, NormLens answered ${answer.output}`);
          assert.deepEqual(res.error, c.error, c.id);
          return;
        }
        assert.equal(answer.code, 0, `${c.id}: ${answer.output}`);
        assert.deepEqual(res.output.shape, c.expected!.output.shape, `${c.id}: shape`);
        within(`${c.id} output vs float32`, res.output.data, c.expected!.output.data, c.tol!.output);
        within(`${c.id} output vs float64`, res.output.data, c.reference64!.output, c.tol64!.output);
        compareState(`${c.id} vs float32`, res.state, c.expected!.state, c.tol!.state ?? 0);
        compareState(`${c.id} vs float64`, res.state, c.reference64!.state, c.tol64!.state ?? 0);
      });
    }
  });
}

describe('framework golden fixtures are up to date', function () {
  const PY = FRAMEWORKS_PYTHON;
  it('regenerating with the real frameworks reproduces every committed file', function () {
    if (!existsSync(PY)) this.skip(); // npm test creates the venv with scripts/setup-frameworks.sh
    this.timeout(300000);
    const out = mkdtempSync(join(tmpdir(), 'normlens-fw-golden-'));
    try {
      const r = spawnSync(PY, [join(ROOT, 'scripts', 'gen_golden_frameworks.py')], {
        env: { ...process.env, NORMLENS_GOLDEN_OUT: out },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readdirSync(out).sort(), readdirSync(DIR).sort());
      for (const f of FILES) {
        const fresh = load(out, f);
        const kept = load(DIR, f);
        assert.deepEqual(fresh.meta, kept.meta, `${f}: versions`);
        assert.deepEqual(
          fresh.cases.map((c) => c.id),
          kept.cases.map((c) => c.id),
          `${f}: cases`,
        );
        fresh.cases.forEach((c, i) => {
          const k = kept.cases[i];
          assert.deepEqual(c.request, k.request, `${f}/${c.id}: request`);
          assert.deepEqual(c.error, k.error, `${f}/${c.id}: error`);
          if (!k.expected) return;
          // Computed values may differ by float32 rounding (kernels vary with the CPU), within the stored tolerance.
          within(`${f}/${c.id} output`, c.expected!.output.data, k.expected.output.data, k.tol!.output);
          compareState(`${f}/${c.id}`, c.expected!.state, k.expected.state, k.tol!.state ?? 0);
        });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
