import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { NormError, Tensor, applyWeightLayer, averagingWindow, convertMomentum, countParameters, foldBatchNorm, runLayer, verifyFold } from '../../../src/core';
import type { BatchNormSpec, CoreLayerSpec } from '../../../src/core/spec';
import type { MomentumConvention } from '../../../src/core/conversions';
import { f32, loadGolden, maxDiff, type Num } from './golden';

interface FoldCase {
  id: string;
  convWeight: { shape: number[]; data: Num[] };
  convBias: Num[] | null;
  bn: { weight: Num[]; bias: Num[]; runningMean: Num[]; runningVar: Num[]; eps: number };
  input: { shape: number[]; data: Num[] };
  stride: number;
  padding: number;
  layerOutput: { shape: number[]; data: Num[] };
  layerTol: number;
  expected: { shape: number[]; data: Num[] };
  tol: number;
}
interface CountCase {
  id: string;
  spec: CoreLayerSpec;
  parameters: number;
  buffers: number;
  bytes: number;
  names: string[];
}
const golden = loadGolden<{ fold: FoldCase[]; counts: CountCase[] }>('conversions');

const EPS32 = 2 ** -23;
const foldInputs = (c: FoldCase) => ({
  x: new Tensor(c.input.shape, f32(c.input.data)),
  w: new Tensor(c.convWeight.shape, f32(c.convWeight.data)),
  b: c.convBias ? f32(c.convBias) : null,
  bn: {
    weight: f32(c.bn.weight),
    bias: f32(c.bn.bias),
    runningMean: f32(c.bn.runningMean),
    runningVar: f32(c.bn.runningVar),
    eps: c.bn.eps,
  },
  opts: { stride: c.stride, padding: c.padding },
});

describe('applyWeightLayer (Linear / Conv1d-3d against PyTorch)', () => {
  for (const c of golden.fold) {
    it(c.id, () => {
      const { x, w, b, opts } = foldInputs(c);
      const z = applyWeightLayer(x, w, b, opts);
      assert.deepEqual(z.shape, c.layerOutput.shape);
      assert.ok(maxDiff(z.data, c.layerOutput.data) <= c.layerTol, `max diff ${maxDiff(z.data, c.layerOutput.data)}`);
    });
  }

  it('explains a shape mismatch', () => {
    assert.throws(() => applyWeightLayer(new Tensor([2, 3], new Float32Array(6)), new Tensor([4, 5], new Float32Array(20)), null), /needs input \[\.\.\., 5\]/);
    assert.throws(() => applyWeightLayer(new Tensor([1, 2, 2], new Float32Array(4)), new Tensor([1, 2, 3], new Float32Array(6)), null), /kernel is larger/);
  });
});

describe('foldBatchNorm', () => {
  for (const c of golden.fold) {
    it(`${c.id}: folded layer equals layer followed by eval BatchNorm (PyTorch)`, () => {
      const { x, w, b, bn, opts } = foldInputs(c);
      const folded = foldBatchNorm(w, b, bn);
      assert.deepEqual(folded.weight.shape, c.convWeight.shape);
      const y = applyWeightLayer(x, folded.weight, folded.bias, opts);
      assert.deepEqual(y.shape, c.expected.shape);
      // The folded weights are rounded to float32 once more: allow a few float32 steps on top.
      const scale = Math.max(1, ...Array.from(y.data, Math.abs));
      const d = maxDiff(y.data, c.expected.data);
      assert.ok(d <= c.tol + 8 * EPS32 * scale, `max diff ${d} (tolerance ${c.tol})`);
      const check = verifyFold(x, w, b, bn, opts);
      assert.ok(check.maxAbsDiff <= 16 * EPS32 * scale, `verifyFold ${check.maxAbsDiff}`);
      assert.ok(maxDiff(check.reference.data, c.expected.data) <= c.tol + 8 * EPS32 * scale);
    });
  }

  it('treats a missing bias as zero and rejects mismatched channel counts', () => {
    const w = new Tensor([2, 1], [1, 2]);
    const bn = { weight: null, bias: null, runningMean: f32([1, 1]), runningVar: f32([3, 0]), eps: 1 };
    const f = foldBatchNorm(w, null, bn);
    assert.deepEqual(Array.from(f.weight.data), [0.5, 2]);
    assert.deepEqual(Array.from(f.bias), [-0.5, -1]);
    assert.throws(() => foldBatchNorm(w, f32([1, 2, 3]), bn), /bias has 3 values but the weight has 2 output channels/);
  });
});

describe('momentum conventions', () => {
  const conventions: MomentumConvention[] = ['new-weight', 'old-weight', 'decay-debiased'];

  it('PyTorch 0.1 is Keras/Flax 0.9 and back', () => {
    assert.ok(Math.abs(convertMomentum(0.1, 'new-weight', 'old-weight') - 0.9) < 1e-15);
    assert.ok(Math.abs(convertMomentum(0.99, 'old-weight', 'new-weight') - 0.01) < 1e-15);
    assert.equal(convertMomentum(0.9, 'old-weight', 'decay-debiased'), 0.9);
  });

  it('round-trips between any two conventions', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...conventions), fc.constantFrom(...conventions), (m, a, b) => {
        const there = convertMomentum(m, a, b);
        assert.ok(there >= 0 && there <= 1);
        assert.ok(Math.abs(convertMomentum(there, b, a) - m) < 1e-12);
      }),
    );
  });

  it('a converted momentum gives the same running statistics (core BatchNorm vs the old-weight formula)', () => {
    const spec: BatchNormSpec = {
      kind: 'batch_norm',
      numFeatures: 1,
      eps: 1e-5,
      momentum: convertMomentum(0.99, 'old-weight', 'new-weight'),
      hasWeight: false,
      hasBias: false,
      trackRunningStats: true,
      storedVariance: 'biased',
      channelAxis: -1,
    };
    const r = runLayer({ spec, mode: 'train', input: new Tensor([4, 1], [2, 4, 6, 8]) });
    assert.ok(Math.abs(r.state!.runningMean[0] - (0.99 * 0 + 0.01 * 5)) < 1e-7);
    assert.ok(Math.abs(r.state!.runningVar[0] - (0.99 * 1 + 0.01 * 5)) < 1e-7);
  });

  it('rejects momenta outside [0, 1]', () => {
    assert.throws(() => convertMomentum(1.5, 'new-weight', 'old-weight'), NormError);
    assert.throws(() => convertMomentum(NaN, 'new-weight', 'old-weight'), NormError);
  });
});

describe('averagingWindow', () => {
  it('half-life: a batch weight halves after that many updates', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 0.999999, noNaN: true }), (m) => {
        const { halfLife, effectiveSamples } = averagingWindow(m);
        assert.ok(Math.abs((1 - m) ** halfLife - 0.5) < 1e-9);
        assert.ok(Math.abs(effectiveSamples * m - 1) < 1e-12);
      }),
    );
  });

  it('PyTorch 0.1: half-life ≈ 6.58 batches, about 10 batches', () => {
    const w = averagingWindow(0.1);
    assert.ok(Math.abs(w.halfLife - 6.5788) < 1e-4);
    assert.equal(w.effectiveSamples, 10);
  });

  it('handles the ends', () => {
    assert.deepEqual(averagingWindow(0), { halfLife: Infinity, effectiveSamples: Infinity });
    assert.deepEqual(averagingWindow(1), { halfLife: 0, effectiveSamples: 1 });
    assert.throws(() => averagingWindow(-0.1), NormError);
  });
});

describe('countParameters (PyTorch sum(p.numel()) and buffers)', () => {
  for (const c of golden.counts) {
    it(c.id, () => {
      const r = countParameters(c.spec);
      assert.equal(r.parameters, c.parameters);
      assert.equal(r.buffers, c.buffers);
      assert.equal(r.bytes, c.bytes);
      assert.deepEqual(
        r.detail.map((d) => d.name),
        c.names,
      );
    });
  }

  it('counts float16 bytes with the int64 counter unchanged', () => {
    const spec = golden.counts[0].spec;
    const r = countParameters(spec, 2);
    assert.equal(r.bytes, (r.parameters + r.buffers - 1) * 2 + 8);
  });

  it('leaves out the step counter when asked (averages only)', () => {
    const spec = golden.counts[0].spec;
    const r = countParameters(spec, 4, { batchCounter: false });
    assert.deepEqual(
      r.detail.map((d) => d.name),
      ['weight', 'bias', 'running_mean', 'running_var'],
    );
    assert.equal(r.buffers, 128);
    assert.equal(r.bytes, 256 * 4);
  });

  it('needs the channel count of a lazy layer', () => {
    const lazy = { ...(golden.counts[0].spec as BatchNormSpec), numFeatures: null };
    assert.throws(() => countParameters(lazy), /channel count is not known/);
  });
});
