import { strict as assert } from 'node:assert';
import { runLayer, Tensor, type CoreLayerSpec, type RunResult } from '../../../src/core';
import { fastUsage, setFastMode, wasmKernels, type FastMode } from '../../../src/core/fast';
import { batchNormTrainJs, layerNormJs, rmsNormJs } from '../../../src/core/fast/js';

/** Deterministic uniform generator (xorshift32), so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function data(n: number, seed: number, offset: number, scale: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => offset + scale * normal(r));
}

const bnSpec = (c: number, eps = 1e-5): CoreLayerSpec => ({
  kind: 'batch_norm',
  numFeatures: c,
  eps,
  momentum: 0.1,
  hasWeight: true,
  hasBias: true,
  trackRunningStats: true,
  storedVariance: 'unbiased',
  channelAxis: 1,
});
const lnSpec = (cols: number, eps = 1e-5): CoreLayerSpec => ({ kind: 'layer_norm', normalizedShape: [cols], eps, hasWeight: true, hasBias: true });
const rmsSpec = (cols: number): CoreLayerSpec => ({ kind: 'rms_norm', normalizedShape: [cols], eps: null, hasWeight: true });

function run(mode: FastMode, spec: CoreLayerSpec, shape: number[], x: Float32Array, weight?: Float32Array, bias?: Float32Array): RunResult {
  setFastMode(mode);
  try {
    return runLayer({ spec, mode: 'train', input: new Tensor(shape, x.slice()), params: { weight, bias } });
  } finally {
    setFastMode('auto');
  }
}

/**
 * Fast result against the reference path: outputs within a few float32 ulps of the output
 * scale, statistics within float64-accumulation noise of the data's own spread.
 */
function assertClose(fast: RunResult, ref: RunResult, label: string) {
  const a = fast.output.data;
  const b = ref.output.data;
  assert.equal(a.length, b.length);
  let scale = 1;
  for (const v of b) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i])) {
      assert.ok(Number.isNaN(a[i]), `${label}: output[${i}] ${a[i]}, reference NaN`);
      continue;
    }
    assert.ok(Math.abs(a[i] - b[i]) <= 4e-6 * scale, `${label}: output[${i}] ${a[i]} vs reference ${b[i]}`);
  }
  const fs = fast.stats!;
  const rs = ref.stats!;
  assert.equal(fs.count, rs.count);
  for (let g = 0; g < rs.mean.length; g++) {
    if (!Number.isFinite(rs.mean[g]) || !Number.isFinite(rs.variance[g])) {
      assert.ok(Object.is(fs.mean[g], rs.mean[g]) && Object.is(fs.variance[g], rs.variance[g]), `${label}: non-finite stats of group ${g}`);
      continue;
    }
    const spread = Math.sqrt(rs.variance[g]) + 1e-30;
    assert.ok(Math.abs(fs.mean[g] - rs.mean[g]) <= 1e-6 * spread + 1e-15 * Math.abs(rs.mean[g]), `${label}: mean[${g}] ${fs.mean[g]} vs ${rs.mean[g]}`);
    assert.ok(Math.abs(fs.variance[g] - rs.variance[g]) <= 1e-5 * rs.variance[g] + 1e-30, `${label}: variance[${g}] ${fs.variance[g]} vs ${rs.variance[g]}`);
  }
}

const MODES: FastMode[] = wasmKernels() ? ['wasm', 'js'] : ['js'];

describe('fast norm kernels against the reference path', () => {
  it('WebAssembly SIMD is available in this runtime (Node 20+)', () => {
    assert.ok(wasmKernels(), 'WebAssembly SIMD kernels failed to instantiate');
  });

  for (const mode of MODES) {
    describe(`${mode} backend`, () => {
      const offsets = [0, 1e4, 1e6, -3e5];
      it('BatchNorm training on random shapes, offsets up to 1e6', () => {
        const r = rng(11);
        for (let t = 0; t < 24; t++) {
          const n = 1 + Math.floor(r() * 4);
          const c = 1 + Math.floor(r() * 5);
          const s = 16 + Math.floor(r() * 90); // planes of 16+ values take the fast path
          const off = offsets[t % offsets.length];
          const x = data(n * c * s, 100 + t, off, 0.5 + r() * 3);
          const w = data(c, 200 + t, 1, 0.3);
          const b = data(c, 300 + t, 0, 1);
          const before = fastUsage().served;
          const fast = run(mode, bnSpec(c), [n, c, s], x, w, b);
          assert.equal(fastUsage().served, before + 1, 'fast path used');
          assertClose(fast, run('off', bnSpec(c), [n, c, s], x, w, b), `bn ${mode} [${n},${c},${s}] offset ${off}`);
          // running statistics come from the same batch statistics
          const ref = run('off', bnSpec(c), [n, c, s], x, w, b);
          for (let k = 0; k < c; k++) {
            assert.ok(Math.abs(fast.state!.runningVar[k] - ref.state!.runningVar[k]) <= 1e-5 * Math.abs(ref.state!.runningVar[k]) + 1e-6);
          }
        }
      });

      it('LayerNorm and RMSNorm on random row lengths (SIMD tails included), offsets up to 1e6', () => {
        const r = rng(12);
        for (let t = 0; t < 30; t++) {
          const rows = 1 + Math.floor(r() * 9);
          const cols = 2 + Math.floor(r() * 300);
          const off = offsets[t % offsets.length];
          const x = data(rows * cols, 400 + t, off, 0.1 + r() * 5);
          const w = data(cols, 500 + t, 1, 0.3);
          const b = data(cols, 600 + t, 0, 1);
          assertClose(
            run(mode, lnSpec(cols), [rows, cols], x, w, b),
            run('off', lnSpec(cols), [rows, cols], x, w, b),
            `ln ${mode} [${rows},${cols}] offset ${off}`,
          );
          const fr = run(mode, rmsSpec(cols), [rows, cols], x, w);
          const rr = run('off', rmsSpec(cols), [rows, cols], x, w);
          assertClose(fr, rr, `rms ${mode} [${rows},${cols}] offset ${off}`);
        }
      });

      it('constant channels and rows give exactly zero variance and return the bias', () => {
        for (const off of [0, 3.25, 1e4, 1e6, -7e5]) {
          const x = new Float32Array(2 * 3 * 40).fill(off);
          const b = Float32Array.from([0.5, -1, 2]);
          const fast = run(mode, bnSpec(3), [2, 3, 40], x, undefined, b);
          assert.deepEqual(Array.from(fast.stats!.variance), [0, 0, 0]);
          assert.deepEqual(Array.from(fast.stats!.mean), [off, off, off].map(Math.fround));
          for (let i = 0; i < x.length; i++) assert.equal(fast.output.data[i], b[Math.floor(i / 40) % 3]);
          const lb = data(40, 7, 0, 1);
          const ln = run(mode, lnSpec(40), [6, 40], x, undefined, lb);
          assert.deepEqual(Array.from(ln.stats!.variance), new Array(6).fill(0));
          for (let i = 0; i < x.length; i++) assert.equal(ln.output.data[i], lb[i % 40]);
        }
      });

      it('tiny spread on a large offset: shifted sums keep the variance', () => {
        // 1e4 + k·2^-10: float32 holds these exactly; E[x²] − E[x]² in float32 would return 0 or garbage.
        const cols = 257;
        const x = Float32Array.from({ length: 3 * cols }, (_, i) => 1e4 + ((i * 37) % 11) * 2 ** -10);
        const fast = run(mode, lnSpec(cols), [3, cols], x);
        const ref = run('off', lnSpec(cols), [3, cols], x);
        assertClose(fast, ref, `ln ${mode} tiny spread`);
        assert.ok(ref.stats!.variance[0] > 1e-6);
        const bn = run(mode, bnSpec(3), [1, 3, cols], x);
        assertClose(bn, run('off', bnSpec(3), [1, 3, cols], x), `bn ${mode} tiny spread`);
      });

      it('a first block far from the mean (sorted data, leading outliers) re-centres and stays exact', () => {
        const cols = 512;
        const sorted = Float32Array.from({ length: cols }, (_, i) => 1e5 + i * 0.01);
        const outliers = data(cols, 9, 0, 1);
        for (let i = 0; i < 16; i++) outliers[i] = 1e6;
        const spiky = data(cols, 10, 2e5, 1e-2);
        spiky.fill(-2e5, 0, 16);
        const x = new Float32Array(3 * cols);
        x.set(sorted, 0);
        x.set(outliers, cols);
        x.set(spiky, 2 * cols);
        assertClose(run(mode, lnSpec(cols), [3, cols], x), run('off', lnSpec(cols), [3, cols], x), `ln ${mode} adversarial`);
        assertClose(run(mode, bnSpec(3), [1, 3, cols], x), run('off', bnSpec(3), [1, 3, cols], x), `bn ${mode} adversarial`);
        assertClose(run(mode, rmsSpec(cols), [3, cols], x), run('off', rmsSpec(cols), [3, cols], x), `rms ${mode} adversarial`);
      });

      it('a long group whose first values sit far from the rest needs the second centring pass', () => {
        // The first 16 values (the first shift) sit 50-150 away from the other 99984, so E[d²] is
        // ~6000 times the variance: one shifted pass would lose about four digits of it.
        const cols = 100000;
        const rows = 3; // the first row and the following ones take different routes through the kernel
        const x = data(rows * cols, 41, 1e4, 0.1);
        for (let r = 0; r < rows; r++) x.fill(1e4 + 50 * (r + 1), r * cols, r * cols + 16);
        const shape = [rows, cols];
        assertClose(run(mode, lnSpec(cols), shape, x), run('off', lnSpec(cols), shape, x), `ln ${mode} long row`);
        assertClose(run(mode, bnSpec(rows), [1, rows, cols], x), run('off', bnSpec(rows), [1, rows, cols], x), `bn ${mode} long planes`);
      });

      it('non-finite inputs and eps = 0 on constant groups are left to the reference path', () => {
        const x = data(2 * 2 * 32, 21, 0, 1);
        x[5] = NaN;
        x[70] = Infinity;
        const before = fastUsage().declined;
        assertClose(run(mode, lnSpec(32), [4, 32], x), run('off', lnSpec(32), [4, 32], x), 'ln non-finite');
        assert.ok(fastUsage().declined > before);
        // eps = 0 on a constant channel: PyTorch 2.13 refuses eps <= 0 in training; Keras and Flax (checks 'none')
        // compute (x − mean)·rsqrt(0) = 0·∞ = NaN, and the fast path must not answer anything else.
        const constant = new Float32Array(2 * 2 * 32).fill(4);
        const b = Float32Array.from([1.5, -2]);
        const lenient = { ...bnSpec(2, 0), checks: 'none' } as CoreLayerSpec;
        const out = run(mode, lenient, [2, 2, 32], constant, undefined, b).output.data;
        assertClose(run(mode, lenient, [2, 2, 32], constant, undefined, b), run('off', lenient, [2, 2, 32], constant, undefined, b), 'bn eps 0');
        for (let i = 0; i < out.length; i++) assert.ok(Number.isNaN(out[i]), `output[${i}] ${out[i]}`);
        assert.throws(() => run(mode, bnSpec(2, 0), [2, 2, 32], constant, undefined, b), /batch_norm eps must be positive during training, but got 0\.0/);
      });
    });
  }

  it('when wasm memory cannot grow, runLayer answers through the reference path', () => {
    const k = wasmKernels();
    if (!k) return;
    const mem = k.memory as WebAssembly.Memory & { grow: (pages: number) => number };
    const cols = 64;
    const rows = Math.ceil(mem.buffer.byteLength / (cols * 4)) + 16; // more than fits now
    const x = data(rows * cols, 51, 0, 1);
    const declined = fastUsage().declined;
    Object.defineProperty(mem, 'grow', {
      value: () => {
        throw new RangeError('out of memory');
      },
      configurable: true,
    });
    try {
      const r = run('wasm', lnSpec(cols), [rows, cols], x);
      assert.equal(fastUsage().declined, declined + 1);
      assert.deepEqual(r.output.data, run('off', lnSpec(cols), [rows, cols], x).output.data);
    } finally {
      delete (mem as { grow?: unknown }).grow;
    }
    assert.ok(run('wasm', lnSpec(cols), [rows, cols], x).output.data.length === rows * cols);
  });

  it('JavaScript kernels agree with the WebAssembly kernels', () => {
    const k = wasmKernels();
    if (!k) return;
    const x = data(3 * 4 * 50, 31, 1e3, 2);
    const w = data(4, 32, 1, 0.2);
    const b = data(4, 33, 0, 1);
    const a1 = k.batchNormTrain(x, 3, 4, 50, w, b, 1e-5);
    const a2 = batchNormTrainJs(x, 3, 4, 50, w, b, 1e-5);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(a1.output[i] - a2.output[i]) < 4e-6);
    const l1 = k.layerNorm(x, 12, 50, null, null, 1e-5);
    const l2 = layerNormJs(x, 12, 50, null, null, 1e-5);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(l1.output[i] - l2.output[i]) < 4e-6);
    const r1 = k.rmsNorm(x, 12, 50, null, 1e-6);
    const r2 = rmsNormJs(x, 12, 50, null, 1e-6);
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(r1.meanSquare[i] / r2.meanSquare[i] - 1) < 1e-6);
  });
});
