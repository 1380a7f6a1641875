import { strict as assert } from 'node:assert';
import { NormError, Tensor, defaultParams, defaultState, runLayer, statGroupIndex } from '../../../src/core';
import type { BatchNormSpec, CoreLayerSpec, GroupNormSpec, InstanceNormSpec } from '../../../src/core/spec';

const bn: BatchNormSpec = {
  kind: 'batch_norm',
  numFeatures: 3,
  eps: 1e-5,
  momentum: 0.1,
  hasWeight: true,
  hasBias: true,
  trackRunningStats: true,
  storedVariance: 'unbiased',
  channelAxis: 1,
  allowedRanks: [4],
  layerName: 'BatchNorm2d',
};
const gn: GroupNormSpec = { kind: 'group_norm', numGroups: 2, numChannels: 4, eps: 1e-5, hasWeight: true, hasBias: true, channelAxis: 1 };
const inorm: InstanceNormSpec = {
  kind: 'instance_norm',
  numFeatures: 2,
  eps: 1e-5,
  momentum: 0.1,
  hasWeight: false,
  hasBias: false,
  trackRunningStats: true,
  channelAxis: 1,
  batchedRank: 3,
};
const isError = (type: string, pattern: RegExp) => (e: unknown) => e instanceof NormError && e.type === type && pattern.test(e.message);

describe('statGroupIndex', () => {
  it('BatchNorm: one group per channel', () => {
    const { groups, index } = statGroupIndex(bn, [2, 3, 1, 2]);
    assert.equal(groups, 3);
    assert.deepEqual(Array.from(index), [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
  });

  it('BatchNorm channels-last: the last index', () => {
    const { groups, index } = statGroupIndex({ ...bn, channelAxis: -1, allowedRanks: undefined }, [2, 2, 3]);
    assert.equal(groups, 3);
    assert.deepEqual(Array.from(index), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  it('GroupNorm: per (n, g); InstanceNorm: per (n, c), unbatched too', () => {
    assert.deepEqual(Array.from(statGroupIndex(gn, [2, 4, 1]).index), [0, 0, 1, 1, 2, 2, 3, 3]);
    assert.deepEqual(Array.from(statGroupIndex(inorm, [2, 2, 2]).index), [0, 0, 1, 1, 2, 2, 3, 3]);
    assert.deepEqual(statGroupIndex(inorm, [2, 3]).groups, 2);
  });

  it('LayerNorm and RMSNorm: per leading index', () => {
    const ln: CoreLayerSpec = { kind: 'layer_norm', normalizedShape: [2, 2], eps: 1e-5, hasWeight: true, hasBias: true };
    const { groups, index } = statGroupIndex(ln, [3, 2, 2]);
    assert.equal(groups, 3);
    assert.deepEqual(Array.from(index), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  });

  it('matches the statistics runLayer reports', () => {
    const x = new Tensor(
      [2, 4, 3],
      Array.from({ length: 24 }, (_, i) => (i * 7) % 11),
    );
    const r = runLayer({ spec: gn, mode: 'train', input: x });
    const { groups, index } = statGroupIndex(gn, x.shape);
    const sums = new Float64Array(groups);
    x.data.forEach((v, i) => (sums[index[i]] += v));
    sums.forEach((s, g) => assert.ok(Math.abs(s / r.stats!.count - r.stats!.mean[g]) < 1e-12));
  });
});

describe('defaultParams / defaultState', () => {
  it('ones and zeros of the channel count, as PyTorch initializes them', () => {
    const p = defaultParams(bn, [2, 3, 4, 4]);
    assert.deepEqual(Array.from(p.weight!), [1, 1, 1]);
    assert.deepEqual(Array.from(p.bias!), [0, 0, 0]);
    const s = defaultState(bn, [2, 3, 4, 4])!;
    assert.deepEqual([Array.from(s.runningMean), Array.from(s.runningVar), s.numBatchesTracked], [[0, 0, 0], [1, 1, 1], 0]);
  });

  it('null where the layer has none', () => {
    assert.deepEqual(defaultParams(inorm, [2, 2, 3]), { weight: null, bias: null });
    assert.equal(defaultState({ ...bn, trackRunningStats: false }, [2, 3, 2, 2]), null);
    assert.equal(defaultState(gn, [2, 4]), null);
    const rms: CoreLayerSpec = { kind: 'rms_norm', normalizedShape: [5], eps: null, hasWeight: true };
    assert.equal(defaultParams(rms, [2, 5]).weight!.length, 5);
    assert.equal(defaultParams(rms, [2, 5]).bias, null);
  });

  it('a lazy BatchNorm takes its channels from the input; a debiased EMA starts at zero', () => {
    const lazy = { ...bn, numFeatures: null, debiasedEma: true };
    assert.equal(defaultParams(lazy, [2, 5, 1, 1]).weight!.length, 5);
    assert.deepEqual(Array.from(defaultState(lazy, [2, 5, 1, 1])!.runningVar), [0, 0, 0, 0, 0]);
  });
});

describe('runLayer input checks', () => {
  const x = new Tensor(
    [2, 3, 1, 2],
    Array.from({ length: 12 }, (_, i) => i),
  );

  it('rejects a gradOutput of the wrong size', () => {
    assert.throws(
      () => runLayer({ spec: bn, mode: 'train', input: x, gradOutput: new Float32Array(5) }),
      isError('InputError', /gradOutput has 5 values but the output has 12/),
    );
  });

  it('rejects a state with the wrong channel count in PyTorch words', () => {
    const state = { runningMean: new Float32Array(4), runningVar: new Float32Array(4), numBatchesTracked: 0 };
    assert.throws(() => runLayer({ spec: bn, mode: 'eval', input: x, state }), isError('RuntimeError', /running_mean should contain 3 elements not 4/));
  });

  it('rejects an unknown mode and a bad counter', () => {
    assert.throws(() => runLayer({ spec: bn, mode: 'test' as 'train', input: x }), isError('InputError', /mode must be/));
    const state = { runningMean: new Float32Array(3), runningVar: new Float32Array(3), numBatchesTracked: -1 };
    assert.throws(() => runLayer({ spec: bn, mode: 'train', input: x, state }), isError('InputError', /num_batches_tracked/));
  });

  it("an empty normalized_shape is refused at the forward, with torch 2.13's words (LayerNorm and RMSNorm)", () => {
    for (const spec of [
      { kind: 'layer_norm', normalizedShape: [], eps: 1e-5, hasWeight: true, hasBias: true },
      { kind: 'rms_norm', normalizedShape: [], eps: null, hasWeight: true },
    ] as CoreLayerSpec[])
      assert.throws(
        () => runLayer({ spec, mode: 'train', input: new Tensor([2], [5, 6]) }),
        isError(
          'RuntimeError',
          /^Expected normalized_shape to be at least 1-dimensional, i\.e\., containing at least one element, but got normalized_shape = \[\]$/,
        ),
      );
  });

  it("RMSNorm uses torch's rms_norm wording for a shape mismatch (`[*3]`, golden err_rms_shape_mismatch) and eps=None is float32 epsilon", () => {
    const rms: CoreLayerSpec = { kind: 'rms_norm', normalizedShape: [3], eps: null, hasWeight: false };
    assert.throws(
      () => runLayer({ spec: rms, mode: 'train', input: new Tensor([2, 4], new Float32Array(8)) }),
      isError('RuntimeError', /^Given normalized_shape=\[3\], expected input with shape \[\*3\], but got input of size\[2, 4\]$/),
    );
    const zero = runLayer({ spec: rms, mode: 'train', input: new Tensor([1, 3], [1e-4, 0, 0]) });
    // 1e-4 / sqrt(1e-8/3 + 2^-23)
    assert.ok(Math.abs(zero.output.data[0] - 1e-4 / Math.sqrt(1e-8 / 3 + 2 ** -23)) < 1e-6);
  });

  it('InstanceNorm running statistics never advance num_batches_tracked', () => {
    const r = runLayer({ spec: inorm, mode: 'train', input: new Tensor([1, 2, 3], [1, 2, 3, 4, 6, 8]) });
    assert.equal(r.state!.numBatchesTracked, 0);
    assert.ok(Math.abs(r.state!.runningMean[1] - 0.6) < 1e-7);
    assert.ok(Math.abs(r.state!.runningVar[1] - (0.9 + 0.1 * 4)) < 1e-6);
  });
});

describe('runLayer purity and parameter checks', () => {
  it('leaves the given input, parameters and state untouched', () => {
    const spec: BatchNormSpec = {
      kind: 'batch_norm',
      numFeatures: 2,
      eps: 1e-5,
      momentum: 0.1,
      hasWeight: true,
      hasBias: true,
      trackRunningStats: true,
      storedVariance: 'unbiased',
      channelAxis: 1,
    };
    const x = new Tensor([3, 2], [1, 2, 3, 5, 8, 13]);
    const params = { weight: Float32Array.from([2, 3]), bias: Float32Array.from([1, -1]) };
    const state = { runningMean: Float32Array.from([0.5, 1]), runningVar: Float32Array.from([2, 3]), numBatchesTracked: 4 };
    const snapshot = JSON.stringify([
      Array.from(x.data),
      Array.from(params.weight),
      Array.from(params.bias),
      Array.from(state.runningMean),
      Array.from(state.runningVar),
      state.numBatchesTracked,
    ]);
    const r = runLayer({ spec, mode: 'train', input: x, params, state, gradOutput: Float32Array.from([1, 0, 0, 1, 1, 0]) });
    assert.equal(
      JSON.stringify([
        Array.from(x.data),
        Array.from(params.weight),
        Array.from(params.bias),
        Array.from(state.runningMean),
        Array.from(state.runningVar),
        state.numBatchesTracked,
      ]),
      snapshot,
    );
    assert.notEqual(r.state!.runningMean, state.runningMean);
    assert.equal(r.state!.numBatchesTracked, 5);
  });

  it('LayerNorm parameters of the wrong size get PyTorch wording', () => {
    const spec: CoreLayerSpec = { kind: 'layer_norm', normalizedShape: [4], eps: 1e-5, hasWeight: true, hasBias: true };
    assert.throws(
      () => runLayer({ spec, mode: 'train', input: new Tensor([2, 4], new Float32Array(8)), params: { weight: new Float32Array(5) } }),
      isError('RuntimeError', /^Expected weight to be of same shape as normalized_shape, but got weight of shape \[5\] and normalized_shape = \[4\]$/),
    );
  });
});
