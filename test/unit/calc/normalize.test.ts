import { strict as assert } from 'node:assert';
import { normalizeValues, validateEps } from '../../../src/calc/normalize';
import { parseNumbers } from '../../../src/calc/parse';

/** Independent float64 reference: (x − mean) / sqrt(biased var + eps) over the given index groups. */
function reference(values: number[], groups: number[][], eps: number, gamma = 1, beta = 0): number[] {
  const out = new Array<number>(values.length);
  for (const g of groups) {
    const m = g.reduce((a, i) => a + values[i], 0) / g.length;
    const v = g.reduce((a, i) => a + (values[i] - m) ** 2, 0) / g.length;
    for (const i of g) out[i] = ((values[i] - m) / Math.sqrt(v + eps)) * gamma + beta;
  }
  return out;
}

function close(actual: number[], expected: number[], tol = 1e-5) {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol, `index ${i}: ${a} vs ${expected[i]}`));
}

describe('calc/normalizeValues', () => {
  it("reproduces the seed card's example [2, 4, 6, 8] → [-1.3416, -0.4472, 0.4472, 1.3416]", () => {
    const p = parseNumbers('2 4 6 8');
    assert.ok(p.ok);
    const r = normalizeValues({ values: p.values, shape: p.shape, kind: 'batch_norm', eps: 1e-5 });
    assert.ok(r.ok, (r as { message?: string }).message);
    close(r.value.output, [-1.3416, -0.4472, 0.4472, 1.3416], 1e-4);
    close(r.value.output, reference([2, 4, 6, 8], [[0, 1, 2, 3]], 1e-5), 1e-6);
    assert.equal(r.value.groups.length, 1);
    assert.ok(Math.abs(r.value.groups[0].mean - 5) < 1e-12);
    assert.ok(Math.abs(r.value.groups[0].variance - 5) < 1e-12);
    assert.match(r.text, /-1\.3416, -0\.4472, 0\.4472, 1\.3416/);
    assert.match(r.markdown, /\| 1 \| 5\.0000 \| 5\.0000 \| 4 \| 0\.0000 \/ 1\.0000 \|/);
    // mean 0 and variance just under 1 (ε shrinks it): 5 / (5 + 1e-5)
    assert.ok(Math.abs(r.value.groups[0].outputMean) < 1e-6);
    assert.ok(Math.abs(r.value.groups[0].outputVariance - 5 / (5 + 1e-5)) < 1e-6);
    // The same list as one sample's features under LayerNorm gives the same numbers.
    const ln = normalizeValues({ values: p.values, shape: p.shape, kind: 'layer_norm', eps: 1e-5 });
    assert.ok(ln.ok);
    close(ln.value.output, r.value.output, 1e-6);
  });

  it('normalizes the seed [4, 3, 2] tensor per feature (BatchNorm over batch and sequence) vs per position (LayerNorm)', () => {
    const values: number[] = [];
    for (let b = 1; b <= 4; b++) values.push(b, b + 1, b + 2, b + 3, b + 4, b + 5);
    const bn = normalizeValues({ values, shape: [4, 3, 2], kind: 'batch_norm', channelAxis: -1, eps: 1e-5 });
    assert.ok(bn.ok, (bn as { message?: string }).message);
    const feature = (f: number) => Array.from({ length: 12 }, (_, k) => k * 2 + f);
    close(bn.value.output, reference(values, [feature(0), feature(1)], 1e-5));
    assert.equal(bn.value.groups.length, 2);
    const ln = normalizeValues({ values, shape: [4, 3, 2], kind: 'layer_norm', normalizedDims: 1, eps: 1e-5 });
    assert.ok(ln.ok);
    close(
      ln.value.output,
      reference(
        values,
        Array.from({ length: 12 }, (_, k) => [2 * k, 2 * k + 1]),
        1e-5,
      ),
    );
    assert.equal(ln.value.groups.length, 12);
    // every LayerNorm pair is (b, b+1): variance 0.25, output ≈ ±1
    assert.ok(ln.value.groups.every((g) => Math.abs(g.variance - 0.25) < 1e-12));
  });

  it('applies γ and β per channel and groups for GroupNorm', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 2, 2, 2, 9];
    const r = normalizeValues({ values, shape: [2, 4, 2], kind: 'group_norm', groups: 2, eps: 1e-5, gamma: 2, beta: 0.5 });
    assert.ok(r.ok, (r as { message?: string }).message);
    const groups = [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
      [12, 13, 14, 15],
    ];
    close(r.value.output, reference(values, groups, 1e-5, 2, 0.5));
    assert.equal(r.value.groups.length, 4);
  });

  it('uses running statistics in eval mode', () => {
    const r = normalizeValues({ values: [2, 4, 6, 8], shape: [4], kind: 'batch_norm', eps: 0, mode: 'eval', runningMean: 4, runningVar: 4 });
    assert.ok(r.ok);
    close(r.value.output, [-1, 0, 1, 2]);
    assert.equal(r.value.statsSource, 'running');
  });

  it('RMSNorm divides by the root mean square without subtracting the mean', () => {
    const r = normalizeValues({ values: [3, 4], shape: [2], kind: 'rms_norm', eps: 0 });
    assert.ok(r.ok);
    const rms = Math.sqrt((9 + 16) / 2);
    close(r.value.output, [3 / rms, 4 / rms]);
    assert.ok(Math.abs(r.value.groups[0].variance - 12.5) < 1e-9);
  });

  it('gives specific messages for bad requests', () => {
    const msg = (x: ReturnType<typeof normalizeValues>) => (x.ok ? 'ok' : x.message);
    assert.equal(msg(normalizeValues({ values: [1, 2, 3], shape: [2, 2], kind: 'layer_norm', eps: 1e-5 })), 'shape (2, 2) needs 4 values, got 3');
    assert.equal(msg(normalizeValues({ values: [1, 2], shape: [2], kind: 'layer_norm', eps: -1 })), 'ε must be non-negative (got -1)');
    assert.equal(
      msg(normalizeValues({ values: [1, 2, 3, 4, 5, 6], shape: [1, 6], kind: 'group_norm', groups: 4, eps: 1e-5 })),
      '6 channels are not divisible into 4 groups',
    );
    assert.equal(
      msg(normalizeValues({ values: [1, 2, 3, 4], shape: [2, 2], kind: 'batch_norm', eps: 1e-5, gamma: [1, 2, 3] })),
      'γ has 3 values; give one number or 2 (one per channel)',
    );
    assert.equal(
      msg(normalizeValues({ values: [1, 2, 3], shape: [1, 3], kind: 'batch_norm', eps: 1e-5 })),
      'Expected more than 1 value per channel when training, got input size torch.Size([1, 3])',
    );
    assert.equal(validateEps('-1e-5'), 'ε must be non-negative (got -1e-5)');
    assert.equal(validateEps('abc'), "ε: 'abc' is not a number");
    assert.equal(validateEps('1e-5'), null);
  });
});
