/**
 * `normlens compute` against the PyTorch goldens (test/fixtures/golden): each golden case that a
 * PyTorch class expresses is sent as a request in PyTorch's own argument names, and the answer
 * must match torch within the golden's tolerance, or raise torch's error. Plus the request errors.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compute, jsonPieces } from '../../../src/cli/compute';
import type { CoreLayerSpec } from '../../../src/core/spec';
import { NORM_CLASSES, bindArguments, effectiveValues, findByQualifiedName } from '../../../src/frameworks/index';
import { loadGolden, maxDiff, type GoldenCase } from '../core/golden';

/** The PyTorch class and kwargs whose translation is exactly this core spec, if any. */
function asTorch(spec: CoreLayerSpec, shape: number[]): { layer: string; kwargs: Record<string, unknown> } | null {
  let layer: string | null = null;
  let kwargs: Record<string, unknown> = {};
  switch (spec.kind) {
    case 'batch_norm':
    case 'instance_norm':
      if (!spec.layerName) return null;
      layer = `torch.nn.${spec.numFeatures === null ? 'Lazy' : ''}${spec.layerName}`;
      kwargs = { eps: spec.eps, momentum: spec.momentum, affine: spec.hasWeight, track_running_stats: spec.trackRunningStats };
      if (spec.numFeatures !== null) kwargs.num_features = spec.numFeatures;
      break;
    case 'layer_norm':
      layer = 'torch.nn.LayerNorm';
      kwargs = { normalized_shape: spec.normalizedShape, eps: spec.eps, elementwise_affine: spec.hasWeight, bias: spec.hasBias };
      break;
    case 'rms_norm':
      layer = 'torch.nn.RMSNorm';
      kwargs = { normalized_shape: spec.normalizedShape, eps: spec.eps, elementwise_affine: spec.hasWeight };
      break;
    case 'group_norm':
      layer = 'torch.nn.GroupNorm';
      kwargs = { num_groups: spec.numGroups, num_channels: spec.numChannels, eps: spec.eps, affine: spec.hasWeight };
      break;
    case 'local_response_norm':
      layer = 'torch.nn.LocalResponseNorm';
      kwargs = { size: spec.size, alpha: spec.alpha, beta: spec.beta, k: spec.k };
      break;
  }
  const cls = layer ? findByQualifiedName(layer) : undefined;
  if (!cls) return null;
  const b = bindArguments(cls, [], kwargs as never);
  if (b.errors.length) return null;
  const translated = cls.toCore!(effectiveValues(b.effective), shape.length, shape);
  return JSON.stringify(translated) === JSON.stringify(spec) ? { layer: layer!, kwargs } : null;
}

const FILES = ['batch_norm', 'instance_norm', 'layer_norm', 'group_norm', 'rms_norm', 'local_response_norm'];

describe('normlens compute against the PyTorch goldens', () => {
  for (const file of FILES) {
    const cases = loadGolden(file).cases as GoldenCase[];
    it(`${file}: every case a PyTorch class expresses`, () => {
      let run = 0;
      for (const c of cases) {
        if (c.more_inputs) continue; // several steps: one request is one step
        const torch = asTorch(c.spec, c.input.shape);
        if (!torch) continue;
        const request = { ...torch, mode: c.mode, input: c.input, params: c.params, state: c.state, gradOutput: c.gradOutput };
        const answer = compute(JSON.stringify(request));
        const res = JSON.parse(answer.output);
        if (c.error) {
          assert.equal(answer.code, 2, c.id);
          assert.deepEqual(res.error, c.error, c.id);
        } else {
          assert.equal(answer.code, 0, `${c.id}: ${answer.output}`);
          const tol = c.tol!;
          const nums = (a: unknown[]) => a.map((v) => (typeof v === 'number' ? v : Number(v)));
          assert.ok(maxDiff(nums(res.output.data), c.expected!.output) <= tol.output, `${c.id}: output`);
          assert.deepEqual(res.output.shape, c.input.shape);
          if (c.expected!.state) {
            assert.ok(maxDiff(nums(res.state.running_mean), c.expected!.state.running_mean) <= (tol.state ?? tol.output), `${c.id}: running_mean`);
            assert.ok(maxDiff(nums(res.state.running_var), c.expected!.state.running_var) <= (tol.state ?? tol.output), `${c.id}: running_var`);
            assert.equal(res.state.num_batches_tracked, c.expected!.state.num_batches_tracked, c.id);
          } else assert.equal(res.state, null, c.id);
          if (c.expected!.grad) {
            assert.ok(maxDiff(nums(res.grad.input), c.expected!.grad.input) <= (tol.grad ?? tol.output), `${c.id}: grad input`);
            if (c.expected!.grad.weight) assert.ok(maxDiff(nums(res.grad.weight), c.expected!.grad.weight) <= (tol.grad ?? tol.output), `${c.id}: grad weight`);
          }
        }
        run++;
      }
      assert.ok(run >= 3, `only ${run} cases ran`);
    });
  }
});

describe("normlens compute in other frameworks' terms", () => {
  it('Keras BatchNormalization: momentum 0.99 keeps 99% of the old average, stored variance biased, epsilon 1e-3', () => {
    const r = JSON.parse(
      compute(JSON.stringify({ layer: 'keras.layers.BatchNormalization', mode: 'train', input: { shape: [4, 1], data: [2, 4, 6, 8] } })).output,
    );
    // Batch mean 5, biased variance 5: y = (x − 5)/√(5 + 0.001).
    const expected = [2, 4, 6, 8].map((x) => (x - 5) / Math.sqrt(5.001));
    assert.ok(maxDiff(r.output.data, expected) < 1e-6);
    // Keras's own names, and no PyTorch counter.
    assert.deepEqual(Object.keys(r.state), ['moving_mean', 'moving_variance']);
    assert.ok(Math.abs(r.state.moving_mean[0] - 0.05) < 1e-7);
    assert.ok(Math.abs(r.state.moving_variance[0] - (0.99 + 0.01 * 5)) < 1e-6);
  });

  const answer = (req: unknown) => {
    const a = compute(JSON.stringify(req));
    return { code: a.code, ...JSON.parse(a.output) };
  };

  it('a batch of one in training: Keras and Flax return β and move the averages (issue 12), PyTorch raises', () => {
    const x = { shape: [1, 4], data: [1, 2, 3, 4] };
    const keras = answer({ layer: 'keras.layers.BatchNormalization', call: { training: true }, input: x, params: { beta: [0.5, 0.5, 0.5, 0.5] } });
    assert.deepEqual(keras.output.data, [0.5, 0.5, 0.5, 0.5]);
    assert.ok(maxDiff(keras.state.moving_mean, [0.01, 0.02, 0.03, 0.04]) < 1e-8);
    assert.ok(maxDiff(keras.state.moving_variance, [0.99, 0.99, 0.99, 0.99]) < 1e-7);
    const nnx = answer({ layer: 'flax.nnx.BatchNorm', kwargs: { num_features: 4 }, mode: 'train', input: x });
    assert.deepEqual(nnx.output.data, [0, 0, 0, 0]);
    assert.deepEqual(Object.keys(nnx.state), ['mean', 'var']);
    const gn = answer({ layer: 'keras.layers.GroupNormalization', kwargs: { groups: 4 }, mode: 'train', input: x });
    assert.deepEqual(gn.output.data, [0, 0, 0, 0]);
    const torch = answer({ layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 4 }, mode: 'train', input: x });
    assert.equal(torch.error.message, 'Expected more than 1 value per channel when training, got input size torch.Size([1, 4])');
  });

  it('Keras LayerNormalization(rms_scaling=True) as Keras 3.15.1 computes it, with its gradient', () => {
    const r = answer({ layer: 'keras.layers.LayerNormalization', kwargs: { rms_scaling: true }, mode: 'eval', input: { shape: [1, 4], data: [1, 2, 3, 4] } });
    // Seen with Keras 3.15.1: [0.894, 1.788, 2.682, 3.576] (x / sqrt(var(x) + 1e-3), var = 1.25).
    assert.ok(
      maxDiff(
        r.output.data,
        [1, 2, 3, 4].map((v) => v / Math.sqrt(1.25 + 1e-3)),
      ) < 1e-6,
    );
    // Gradient against central differences of sum(dy·y), in float64 arithmetic of the same formula.
    const x = [0.3, -1.2, 2.5, 0.7, 1.1];
    const g = [0.2, -0.5, 1.0, 0.4, -0.3];
    const w = [1.5, 0.5, -1, 2, 1];
    const f = (v: number[]) => {
      const m = v.reduce((a, b) => a + b) / v.length;
      const s = 1 / Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length + 1e-3);
      return v.reduce((a, b, i) => a + g[i] * w[i] * b * s, 0);
    };
    const rg = answer({
      layer: 'keras.layers.LayerNormalization',
      kwargs: { rms_scaling: true },
      mode: 'eval',
      input: { shape: [1, 5], data: x },
      params: { gamma: w },
      gradOutput: g,
    });
    const h = 1e-5;
    const numeric = x.map((_, i) => (f(x.map((v, j) => (j === i ? v + h : v))) - f(x.map((v, j) => (j === i ? v - h : v)))) / (2 * h));
    assert.ok(maxDiff(rg.grad.input, numeric) < 1e-4, `${rg.grad.input} vs ${numeric}`);
    assert.equal(rg.grad.beta, null);
  });

  it("refuses renorm and unknown keywords as Keras does, and names the right field for another framework's name", () => {
    const x = { shape: [2, 2], data: [1, 2, 3, 4] };
    assert.match(
      answer({ layer: 'keras.layers.BatchNormalization', kwargs: { renorm: true }, mode: 'train', input: x }).error.message,
      /renorm=True.*not computed by NormLens/,
    );
    assert.deepEqual(answer({ layer: 'keras.layers.BatchNormalization', kwargs: { fused: false }, mode: 'train', input: x }).error, {
      type: 'ValueError',
      message: "Unrecognized keyword arguments passed to BatchNormalization: {'fused': False}",
    });
    assert.equal(
      answer({ layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 2 }, mode: 'train', input: x, params: { gamma: [1, 1] } }).error.message,
      'params.gamma: "gamma" is Keras 3\'s name for the scale γ; PyTorch\'s torch.nn.BatchNorm1d calls it "weight" (give it as params.weight)',
    );
    assert.equal(
      answer({ layer: 'flax.linen.BatchNorm', call: { use_running_average: true }, input: x, state: { running_mean: [0, 0], running_var: [1, 1] } }).error
        .message,
      'state.running_mean: "running_mean" is PyTorch\'s name for the running mean; Flax linen\'s flax.linen.BatchNorm calls it "mean" (give it as state.mean)',
    );
    assert.match(
      answer({
        layer: 'keras.layers.BatchNormalization',
        mode: 'train',
        input: x,
        state: { moving_mean: [0, 0], moving_variance: [1, 1], num_batches_tracked: 3 },
      }).error.message,
      /Keras 3 keeps no update counter/,
    );
    assert.equal(
      answer({ layer: 'keras.layers.BatchNormalization', mode: 'train', input: x, params: { gamma: [1, 1, 1] } }).error.message,
      'params.gamma has 3 values but BatchNormalization on input shape [2, 2] has 2 (one per normalized feature)',
    );
  });

  it('call-time arguments: Keras training and trainable=False, Flax use_running_average, nnx rngs optional', () => {
    const x = { shape: [2, 2], data: [1, 2, 3, 4] };
    const state = { moving_mean: [1, 1], moving_variance: [4, 4] };
    const inference = answer({ layer: 'keras.layers.BatchNormalization', call: { training: false }, input: x, state });
    assert.ok(
      maxDiff(
        inference.output.data,
        [0, 0.5, 1, 1.5].map((v) => v * Math.sqrt(4 / 4.001)),
      ) < 1e-6,
    );
    const frozen = answer({ layer: 'keras.layers.BatchNormalization', kwargs: { trainable: false }, call: { training: true }, input: x, state });
    assert.deepEqual(frozen.output, inference.output);
    assert.deepEqual(frozen.state, inference.state);
    assert.equal(
      answer({ layer: 'keras.layers.BatchNormalization', call: { training: true }, mode: 'eval', input: x }).error.message,
      '"mode": "eval" contradicts call.training=True, which means train',
    );
    assert.deepEqual(answer({ layer: 'flax.linen.BatchNorm', kwargs: { use_running_average: true }, call: { use_running_average: false }, input: x }).error, {
      type: 'ValueError',
      message: 'Parameter "use_running_average" was passed to the constructor and at call time. Should be passed just once.',
    });
    // nnx: the call's use_running_average wins over the attribute; rngs may be left out of the request.
    const nnx = answer({ layer: 'flax.nnx.BatchNorm', kwargs: { num_features: 2, use_running_average: false }, call: { use_running_average: true }, input: x });
    assert.equal(nnx.code, 0);
    assert.ok(
      maxDiff(
        nnx.output.data,
        [1, 2, 3, 4].map((v) => v / Math.sqrt(1 + 1e-5)),
      ) < 1e-6,
    );
    assert.match(
      answer({ layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 2 }, call: { training: true }, input: x }).error.message,
      /takes no call-time arguments/,
    );
  });

  it('a layer without running statistics needs no mode; Keras layers take call.training as Keras does', () => {
    const x = { shape: [2, 2], data: [1, 3, 2, 6] };
    // LayerNorm over 2 values a < b: (∓(b − a)/2) / √((b − a)²/4 + ε)
    const ln = (a: number, b: number, eps: number) => [-1, 1].map((s) => (s * (b - a)) / 2 / Math.sqrt(((b - a) / 2) ** 2 + eps));
    const torchLn = answer({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: [2] }, input: x });
    assert.equal(torchLn.code, 0);
    assert.ok(maxDiff(torchLn.output.data, [...ln(1, 3, 1e-5), ...ln(2, 6, 1e-5)]) < 1e-6);
    assert.equal(answer({ layer: 'torch.nn.GroupNorm', kwargs: { num_groups: 1, num_channels: 2 }, input: x }).code, 0);
    assert.equal(answer({ layer: 'torch.nn.InstanceNorm1d', kwargs: { num_features: 2 }, input: { shape: [1, 2, 2], data: x.data } }).code, 0);
    // running statistics kept: the mode still decides
    assert.match(
      answer({ layer: 'torch.nn.InstanceNorm1d', kwargs: { num_features: 2, track_running_stats: true }, input: { shape: [1, 2, 2], data: x.data } }).error
        .message,
      /is needed to choose batch or running statistics/,
    );
    assert.match(
      answer({ layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 2 }, input: x }).error.message,
      /is needed to choose batch or running statistics/,
    );
    // what the framework does when the call says nothing (trial 8): Keras's training=None uses the moving statistics
    // (Keras 3.15.1: BatchNormalization()(x) on [[1, 2], [3, 5]] gives x / sqrt(1 + 0.001)), F.batch_norm's training=False
    const kerasBn = answer({ layer: 'keras.layers.BatchNormalization', input: { shape: [2, 2], data: [1, 2, 3, 5] } });
    assert.ok(
      maxDiff(
        kerasBn.output.data,
        [1, 2, 3, 5].map((v) => v / Math.sqrt(1.001)),
      ) < 1e-6,
    );
    const fbn = answer({
      layer: 'torch.nn.functional.batch_norm',
      input: { shape: [2, 2], data: [1, 2, 3, 5] },
      state: { running_mean: [0, 0], running_var: [1, 1] },
    });
    assert.ok(
      maxDiff(
        fbn.output.data,
        [1, 2, 3, 5].map((v) => v / Math.sqrt(1 + 1e-5)),
      ) < 1e-6,
    );
    // keras.layers.LayerNormalization()(x, training=True) is valid Keras (Layer.__call__ takes it for every layer)
    const keras = answer({ layer: 'keras.layers.LayerNormalization', call: { training: true }, input: x });
    assert.equal(keras.code, 0);
    assert.ok(maxDiff(keras.output.data, [...ln(1, 3, 1e-3), ...ln(2, 6, 1e-3)]) < 1e-6);
    assert.match(
      answer({ layer: 'keras.layers.LayerNormalization', call: { training: 'yes' }, input: x }).error.message,
      /call\.training must be true or false/,
    );
  });

  it('Flax linen BatchNorm picks the mode from use_running_average', () => {
    const req = { layer: 'flax.linen.BatchNorm', kwargs: { use_running_average: true }, input: { shape: [2, 2], data: [1, 2, 3, 4] } };
    const r = JSON.parse(compute(JSON.stringify(req)).output);
    // Fresh averages (mean 0, var 1), epsilon 1e-5: y = x/√(1 + 1e-5).
    assert.ok(
      maxDiff(
        r.output.data,
        [1, 2, 3, 4].map((x) => x / Math.sqrt(1 + 1e-5)),
      ) < 1e-6,
    );
    const clash = JSON.parse(compute(JSON.stringify({ ...req, mode: 'train' })).output);
    assert.deepEqual(clash.error, { type: 'InputError', message: '"mode": "train" contradicts use_running_average=True, which means eval' });
  });

  it('functional forms take weight and running statistics from params and state', () => {
    const req = {
      layer: 'torch.nn.functional.layer_norm',
      kwargs: { normalized_shape: [2] },
      mode: 'train',
      input: { shape: [1, 2], data: [1, 3] },
      params: { weight: [2, 2], bias: [1, 1] },
    };
    const r = JSON.parse(compute(JSON.stringify(req)).output);
    assert.ok(maxDiff(r.output.data, [1 - 2 / Math.sqrt(1 + 1e-5), 1 + 2 / Math.sqrt(1 + 1e-5)]) < 1e-6);
  });
});

describe("normlens compute never answers another framework's layer with PyTorch's words", () => {
  it('every non-PyTorch class, on inputs PyTorch refuses (rank 1, one value per channel, empty)', () => {
    const pytorchWords =
      /torch\.Size|Expected more than 1 value|expected \dD|Expected at least \d dimensions|should contain|Given normalized_shape|PyTorch would/;
    let answered = 0;
    for (const spec of NORM_CLASSES.filter((s) => s.framework !== 'pytorch' && s.form === 'module')) {
      const kwargs: Record<string, unknown> = {};
      for (const q of spec.params) {
        if ('default' in q || q.plumbing) continue;
        kwargs[q.name] = q.name.startsWith('create_') ? true : q.name === 'decay_rate' ? 0.9 : q.name === 'axis' ? -1 : 4;
      }
      if (spec.roles.groups) kwargs[spec.roles.groups] = 2;
      for (const input of [
        { shape: [4], data: [1, 2, 3, 4] },
        { shape: [1, 4], data: [1, 2, 3, 4] },
        { shape: [0, 4], data: [] },
      ]) {
        const call = spec.callParams?.some((c) => c.name === 'is_training') ? { is_training: true } : undefined;
        const a = compute(JSON.stringify({ layer: spec.id, kwargs, ...(call ? { call } : { mode: 'train' }), input }));
        const res = JSON.parse(a.output);
        if (a.code !== 0) assert.doesNotMatch(res.error.message, pytorchWords, `${spec.id} ${JSON.stringify(input.shape)}: ${res.error.message}`);
        answered++;
      }
    }
    assert.ok(answered >= 90, `${answered}`);
  });
});

describe('normlens compute request errors', () => {
  const err = (request: unknown) => {
    const a = compute(typeof request === 'string' ? request : JSON.stringify(request));
    assert.equal(a.code, 2);
    return JSON.parse(a.output).error as { type: string; message: string };
  };
  const ok = { layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 2 }, mode: 'train', input: { shape: [2, 2], data: [1, 2, 3, 4] } };

  it('refuses inputs whose sum of squares overflows float32 (torch 2.13, Keras 3.15.1 and Flax 0.12.8 return NaN or 0 there), not values just below', () => {
    const big = { shape: [4, 2], data: [-2e20, 1e20, 3e20, 0.5e20, -1e20, 2e20, 1e20, -3e20] };
    for (const layer of ['torch.nn.LayerNorm', 'torch.nn.RMSNorm']) {
      const e = err({ layer, kwargs: { normalized_shape: 2 }, input: big });
      assert.equal(e.type, 'InputError');
      assert.match(e.message, /overflow float32 when squared and summed .* NormLens does not reproduce float32 overflow/);
    }
    assert.match(err({ layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 2 }, mode: 'train', input: big }).message, /overflow float32/);
    assert.match(err({ layer: 'keras.layers.LayerNormalization', input: big }).message, /overflow float32/);
    // in eval a BatchNorm normalizes with its running statistics: nothing is squared
    const evalBn = JSON.parse(compute(JSON.stringify({ layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 2 }, mode: 'eval', input: big })).output);
    assert.ok(Math.abs(evalBn.output.data[0] / (-2e20 / Math.sqrt(1 + 1e-5)) - 1) < 1e-6, String(evalBn.output.data[0]));
    // torch 2.13: LayerNorm(2) on [[-1e18, 1e18]] gives [-1, 1]
    const fine = JSON.parse(
      compute(JSON.stringify({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 2 }, input: { shape: [1, 2], data: [-1e18, 1e18] } })).output,
    );
    assert.deepEqual(fine.output.data, [-1, 1]);
  });

  it('an empty training batch: Keras 3.15.1 and Flax 0.12.8 average its NaN statistics in; PyTorch leaves the averages alone', () => {
    const empty = { shape: [0, 2], data: [] };
    const keras = JSON.parse(
      compute(
        JSON.stringify({
          layer: 'keras.layers.BatchNormalization',
          call: { training: true },
          input: empty,
          state: { moving_mean: [1, 2], moving_variance: [3, 4] },
        }),
      ).output,
    );
    assert.deepEqual(keras.state, { moving_mean: ['NaN', 'NaN'], moving_variance: ['NaN', 'NaN'] });
    const nnx = JSON.parse(compute(JSON.stringify({ layer: 'flax.nnx.BatchNorm', kwargs: { num_features: 2 }, mode: 'train', input: empty })).output);
    assert.deepEqual(nnx.state, { mean: ['NaN', 'NaN'], var: ['NaN', 'NaN'] });
    assert.equal(nnx.warnings, undefined);
    const torch = JSON.parse(compute(JSON.stringify({ layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 2 }, mode: 'train', input: empty })).output);
    assert.deepEqual([torch.state.running_mean, torch.state.num_batches_tracked], [[0, 0], 1]);
  });

  it('refuses a Flax nnx LayerNorm/RMSNorm whose num_features is not the normalized size (Flax 0.12.8 fails reshaping its scale)', () => {
    const x = { shape: [2, 6], data: [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 7] };
    for (const layer of ['flax.nnx.LayerNorm', 'flax.nnx.RMSNorm'])
      assert.equal(err({ layer, kwargs: { num_features: 5 }, input: x }).message, 'cannot reshape array of shape (5,) (size 5) into shape [1, 6]');
    // without scale or bias nothing is reshaped: computed
    const plain = JSON.parse(
      compute(JSON.stringify({ layer: 'flax.nnx.LayerNorm', kwargs: { num_features: 5, use_scale: false, use_bias: false }, input: x })).output,
    );
    assert.equal(plain.output.shape[1], 6);
  });

  it("takes a tensor operand's own default, None, as not given (jax.nn.standardize(x, mean=None)), and refuses a value there", () => {
    const x = { shape: [2, 3], data: [1, 2, 3, 4, 5, 7] };
    const plain = JSON.parse(compute(JSON.stringify({ layer: 'jax.nn.standardize', input: x })).output);
    const none = JSON.parse(compute(JSON.stringify({ layer: 'jax.nn.standardize', kwargs: { mean: null }, input: x })).output);
    assert.deepEqual(none.output, plain.output);
    assert.match(err({ layer: 'jax.nn.standardize', kwargs: { mean: [0, 0, 0] }, input: x }).message, /mean is a tensor operand of standardize/);
  });

  it('refuses a dtype other than float32, and one no framework has', () => {
    const x = { shape: [1, 2], data: [1, 1.001] };
    const e = err({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 2, dtype: 'torch.bfloat16' }, input: x });
    assert.deepEqual(e, {
      type: 'InputError',
      message:
        "torch.nn.LayerNorm with dtype=torch.bfloat16: NormLens computes float32 layers only (bfloat16 rounds inputs, parameters and results otherwise, and for RMSNorm's eps=None changes ε); compute it in the framework",
    });
    assert.match(err({ layer: 'torch.nn.RMSNorm', kwargs: { normalized_shape: 2, dtype: 'torch.float64' }, input: x }).message, /float64/);
    assert.match(err({ layer: 'keras.layers.LayerNormalization', kwargs: { dtype: 'mixed_bfloat16' }, input: x }).message, /float32 layers only/);
    assert.match(err({ layer: 'flax.linen.RMSNorm', kwargs: { param_dtype: 'jnp.float16' }, input: x }).message, /param_dtype=jnp\.float16/);
    assert.match(err({ layer: 'keras.layers.LayerNormalization', kwargs: { dtype: 'float17' }, input: x }).message, /not a floating dtype NormLens knows/);
    const f32 = JSON.parse(compute(JSON.stringify({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 2, dtype: 'torch.float32' }, input: x })).output);
    assert.equal(f32.output.shape[1], 2);
  });

  it('says where JSON is invalid', () => {
    assert.deepEqual(err('{"layer": "torch.nn.LayerNorm",\n  "mode": train}'), {
      type: 'InputError',
      message: 'invalid JSON: unexpected "train}" at line 2, column 11',
    });
    assert.deepEqual(err('{"layer": [1, 2'), { type: 'InputError', message: 'invalid JSON: the text ends early at line 1, column 16' });
    assert.deepEqual(err(''), { type: 'InputError', message: 'invalid JSON: the request is empty' });
  });
  it('suggests the closest layer names', () => {
    assert.deepEqual(err({ ...ok, layer: 'torch.nn.Batchnorm2d' }), {
      type: 'InputError',
      message: 'unknown layer "torch.nn.Batchnorm2d"; did you mean "torch.nn.BatchNorm2d", "torch.nn.BatchNorm1d", "torch.nn.BatchNorm3d"?',
    });
  });
  it("rejects unknown and duplicate arguments with Python's TypeError", () => {
    assert.deepEqual(err({ ...ok, kwargs: { num_features: 2, epsilon: 1e-3 } }), {
      type: 'TypeError',
      message: "BatchNorm1d() got an unexpected keyword argument 'epsilon'",
    });
    assert.deepEqual(err({ ...ok, kwargs: {} }), { type: 'TypeError', message: "BatchNorm1d() missing 1 required positional argument: 'num_features'" });
  });
  it('checks shape against data, flat numeric data and sizes', () => {
    assert.deepEqual(err({ ...ok, input: { shape: [2, 3], data: [1, 2, 3, 4] } }), {
      type: 'InputError',
      message: 'input.shape [2, 3] needs 6 values but input.data has 4',
    });
    assert.deepEqual(
      err({
        ...ok,
        input: {
          shape: [2, 2],
          data: [
            [1, 2],
            [3, 4],
          ],
        },
      }),
      { type: 'InputError', message: 'input.data must be flat (row-major); element 0 is a nested list' },
    );
    assert.deepEqual(err({ ...ok, input: { shape: [2, 2], data: [1, 'x', 3, 4] } }), { type: 'InputError', message: 'input.data[1] is not a number: "x"' });
    assert.deepEqual(err({ ...ok, input: { shape: [2, 2.5], data: [] } }), {
      type: 'InputError',
      message: 'input.shape[1] must be a non-negative integer, got 2.5',
    });
    assert.deepEqual(err({ ...ok, input: { shape: [100000, 100000], data: [] } }), {
      type: 'InputError',
      message: 'input.shape [100000, 100000] has 10000000000 elements; normlens compute accepts at most 16777216',
    });
    assert.deepEqual(err({ ...ok, gradOutput: [1, 2] }), { type: 'InputError', message: 'gradOutput has 2 values but the input has 4' });
  });
  it("refuses non-numbers where a number is required, and answers PyTorch's layer errors", () => {
    assert.deepEqual(err({ ...ok, kwargs: { num_features: 2, eps: 'NaN' } }), { type: 'ValueError', message: "eps must be a number, got 'NaN'" });
    assert.deepEqual(err({ ...ok, input: { shape: [1, 2], data: [1, 2] } }), {
      type: 'ValueError',
      message: 'Expected more than 1 value per channel when training, got input size torch.Size([1, 2])',
    });
    assert.deepEqual(err({ ...ok, mode: 'training' }), { type: 'InputError', message: '"mode" must be "train" or "eval", got "training"' });
    assert.deepEqual(err({ ...ok, extra: 1 }).type, 'InputError');
    assert.match(err({ layer: 'keras.layers.UnitNormalization', mode: 'train', input: { shape: [1, 2], data: [1, 2] } }).message, /UnitNormalization/);
  });
});

describe('normlens CLI process', () => {
  const cli = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
  before(function () {
    if (!existsSync(cli)) this.skip();
  });
  it('answers on stdout with exit code 0, and 2 with a JSON error, never a stack trace', () => {
    const good = spawnSync('node', [cli, 'compute'], {
      input: JSON.stringify({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 4 }, mode: 'eval', input: { shape: [1, 4], data: [2, 4, 6, 8] } }),
      encoding: 'utf8',
    });
    assert.equal(good.status, 0, good.stderr);
    const out = JSON.parse(good.stdout);
    assert.ok(maxDiff(out.output.data, [-1.3416, -0.4472, 0.4472, 1.3416]) < 1e-4);
    assert.equal(out.state, null);
    const bad = spawnSync('node', [cli, 'compute'], { input: 'not json', encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.equal(JSON.parse(bad.stdout).error.type, 'InputError');
    assert.equal(bad.stderr, '');
    const version = spawnSync('node', [cli, '--version'], { encoding: 'utf8' });
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});

describe('normlens compute: the update counter', () => {
  it('takes whole numbers a JSON number holds exactly, and refuses 1e300 and 2^53 + 1', () => {
    const ask = (count: unknown) =>
      compute(
        JSON.stringify({
          layer: 'torch.nn.BatchNorm1d',
          kwargs: { num_features: 1, momentum: null },
          mode: 'train',
          input: { shape: [2, 1], data: [1, 3] },
          state: { running_mean: [0], running_var: [1], num_batches_tracked: count },
        }),
      );
    const ok = JSON.parse(ask(9007199254740990).output) as { state: { num_batches_tracked: number } };
    assert.equal(ok.state.num_batches_tracked, 9007199254740991);
    for (const bad of [1e300, 9007199254740992, -1, 2.5]) {
      const a = ask(bad);
      assert.equal(a.code, 2);
      assert.match(a.output, /num_batches_tracked must be a whole number from 0 to 9007199254740991/);
    }
  });
});

describe('normlens compute: answers longer than one string', () => {
  it('jsonPieces joined is JSON.stringify, with long arrays over several pieces', () => {
    const long = Array.from({ length: (1 << 20) * 2 + 5 }, (_, i) => (i % 7 === 0 ? -i / 3 : i));
    const value = { a: 'x\u0000normlens-piece:0', output: { shape: [long.length], data: long }, state: null, grad: { input: long.slice(0, 3) } };
    const pieces = jsonPieces(value);
    assert.equal(pieces.length, 5, 'the text before, three pieces of the array, the text after');
    assert.equal(pieces.join(''), JSON.stringify(value));
    assert.deepEqual(jsonPieces({ data: [1, 2] }), ['{"data":[1,2]}']);
  });

  it('an answer of more than 2^20 values comes as output and rest, which together are the whole JSON', () => {
    const n = (1 << 20) + 3;
    const data = Array.from({ length: n }, (_, i) => (i % 13) / 4);
    const a = compute(
      JSON.stringify({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: [n], elementwise_affine: false }, input: { shape: [1, n], data } }),
    );
    assert.equal(a.code, 0);
    assert.ok(a.rest && a.rest.length >= 2);
    const whole = a.output + a.rest.join('');
    assert.ok(whole.endsWith('\n'));
    const r = JSON.parse(whole) as { output: { shape: number[]; data: number[] } };
    assert.deepEqual(r.output.shape, [1, n]);
    assert.equal(r.output.data.length, n);
    // (the mean of 0..12 / 4 repeated is 1.5: the first value, 0, normalizes below zero)
    assert.ok(r.output.data[0] < 0 && r.output.data[6] > -0.01 && r.output.data[6] < 0.01);
  });
});
