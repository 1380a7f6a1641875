import { strict as assert } from 'node:assert';
import { convertMomentumBetween, validateMomentum } from '../../../src/calc/momentum';
import { updateEquation } from '../../../src/explain/convention';

describe('calc/convertMomentumBetween', () => {
  it('PyTorch 0.1 = Keras 0.9, with its averaging window', () => {
    const r = convertMomentumBetween(0.1, 'pytorch', 'keras');
    assert.ok(r.ok, (r as { message?: string }).message);
    assert.equal(r.value.converted, 0.9);
    assert.equal(r.value.newWeight, 0.1);
    // half-life: 0.9^h = 1/2 → h = ln 2 / −ln 0.9 ≈ 6.58 batches; plain-average equivalent 1/0.1 = 10
    assert.ok(Math.abs(r.value.halfLife! - Math.log(2) / -Math.log(0.9)) < 1e-12);
    assert.ok(Math.abs(r.value.effectiveSamples! - 10) < 1e-9);
    assert.match(r.text, /^PyTorch momentum 0\.1 = Keras 3 momentum 0\.9/);
    assert.match(r.text, /running_mean ← 0\.9·running_mean \+ 0\.1·batch_mean/);
    assert.match(r.text, /halves every 6\.6 batches; about the last 10\.0 batches count/);
    assert.equal(r.copyText, '0.9');
  });

  it('Keras 0.99 → PyTorch 0.01; same convention keeps the value; Haiku notes debiasing', () => {
    const a = convertMomentumBetween(0.99, 'keras', 'pytorch');
    assert.ok(a.ok);
    assert.equal(a.value.converted, 0.01);
    const b = convertMomentumBetween(0.1, 'pytorch', 'mlx');
    assert.ok(b.ok);
    assert.equal(b.value.converted, 0.1);
    const c = convertMomentumBetween(0.1, 'pytorch', 'haiku');
    assert.ok(c.ok);
    assert.equal(c.value.converted, 0.9);
    assert.match(c.value.note!, /1 − decay\^t/);
  });

  it('momentum None is a cumulative average with no constant equivalent', () => {
    const r = convertMomentumBetween(null, 'pytorch', 'keras');
    assert.ok(r.ok);
    assert.equal(r.value.converted, null);
    assert.match(r.value.note!, /cumulative average/);
    assert.deepEqual(convertMomentumBetween(null, 'keras', 'pytorch'), { ok: false, message: 'None is not a momentum in Keras 3' });
  });

  it('validates the momentum and the frameworks', () => {
    assert.equal(validateMomentum('1.5'), 'momentum must be between 0 and 1 (got 1.5)');
    assert.equal(validateMomentum('-0.1'), 'momentum must be between 0 and 1 (got -0.1)');
    assert.equal(validateMomentum('abc'), "momentum: 'abc' is not a number");
    assert.equal(validateMomentum('None'), "momentum: 'None' is not a number");
    assert.equal(validateMomentum('None', true), null);
    assert.equal(validateMomentum('0.9'), null);
    assert.deepEqual(convertMomentumBetween(0.1, 'pytorch', 'jax'), { ok: false, message: 'JAX has no running statistics, so no momentum' });
    assert.deepEqual(convertMomentumBetween(2, 'pytorch', 'keras'), { ok: false, message: 'momentum must be between 0 and 1 (got 2)' });
  });

  it('writes update equations in each convention', () => {
    assert.equal(updateEquation(0.1, 'new-weight'), 'running_mean ← 0.9·running_mean + 0.1·batch_mean');
    assert.equal(updateEquation(0.99, 'old-weight'), 'running_mean ← 0.99·running_mean + 0.01·batch_mean');
    assert.equal(updateEquation(0.9, 'decay-debiased'), 'running_mean ← 0.9·running_mean + 0.1·batch_mean, then divided by (1 − 0.9^t) when used');
  });
});
