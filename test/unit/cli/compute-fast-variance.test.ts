/**
 * `normlens compute` on Flax layers with use_fast_variance=True (the default): Flax 0.12.8 takes the variance as
 * E[x²]−E[x]² in float32, NormLens exactly, so on data far from zero they differ, and the answer says so in
 * "warnings". Checked against the real Flax (.venv-frameworks): with use_fast_variance=False Flax matches NormLens
 * to float32 rounding, with True it does not on offset data, and the warning is there exactly when the variance is
 * computed the fast way from the input.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { compute } from '../../../src/cli/compute';
import { FRAMEWORKS_PYTHON } from '../venv';

const PY = FRAMEWORKS_PYTHON;

// 2 rows of 8 values around 1000, std about 1: the float32 cancellation of E[x²]−E[x]² is visible.
const DATA = [1000.5, 999.25, 1001.75, 998.5, 1000.125, 1002, 999.875, 1000.625, 999, 1001.5, 1000.25, 998.75, 1001.125, 999.5, 1000.875, 1000];
const INPUT = { shape: [2, 8], data: DATA };

function answer(req: Record<string, unknown>) {
  const a = compute(JSON.stringify(req));
  assert.equal(a.code, 0, a.output);
  return JSON.parse(a.output) as { output: { data: number[] }; warnings?: string[] };
}

/** Flax linen LayerNorm on INPUT, float32, as Flax computes it. */
function flaxLayerNorm(fast: boolean): number[] {
  const script = `
import os, json
os.environ.setdefault('JAX_PLATFORMS', 'cpu')
import numpy as np, jax, jax.numpy as jnp, flax.linen as nn
x = jnp.asarray(np.asarray(${JSON.stringify(DATA)}, np.float32).reshape(2, 8))
m = nn.LayerNorm(use_fast_variance=${fast ? 'True' : 'False'})
v = m.init(jax.random.key(0), x)
print(json.dumps(np.asarray(m.apply(v, x), np.float64).reshape(-1).tolist()))
`;
  const r = spawnSync(PY, ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as number[];
}
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));

describe('normlens compute: Flax use_fast_variance', () => {
  it('warns for the fast variance (the default), not with use_fast_variance=False', () => {
    const fast = answer({ layer: 'flax.linen.LayerNorm', input: INPUT });
    assert.equal(fast.warnings?.length, 1);
    assert.match(fast.warnings![0], /use_fast_variance=True computes the variance as E\[x²\]−E\[x\]² in float32/);
    assert.match(fast.warnings![0], /largest \|mean\|\/std is \d/);
    const exact = answer({ layer: 'flax.linen.LayerNorm', kwargs: { use_fast_variance: false }, input: INPUT });
    assert.equal(exact.warnings, undefined);
    assert.deepEqual(exact.output, fast.output);
  });

  it('warns for a BatchNorm computing batch statistics, not for one using its running averages', () => {
    const x = { shape: [8, 2], data: DATA };
    assert.equal(answer({ layer: 'flax.nnx.BatchNorm', kwargs: { num_features: 2 }, mode: 'train', input: x }).warnings?.length, 1);
    assert.equal(answer({ layer: 'flax.nnx.BatchNorm', kwargs: { num_features: 2 }, mode: 'eval', input: x }).warnings, undefined);
    assert.equal(answer({ layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 2 }, mode: 'train', input: x }).warnings, undefined);
  });

  it('warns for any framework where float32 rounding of the mean shows: |mean|/std beyond a few thousand', () => {
    // torch 2.13's LayerNorm on float32 randn + 1e4 is off the float64 result by 6.7e-3 (a helper's check); ε·|mean|/std here ≈ 1.2e-3
    const far = { shape: [2, 8], data: DATA.map((x) => x - 1000 + 1e4) };
    const t = answer({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 8 }, input: far });
    assert.equal(t.warnings?.length, 1);
    assert.match(t.warnings![0], /^PyTorch computes LayerNorm in float32, whose mean carries a rounding error of about ε·\|mean\|/);
    assert.match(t.warnings![0], /largest \|mean\|\/std is \d+/);
    assert.equal(answer({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 8 }, input: INPUT }).warnings, undefined);
    // (RMSNorm subtracts no mean)
    assert.equal(answer({ layer: 'torch.nn.RMSNorm', kwargs: { normalized_shape: 8 }, input: far }).warnings, undefined);
  });

  it('the real Flax agrees with NormLens exactly when use_fast_variance=False, and not when True', function () {
    this.timeout(120000);
    if (!existsSync(PY)) this.skip();
    const ours = answer({ layer: 'flax.linen.LayerNorm', input: INPUT }).output.data;
    const exactDiff = maxDiff(ours, flaxLayerNorm(false));
    const fastDiff = maxDiff(ours, flaxLayerNorm(true));
    assert.ok(exactDiff < 1e-4, `use_fast_variance=False: ${exactDiff}`);
    assert.ok(fastDiff > 10 * exactDiff && fastDiff > 1e-4, `use_fast_variance=True differs by ${fastDiff} (False: ${exactDiff})`);
  });
});
