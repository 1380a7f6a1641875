/**
 * Issue 12's recognition gaps, through the real recognizer: keras.src paths (how Keras itself imports its layers),
 * the standalone tf_keras package, paddle.nn.BatchNorm and Paddle's functional norms, and MLX's fused kernels.
 */
import { strict as assert } from 'node:assert';
import { recognize } from '../../../src/python/index';
import { bindingMessage } from '../../../src/frameworks/index';

describe('recognition of keras.src, tf_keras, Paddle and mlx.core.fast names', () => {
  it('finds each call and binds it to the right table entry', () => {
    const src = [
      'from keras.src import layers',
      'from keras.src.layers.normalization.batch_normalization import BatchNormalization',
      'import tf_keras',
      'import paddle',
      'import paddle.nn.functional as PF',
      'import mlx.core as mx',
      'a = layers.BatchNormalization(momentum=0.9)',
      'b = BatchNormalization(fused=False)',
      'c = tf_keras.layers.BatchNormalization(fused=False)',
      'd = paddle.nn.BatchNorm(64)',
      'e = PF.layer_norm(x, 64)',
      'f = PF.batch_norm(x, rm, rv, training=True)',
      'g = PF.instance_norm(x)',
      'h = mx.fast.rms_norm(x, w, 1e-5)',
      'i = mx.fast.layer_norm(x, None, None, 1e-5)',
      '',
    ].join('\n');
    const found = recognize(src);
    assert.deepEqual(
      found.map((l) => l.spec.id),
      [
        'keras.layers.BatchNormalization',
        'keras.layers.BatchNormalization',
        'tf_keras.layers.BatchNormalization',
        'paddle.nn.BatchNorm',
        'paddle.nn.functional.layer_norm',
        'paddle.nn.functional.batch_norm',
        'paddle.nn.functional.instance_norm',
        'mlx.core.fast.rms_norm',
        'mlx.core.fast.layer_norm',
      ],
    );
    // Keras 3 refuses fused=; the Keras 2 tf_keras package takes it through **kwargs.
    assert.deepEqual(found[1].bindingErrors.map(bindingMessage), ["Unrecognized keyword arguments passed to BatchNormalization: {'fused': False}"]);
    assert.deepEqual(found[2].bindingErrors, []);
  });
});
