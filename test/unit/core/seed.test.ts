/**
 * The two worked examples NormLens shows first, with PyTorch 1.13's numbers (nn.BatchNorm1d /
 * nn.LayerNorm, eps 1e-5) written out, and checked against the stored golden cases too.
 */
import { strict as assert } from 'node:assert';
import { Tensor, runLayer } from '../../../src/core';
import type { BatchNormSpec, LayerNormSpec } from '../../../src/core/spec';
import { loadGolden, maxDiff } from './golden';

const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-4) => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
};

const bn = (channels: number, channelAxis: number): BatchNormSpec => ({
  kind: 'batch_norm',
  numFeatures: channels,
  eps: 1e-5,
  momentum: 0.1,
  hasWeight: true,
  hasBias: true,
  trackRunningStats: true,
  storedVariance: 'unbiased',
  channelAxis,
});

/** [batch=4, seq=3, dim=2]: batch b is [[b, b+1], [b+2, b+3], [b+4, b+5]] for b = 1..4. */
const seqExample = () => {
  const data: number[] = [];
  for (let b = 1; b <= 4; b++) for (let s = 0; s < 3; s++) for (let d = 0; d < 2; d++) data.push(b + 2 * s + d);
  return new Tensor([4, 3, 2], data);
};

describe('seed examples', () => {
  it('BatchNorm of [2, 4, 6, 8] is ±1.3416, ±0.4472 (mean 5, variance 5)', () => {
    const r = runLayer({ spec: bn(1, 1), mode: 'train', input: new Tensor([4, 1], [2, 4, 6, 8]) });
    close(r.output.data, [-1.3416392803192139, -0.4472130537033081, 0.44721323251724243, 1.341639518737793]);
    assert.equal(r.stats!.mean[0], 5);
    assert.equal(r.stats!.variance[0], 5);
    // running: 0.9·0 + 0.1·5 and 0.9·1 + 0.1·(20/3) (unbiased)
    close(r.state!.runningMean, [0.5], 1e-7);
    close(r.state!.runningVar, [1.5666667], 1e-6);
    assert.equal(r.state!.numBatchesTracked, 1);
  });

  it('BatchNorm over batch and sequence, per feature', () => {
    const r = runLayer({ spec: bn(2, -1), mode: 'train', input: seqExample() });
    const perFeature = [-1.768517, -0.757936, 0.252645, -1.263226, -0.252645, 0.757936, -0.757936, 0.252645, 1.263226, -0.252645, 0.757936, 1.768517];
    close(
      r.output.data,
      perFeature.flatMap((v) => [v, v]),
    );
    assert.deepEqual(Array.from(r.stats!.mean), [4.5, 5.5]);
    close(r.state!.runningMean, [0.45, 0.55], 1e-6);
    close(r.state!.runningVar, [1.327273, 1.327273], 1e-5);
  });

  it('LayerNorm over dim gives ±0.99998 for every position', () => {
    const spec: LayerNormSpec = { kind: 'layer_norm', normalizedShape: [2], eps: 1e-5, hasWeight: true, hasBias: true };
    const r = runLayer({ spec, mode: 'train', input: seqExample() });
    close(
      r.output.data,
      Array.from({ length: 24 }, (_, i) => (i % 2 ? 0.99998 : -0.99998)),
    );
    assert.equal(r.stats!.mean.length, 12);
    assert.deepEqual(Array.from(r.stats!.variance), new Array(12).fill(0.25));
  });

  it('the same examples are golden cases computed by PyTorch', () => {
    for (const [family, id] of [
      ['batch_norm', 'seed_bn_2468'],
      ['batch_norm', 'seed_bn_batch_seq_per_feature'],
      ['layer_norm', 'seed_ln_over_dim'],
    ] as const) {
      const c = loadGolden(family).cases.find((k) => k.id === id)!;
      const r = runLayer({ spec: c.spec, mode: c.mode, input: new Tensor(c.input.shape, c.input.data as number[]) });
      assert.ok(maxDiff(r.output.data, c.expected!.output) <= c.tol!.output, id);
    }
  });
});
