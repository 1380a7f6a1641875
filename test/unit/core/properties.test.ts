/**
 * Invariances that must hold exactly (up to float32 rounding of the output), checked on
 * random shapes and data: shift and scale invariance, zero mean / unit variance where the
 * maths promises it, agreement between equivalent layers, and backward against finite
 * differences.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { NormError, Tensor, runLayer, seededSample, statGroupIndex, type LayerParams } from '../../../src/core';
import type { BatchNormSpec, CoreLayerSpec, GroupNormSpec, InstanceNormSpec, LayerNormSpec, RmsNormSpec } from '../../../src/core/spec';

const RUNS = { numRuns: 60 };

/** Values on a 1/64 grid: adding integers and scaling by powers of two stays exact in float32. */
function gridSample(shape: number[], seed: number): Tensor {
  const t = seededSample(shape, seed);
  return new Tensor(
    shape,
    t.data.map((v) => Math.round(v * 64) / 64),
  );
}

const bnSpec = (c: number, eps: number, axis = 1): BatchNormSpec => ({
  kind: 'batch_norm',
  numFeatures: c,
  eps,
  momentum: 0.1,
  hasWeight: true,
  hasBias: true,
  trackRunningStats: true,
  storedVariance: 'unbiased',
  channelAxis: axis,
});
const lnSpec = (k: number[], eps: number): LayerNormSpec => ({
  kind: 'layer_norm',
  normalizedShape: k,
  eps,
  hasWeight: true,
  hasBias: true,
});
const gnSpec = (g: number, c: number, eps: number): GroupNormSpec => ({
  kind: 'group_norm',
  numGroups: g,
  numChannels: c,
  eps,
  hasWeight: true,
  hasBias: true,
  channelAxis: 1,
});
const inSpec = (c: number, eps: number): InstanceNormSpec => ({
  kind: 'instance_norm',
  numFeatures: c,
  eps,
  momentum: 0.1,
  hasWeight: true,
  hasBias: true,
  trackRunningStats: false,
  channelAxis: 1,
  batchedRank: 3,
});
const rmsSpec = (k: number, eps: number): RmsNormSpec => ({ kind: 'rms_norm', normalizedShape: [k], eps, hasWeight: true });

/** A layer on an input of shape [n, c, l] with everything it needs. */
const layerArb = fc
  .record({
    n: fc.integer({ min: 2, max: 4 }),
    g: fc.integer({ min: 1, max: 3 }),
    cg: fc.integer({ min: 1, max: 2 }),
    l: fc.integer({ min: 2, max: 5 }),
    seed: fc.integer(),
    eps: fc.constantFrom(1e-5, 1e-3, 0.5),
    which: fc.constantFrom('bn', 'ln', 'gn', 'in', 'rms'),
  })
  .map(({ n, g, cg, l, seed, eps, which }) => {
    const c = g * cg;
    const spec: CoreLayerSpec =
      which === 'bn'
        ? bnSpec(c, eps)
        : which === 'ln'
          ? lnSpec([c, l], eps)
          : which === 'gn'
            ? gnSpec(g, c, eps)
            : which === 'in'
              ? inSpec(c, eps)
              : rmsSpec(l, eps);
    const nParams = which === 'ln' ? c * l : which === 'rms' ? l : c;
    const params: LayerParams = {
      weight: Float32Array.from(seededSample([nParams], seed + 1).data, (v) => 1 + v / 2),
      bias: which === 'rms' ? null : seededSample([nParams], seed + 2).data,
    };
    return { spec, params, shape: [n, c, l], seed, which };
  });

const out = (spec: CoreLayerSpec, x: Tensor, params?: LayerParams) => runLayer({ spec, mode: 'train', input: x, params }).output.data;

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

describe('core properties', () => {
  it('adding a constant to the input changes nothing (all but RMSNorm)', () => {
    fc.assert(
      fc.property(layerArb, fc.integer({ min: -100000, max: 100000 }), ({ spec, params, shape, seed, which }, shift) => {
        fc.pre(which !== 'rms');
        const x = gridSample(shape, seed);
        const moved = new Tensor(
          shape,
          x.data.map((v) => v + shift),
        );
        assertClose(out(spec, moved, params), out(spec, x, params), 2e-6, 'shifted');
      }),
      RUNS,
    );
  });

  it('scaling input by s and eps by s² changes nothing', () => {
    fc.assert(
      fc.property(layerArb, fc.integer({ min: -12, max: 12 }), ({ spec, params, shape, seed }, k) => {
        const s = 2 ** k;
        const x = gridSample(shape, seed);
        const scaled = new Tensor(
          shape,
          x.data.map((v) => v * s),
        );
        const spec2 = { ...spec, eps: (spec as { eps: number }).eps * s * s } as CoreLayerSpec;
        assertClose(out(spec2, scaled, params), out(spec, x, params), 2e-6, 'scaled');
      }),
      RUNS,
    );
  });

  it('without affine and with eps = 0 every group has mean 0 and variance 1 (RMSNorm: mean square 1)', () => {
    fc.assert(
      fc.property(layerArb, ({ spec, shape, seed, which }) => {
        // checks 'none': PyTorch 2.13 refuses eps = 0 in training; Keras and Flax compute it.
        const plain = { ...spec, eps: 0, hasWeight: false, hasBias: false, checks: 'none' } as CoreLayerSpec;
        const x = gridSample(shape, seed);
        const r = runLayer({ spec: plain, mode: 'train', input: x });
        const stats = r.stats!;
        fc.pre(Array.from(stats.variance).every((v) => v > 1e-4));
        const { groups, index } = statGroupIndex(plain, shape);
        const s = new Float64Array(groups);
        const q = new Float64Array(groups);
        r.output.data.forEach((v, i) => {
          s[index[i]] += v;
          q[index[i]] += v * v;
        });
        for (let g = 0; g < groups; g++) {
          const mean = s[g] / stats.count;
          if (which !== 'rms') assert.ok(Math.abs(mean) < 1e-6, `group ${g} mean ${mean}`);
          const second = q[g] / stats.count;
          assert.ok(Math.abs(second - 1) < 1e-5, `group ${g} second moment ${second}`);
        }
      }),
      RUNS,
    );
  });

  it('GroupNorm with one channel per group is InstanceNorm; BatchNorm channels-last is channels-first transposed', () => {
    fc.assert(
      fc.property(layerArb, ({ shape, seed }) => {
        const [n, c, l] = shape;
        const x = gridSample(shape, seed);
        const p = { weight: seededSample([c], seed + 3).data, bias: seededSample([c], seed + 4).data };
        assertClose(out(gnSpec(c, c, 1e-5), x, p), out(inSpec(c, 1e-5), x, p), 1e-6, 'gn vs in');
        const xt = new Float32Array(x.size);
        for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) for (let k = 0; k < l; k++) xt[(i * l + k) * c + j] = x.data[(i * c + j) * l + k];
        const last = out(bnSpec(c, 1e-5, -1), new Tensor([n, l, c], xt), p);
        const first = out(bnSpec(c, 1e-5, 1), x, p);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < c; j++)
            for (let k = 0; k < l; k++) {
              assert.equal(last[(i * l + k) * c + j], first[(i * c + j) * l + k]);
            }
      }),
      RUNS,
    );
  });

  it('backward matches central finite differences (input, weight, bias)', () => {
    fc.assert(
      fc.property(layerArb, fc.constantFrom<'train' | 'eval'>('train', 'eval'), ({ spec, params, shape, seed }, mode) => {
        const x = seededSample(shape, seed);
        const dy = seededSample(shape, seed + 9).data;
        const state =
          spec.kind === 'batch_norm'
            ? {
                runningMean: seededSample([shape[1]], seed + 5).data,
                runningVar: Float32Array.from(seededSample([shape[1]], seed + 6).data, (v) => 0.5 + Math.abs(v)),
                numBatchesTracked: 2,
              }
            : null;
        const loss = (xx: Float32Array, pp: LayerParams) => {
          const y = runLayer({ spec, mode, input: new Tensor(shape, xx), params: pp, state }).output.data;
          let s = 0;
          for (let i = 0; i < y.length; i++) s += y[i] * dy[i];
          return s;
        };
        const r = runLayer({ spec, mode, input: x, params, state, gradOutput: dy });
        fc.pre(Array.from(r.stats!.variance).every((v) => v > 0.05));
        const check = (vec: Float32Array, grad: Float32Array, rebuild: (v: Float32Array) => number, what: string) => {
          for (let i = 0; i < vec.length; i++) {
            const h = 1e-2;
            const up = vec.slice();
            const down = vec.slice();
            up[i] += h;
            down[i] -= h;
            const fd = (rebuild(up) - rebuild(down)) / (up[i] - down[i]);
            const tol = 2e-3 * Math.max(1, Math.abs(fd));
            assert.ok(Math.abs(fd - grad[i]) <= tol, `${what}[${i}]: analytic ${grad[i]} vs numeric ${fd}`);
          }
        };
        check(x.data, r.grad!.input, (v) => loss(v, params), 'dx');
        check(params.weight!, r.grad!.weight!, (v) => loss(x.data, { ...params, weight: v }), 'dweight');
        if (params.bias) check(params.bias, r.grad!.bias!, (v) => loss(x.data, { ...params, bias: v }), 'dbias');
      }),
      { numRuns: 40 },
    );
  });
});

describe('core robustness', () => {
  const specArb: fc.Arbitrary<CoreLayerSpec> = fc.oneof(
    fc.record({
      kind: fc.constant('batch_norm' as const),
      numFeatures: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
      eps: fc.constantFrom(0, 1e-5, 1),
      momentum: fc.option(fc.constantFrom(0, 0.1, 1), { nil: null }),
      hasWeight: fc.boolean(),
      hasBias: fc.boolean(),
      trackRunningStats: fc.boolean(),
      storedVariance: fc.constantFrom('biased' as const, 'unbiased' as const),
      channelAxis: fc.integer({ min: -4, max: 4 }),
      debiasedEma: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('instance_norm' as const),
      numFeatures: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
      eps: fc.constantFrom(0, 1e-5),
      momentum: fc.option(fc.constant(0.1), { nil: null }),
      hasWeight: fc.boolean(),
      hasBias: fc.boolean(),
      trackRunningStats: fc.boolean(),
      channelAxis: fc.integer({ min: -4, max: 4 }),
      batchedRank: fc.option(fc.integer({ min: 2, max: 5 }), { nil: undefined }),
    }),
    fc.record({
      kind: fc.constant('group_norm' as const),
      numGroups: fc.integer({ min: -2, max: 4 }),
      numChannels: fc.integer({ min: 0, max: 6 }),
      eps: fc.constantFrom(0, 1e-5),
      hasWeight: fc.boolean(),
      hasBias: fc.boolean(),
      channelAxis: fc.integer({ min: -4, max: 4 }),
    }),
    fc.record({
      kind: fc.constant('layer_norm' as const),
      normalizedShape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      eps: fc.constantFrom(0, 1e-5),
      hasWeight: fc.boolean(),
      hasBias: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('rms_norm' as const),
      normalizedShape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      eps: fc.option(fc.constant(1e-6), { nil: null }),
      hasWeight: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('local_response_norm' as const),
      size: fc.integer({ min: -1, max: 6 }),
      alpha: fc.constant(1e-4),
      beta: fc.constant(0.75),
      k: fc.constant(1),
    }),
  );

  it('any spec on any small input either computes a result of the input shape or throws a NormError', () => {
    fc.assert(
      fc.property(
        specArb,
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 5 }),
        fc.constantFrom<'train' | 'eval'>('train', 'eval'),
        fc.boolean(),
        fc.integer(),
        (spec, shape, mode, backward, seed) => {
          const x = seededSample(shape, seed);
          try {
            const r = runLayer({ spec, mode, input: x, gradOutput: backward ? seededSample(shape, seed + 1).data : undefined });
            assert.deepEqual(r.output.shape, shape);
            if (backward) assert.equal(r.grad!.input.length, x.size);
          } catch (e) {
            if (!(e instanceof NormError)) throw e;
            assert.ok(e.message.length > 0);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
