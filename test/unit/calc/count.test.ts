import { strict as assert } from 'node:assert';
import { countLayer, countTyped, recognizeTyped } from '../../../src/calc/count';
import { recognize } from '../../../src/python/index';

describe('calc/count', () => {
  it("counts a typed BatchNorm2d(64): γ, β, running mean/var and PyTorch's int64 counter", () => {
    const r = countTyped('BatchNorm2d(64)');
    assert.ok(r.ok, (r as { message?: string }).message);
    assert.equal(r.value.parameters, 128);
    assert.equal(r.value.buffers, 129);
    assert.equal(r.value.bytes, 256 * 4 + 8);
    assert.deepEqual(
      r.value.detail.map((d) => [d.name, d.count, d.trainable]),
      [
        ['weight', 64, true],
        ['bias', 64, true],
        ['running_mean', 64, false],
        ['running_var', 64, false],
        ['num_batches_tracked', 1, false],
      ],
    );
    assert.match(r.text, /128 learnable parameters, 129 buffer values, 1\.0 KiB \(1,032 B\) in float32/);
    assert.equal(r.copyText, JSON.stringify({ parameters: 128, buffers: 129, bytes: 1032 }));
  });

  it('reads aliases and other frameworks through the recognizer', () => {
    const ln = countTyped('nn.LayerNorm([768])');
    assert.ok(ln.ok);
    assert.equal(ln.value.parameters, 1536);
    assert.equal(ln.value.bytes, 1536 * 4);
    const half = countTyped('nn.LayerNorm(768, elementwise_affine=False)', 'pytorch', { dtypeBytes: 2 });
    assert.ok(half.ok);
    assert.equal(half.value.parameters, 0);
    const gn = countTyped('torch.nn.GroupNorm(8, 64)');
    assert.ok(gn.ok);
    assert.equal(gn.value.parameters, 128);
    // Keras sizes itself from the input; it keeps no step counter
    const keras = countTyped('layers.BatchNormalization()', 'keras', { inputShape: [8, 32, 32, 16] });
    assert.ok(keras.ok, (keras as { message?: string }).message);
    assert.equal(keras.value.parameters, 32);
    assert.equal(keras.value.buffers, 32);
    assert.equal(keras.value.bytes, 256);
    const typed = recognizeTyped('nn.BatchNorm(4)', 'mlx');
    assert.ok(!('error' in typed));
    assert.equal(typed.qualifiedName, 'mlx.nn.BatchNorm');
    const mlx = countTyped('nn.BatchNorm(4)', 'mlx');
    assert.ok(mlx.ok, (mlx as { message?: string }).message);
    assert.equal(mlx.value.framework, 'mlx');
    assert.equal(mlx.value.buffers, 8);
  });

  it('gives specific messages', () => {
    const m = (x: ReturnType<typeof countTyped>) => (x.ok ? 'ok' : x.message);
    assert.equal(m(countTyped('')), 'type a layer, e.g. BatchNorm2d(64) or nn.LayerNorm([768])');
    assert.equal(m(countTyped('Foo(3)')), "'Foo' is not a normalization layer NormLens knows");
    assert.equal(m(countTyped('nn.BatchNorm2d(64')), "the call is not closed: a ')' is missing");
    assert.equal(m(countTyped('BatchNorm2d')), "BatchNorm2d() missing 1 required positional argument: 'num_features'");
    assert.equal(m(countTyped('BatchNorm2d(64, epsilon=1e-3)')), "BatchNorm2d() got an unexpected keyword argument 'epsilon'");
    assert.equal(m(countTyped('layers.BatchNormalization()', 'keras')), 'BatchNormalization takes its channel count from the input: give the input shape');
    assert.equal(m(countTyped('F.batch_norm(x, rm, rv)')), 'batch_norm is a function: it owns no parameters or buffers (they are passed in)');
    assert.equal(m(countTyped('BatchNorm2d(64)', 'pytorch', { dtypeBytes: 3 })), 'bytes per value must be 2, 4 or 8 (got 3)');
  });

  it('counts a layer recognized in a source file', () => {
    const [layer] = recognize('import torch.nn as nn\nbn = nn.BatchNorm1d(10, affine=False)\n');
    const r = countLayer(layer);
    assert.ok(r.ok);
    assert.equal(r.value.parameters, 0);
    assert.equal(r.value.buffers, 21);
    assert.equal(r.value.bytes, 20 * 4 + 8);
  });
});
