import { strict as assert } from 'node:assert';
import { seedFromStart } from '../../../src/calc/fromLayer';
import { startFromLayer } from '../../../src/explain/links';
import { makeLayer } from '../explain/layers';

describe('calc/seedFromStart', () => {
  it('reads a PyTorch BatchNorm2d with its momentum, convention and stored variance', () => {
    const start = startFromLayer(makeLayer('torch.nn.BatchNorm2d', 'nn.BatchNorm2d', [64], { momentum: 0.99, eps: 1e-3 }));
    assert.deepEqual(start.args, { num_features: 64, momentum: 0.99, eps: 1e-3 });
    const s = seedFromStart(start);
    assert.ok(!('error' in s));
    assert.equal(s.kind, 'batch_norm');
    assert.equal(s.momentum, 0.99);
    assert.equal(s.convention, 'new-weight');
    assert.equal(s.storedVariance, 'unbiased');
    assert.equal(s.eps, 1e-3);
    assert.equal(s.channels, 64);
    assert.equal(s.channelAxis, 1);
  });

  it('reads Keras defaults (momentum 0.99 in the old-weight convention, ε 1e-3, channels last)', () => {
    const s = seedFromStart({ framework: 'keras', qualifiedName: 'keras.layers.BatchNormalization', kind: 'batch_norm', args: {} });
    assert.ok(!('error' in s));
    assert.equal(s.momentum, 0.99);
    assert.equal(s.convention, 'old-weight');
    assert.equal(s.eps, 1e-3);
    assert.equal(s.storedVariance, 'biased');
    assert.equal(s.channelAxis, -1);
  });

  it('reads GroupNorm groups and LayerNorm dims; rejects unknown names', () => {
    const g = seedFromStart(startFromLayer(makeLayer('torch.nn.GroupNorm', 'nn.GroupNorm', [8, 64])));
    assert.ok(!('error' in g));
    assert.equal(g.groups, 8);
    assert.equal(g.channels, 64);
    const l = seedFromStart(startFromLayer(makeLayer('torch.nn.LayerNorm', 'nn.LayerNorm', [[4, 8]])));
    assert.ok(!('error' in l));
    assert.equal(l.normalizedDims, 2);
    assert.equal(l.kind, 'layer_norm');
    assert.deepEqual(seedFromStart({ framework: 'pytorch', qualifiedName: 'torch.nn.Nope', kind: 'batch_norm', args: {} }), {
      error: 'torch.nn.Nope is not a layer NormLens knows',
    });
  });
});
