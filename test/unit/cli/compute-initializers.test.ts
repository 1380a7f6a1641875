/**
 * `normlens compute` and the layers' initializer arguments when the request gives no "params"/"state": the fixed
 * ones (Keras "zeros"/"ones") are checked against Keras 3.15.1 in test/fixtures/golden-frameworks/keras.json
 * (ln_beta_initializer_ones, bn_moving_variance_initializer_zeros_inference...); here, the ones whose values no
 * request can reproduce are refused with a message that says which tensor to give, and never silently replaced by
 * ones and zeros.
 */
import { strict as assert } from 'node:assert';
import { compute } from '../../../src/cli/compute';

const x24 = { shape: [2, 4], data: [1, 2, 3, 4, -1, 0.5, 2, 7] };
function ask(req: Record<string, unknown>) {
  const a = compute(JSON.stringify(req));
  return { code: a.code, res: JSON.parse(a.output) as { error?: { type: string; message: string }; output?: { data: number[] } } };
}

describe('normlens compute: initializer arguments', () => {
  it('refuses a random Keras gamma_initializer without params.gamma, and names the tensor to give', () => {
    const { code, res } = ask({ layer: 'keras.layers.LayerNormalization', kwargs: { gamma_initializer: 'glorot_uniform' }, input: x24 });
    assert.equal(code, 2);
    assert.equal(res.error!.type, 'InputError');
    assert.match(res.error!.message, /gamma_initializer="glorot_uniform" draws random values/);
    assert.match(res.error!.message, /params\.gamma \(4 values\)/);
  });

  it('refuses a random moving_variance_initializer without state, also in training (the update starts from it)', () => {
    const { code, res } = ask({
      layer: 'keras.layers.BatchNormalization',
      kwargs: { moving_variance_initializer: 'random_normal' },
      call: { training: true },
      input: x24,
    });
    assert.equal(code, 2);
    assert.match(res.error!.message, /state\.moving_variance \(4 values\)/);
  });

  it('computes with a random initializer once the tensor is given or the layer has no such weight', () => {
    const given = ask({
      layer: 'keras.layers.LayerNormalization',
      kwargs: { gamma_initializer: 'he_normal' },
      input: x24,
      params: { gamma: [1, 1, 1, 1] },
    });
    const plain = ask({ layer: 'keras.layers.LayerNormalization', input: x24 });
    assert.equal(given.code, 0);
    assert.deepEqual(given.res.output, plain.res.output);
    const noScale = ask({ layer: 'keras.layers.LayerNormalization', kwargs: { scale: false, gamma_initializer: 'he_normal' }, input: x24 });
    assert.equal(noScale.code, 0);
    assert.deepEqual(noScale.res.output, plain.res.output);
  });

  it('refuses "constant" (Keras cannot build Constant from its name) and a non-string initializer', () => {
    const c = ask({ layer: 'keras.layers.LayerNormalization', kwargs: { beta_initializer: 'constant' }, input: x24 });
    assert.equal(c.code, 2);
    assert.match(c.res.error!.message, /KeyError: 'value'/);
    const n = ask({ layer: 'keras.layers.LayerNormalization', kwargs: { beta_initializer: 2 }, input: x24 });
    assert.equal(n.code, 2);
    assert.match(n.res.error!.message, /beta_initializer=2: NormLens reads an initializer given by name/);
  });

  for (const layer of ['flax.nnx.LayerNorm', 'flax.linen.LayerNorm']) {
    it(`${layer}: a scale_init/bias_init string is refused (Flax takes a function), not ignored`, () => {
      const kwargs: Record<string, unknown> = { bias_init: 'ones' };
      if (layer.includes('nnx')) kwargs.num_features = 4;
      const { code, res } = ask({ layer, kwargs, input: x24 });
      assert.equal(code, 2);
      assert.match(res.error!.message, /bias_init='ones': Flax takes an initializer function/);
      assert.match(res.error!.message, /params\.bias/);
    });
  }
});
