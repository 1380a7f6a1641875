import { strict as assert } from 'node:assert';
import { simulateRunningStats, stepsWithin } from '../../../src/calc/simulate';

describe('calc/simulateRunningStats', () => {
  it('closed form matches a hand computation and the core simulation (PyTorch momentum 0.1)', () => {
    // mean: 5·0.9^t ≤ 0.05 → t ≥ ln(0.01)/ln(0.9) = 43.7 → 44; var 1 → 4: 3·0.9^t ≤ 0.04 → t ≥ 40.98 → 41
    const r = simulateRunningStats({
      momentum: 0.1,
      convention: 'new-weight',
      storedVariance: 'unbiased',
      dataMean: 5,
      dataVar: 4,
      batchSize: 8,
      tolerancePct: 1,
    });
    assert.ok(r.ok, (r as { message?: string }).message);
    assert.equal(r.value.mean.closedForm, Math.ceil(Math.log(0.01) / Math.log(0.9)));
    assert.equal(r.value.mean.closedForm, 44);
    assert.equal(r.value.variance.closedForm, 41);
    assert.equal(r.value.mean.simulated, 44);
    assert.equal(r.value.variance.simulated, 41);
  });

  it('agrees between closed form and simulation across momenta and conventions', () => {
    for (const [momentum, convention] of [
      [0.01, 'new-weight'],
      [0.3, 'new-weight'],
      [0.9, 'old-weight'],
      [0.97, 'old-weight'],
    ] as const) {
      for (const tol of [0.5, 2, 10]) {
        const r = simulateRunningStats({
          momentum,
          convention,
          storedVariance: 'unbiased',
          dataMean: -3,
          dataVar: 2.5,
          batchSize: 16,
          tolerancePct: tol,
          initialMean: 0,
          initialVar: 1,
        });
        assert.ok(r.ok);
        for (const s of [r.value.mean, r.value.variance]) {
          assert.ok(s.closedForm !== null && s.simulated !== null);
          // float32 running buffers may cross the boundary one step apart at most
          assert.ok(Math.abs(s.closedForm - s.simulated) <= 1, `${momentum} ${convention} ${tol}%: ${s.closedForm} vs ${s.simulated}`);
        }
      }
    }
  });

  it('a biased stored variance settles at σ²(n−1)/n and may never come within tolerance', () => {
    const r = simulateRunningStats({
      momentum: 0.99,
      convention: 'old-weight',
      storedVariance: 'biased',
      dataMean: 1,
      dataVar: 4,
      batchSize: 8,
      tolerancePct: 5,
    });
    assert.ok(r.ok);
    assert.equal(r.value.variance.limit, 3.5);
    assert.equal(r.value.variance.closedForm, null);
    assert.equal(r.value.variance.simulated, null);
    assert.ok(Math.abs(r.value.variance.final - 3.5) < 1e-3);
    assert.match(r.text, /settles at σ²·\(n−1\)\/n = 3\.5000, 12\.5% below/);
  });

  it('momentum None and the debiased average reach identical batches after one step', () => {
    const none = simulateRunningStats({
      momentum: null,
      convention: 'new-weight',
      storedVariance: 'unbiased',
      dataMean: 2,
      dataVar: 9,
      batchSize: 4,
      tolerancePct: 1,
    });
    const haiku = simulateRunningStats({
      momentum: 0.99,
      convention: 'decay-debiased',
      storedVariance: 'biased',
      dataMean: 2,
      dataVar: 9,
      batchSize: 400,
      tolerancePct: 1,
    });
    assert.ok(none.ok && haiku.ok);
    assert.equal(none.value.mean.closedForm, 1);
    assert.equal(none.value.mean.simulated, 1);
    assert.equal(haiku.value.mean.closedForm, 1);
    assert.equal(haiku.value.mean.simulated, 1);
    assert.equal(haiku.value.variance.simulated, 1);
  });

  it('with noisy batches the running mean ends near the data mean, spread as predicted', () => {
    const r = simulateRunningStats({
      momentum: 0.1,
      convention: 'new-weight',
      storedVariance: 'unbiased',
      dataMean: 5,
      dataVar: 4,
      batchSize: 32,
      tolerancePct: 5,
      noise: true,
      seed: 3,
      maxSteps: 400,
    });
    assert.ok(r.ok);
    assert.equal(r.value.steps, 400);
    // steady-state sd of the running mean: √(0.1/1.9)·2/√32 ≈ 0.081
    assert.ok(Math.abs(r.value.mean.noiseSd - (Math.sqrt(0.1 / 1.9) * 2) / Math.sqrt(32)) < 1e-12);
    assert.ok(Math.abs(r.value.mean.final - 5) < 5 * r.value.mean.noiseSd + 0.05);
    assert.ok(r.value.mean.simulated !== null && r.value.mean.simulated <= 60);
  });

  it('stepsWithin handles the edges', () => {
    assert.equal(stepsWithin(5, 5, 5, 0.1, 0.1), 0);
    assert.equal(stepsWithin(0, 5, 5, 0.1, 0), null);
    assert.equal(stepsWithin(0, 5, 5, 0.1, 1), 1);
    assert.equal(stepsWithin(0, 5, 5, 0.5, 0.5), 4); // 5·0.5^t ≤ 0.5 → t ≥ 3.32
  });

  it('rejects bad requests', () => {
    const m = (x: ReturnType<typeof simulateRunningStats>) => (x.ok ? 'ok' : x.message);
    assert.equal(
      m(simulateRunningStats({ momentum: 1.5, convention: 'new-weight', storedVariance: 'unbiased', dataMean: 0, dataVar: 1, batchSize: 8, tolerancePct: 1 })),
      'momentum must be between 0 and 1 (got 1.5)',
    );
    assert.match(
      m(simulateRunningStats({ momentum: 0.1, convention: 'new-weight', storedVariance: 'unbiased', dataMean: 0, dataVar: 1, batchSize: 1, tolerancePct: 1 })),
      /batch size must be a whole number ≥ 2 \(got 1\)/,
    );
  });
});
