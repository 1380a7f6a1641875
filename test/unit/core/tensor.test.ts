import { strict as assert } from 'node:assert';
import { NormError, Tensor, seededSample } from '../../../src/core';

const inputError = (pattern: RegExp) => (e: unknown) => e instanceof NormError && e.type === 'InputError' && pattern.test(e.message);

describe('Tensor', () => {
  it('keeps shape and row-major data, copying number arrays into float32', () => {
    const t = new Tensor([2, 3], [1, 2, 3, 4, 5, 6.1]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.size, 6);
    assert.equal(t.data[5], Math.fround(6.1));
    assert.deepEqual(t.toNested(), [
      [1, 2, 3],
      [4, 5, Math.fround(6.1)],
    ]);
  });

  it('shares a given Float32Array', () => {
    const d = new Float32Array(4);
    assert.equal(new Tensor([4], d).data, d);
  });

  it('scalar shape [] holds one value; a zero dimension holds none', () => {
    assert.equal(new Tensor([], [7]).size, 1);
    assert.equal(new Tensor([0, 3], []).size, 0);
  });

  it('rejects data of the wrong length with both numbers', () => {
    assert.throws(() => new Tensor([2, 3], [1, 2, 3]), inputError(/shape \[2, 3\] needs 6 values but the data has 3/));
  });

  it('rejects negative and non-integer dimensions', () => {
    assert.throws(() => new Tensor([2, -1], []), inputError(/shape\[1\] must be a non-negative integer, got -1/));
    assert.throws(() => new Tensor([2.5], [1, 2]), inputError(/shape\[0\] must be a non-negative integer, got 2.5/));
    assert.throws(() => new Tensor([NaN], []), inputError(/got NaN/));
  });

  it('rejects shapes whose element count is too large', () => {
    assert.throws(() => new Tensor([1 << 20, 1 << 20], []), inputError(/too many elements/));
  });

  it('rejects non-numeric data', () => {
    assert.throws(() => new Tensor([2], [1, 'x' as unknown as number]), inputError(/data\[1\] is not a number/));
  });
});

describe('seededSample', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = seededSample([3, 4], 42);
    assert.deepEqual(Array.from(a.data), Array.from(seededSample([3, 4], 42).data));
    assert.notDeepEqual(Array.from(a.data), Array.from(seededSample([3, 4], 43).data));
    assert.deepEqual(a.shape, [3, 4]);
  });

  it('gives two-decimal values, roughly standard normal', () => {
    const t = seededSample([4000], 7);
    let s = 0;
    let q = 0;
    for (const v of t.data) {
      assert.ok(Math.abs(v * 100 - Math.round(v * 100)) < 1e-3, `${v} has more than two decimals`);
      assert.ok(Math.abs(v) <= 2 * Math.sqrt(3) + 0.01);
      s += v;
      q += v * v;
    }
    const mean = s / t.size;
    assert.ok(Math.abs(mean) < 0.06, `mean ${mean}`);
    assert.ok(Math.abs(q / t.size - mean * mean - 1) < 0.08, `variance ${q / t.size}`);
  });

  it('rejects a non-integer seed', () => {
    assert.throws(() => seededSample([2], 1.5), inputError(/seed must be an integer/));
  });
});
