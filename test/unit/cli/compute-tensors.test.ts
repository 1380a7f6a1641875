/**
 * `normlens compute`: parameters and running statistics a layer does not hold are refused, never ignored. In
 * torch 2.13, LayerNorm(elementwise_affine=False).weight and BatchNorm1d(affine=False).weight are None, and
 * BatchNorm1d(track_running_stats=False).running_mean is None (checked in .venv-frameworks when present); a
 * LayerNorm keeps no running statistics at all.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { compute } from '../../../src/cli/compute';
import { FRAMEWORKS_PYTHON } from '../venv';

const PY = FRAMEWORKS_PYTHON;
const x = { shape: [2, 2], data: [1, 2, 3, 4] };

function refusal(req: Record<string, unknown>): { type: string; message: string } {
  const a = compute(JSON.stringify(req));
  assert.equal(a.code, 2, a.output);
  return (JSON.parse(a.output) as { error: { type: string; message: string } }).error;
}

describe('normlens compute: tensors the layer does not hold', () => {
  it('torch 2.13 holds None for them (the facts the refusals follow)', function () {
    this.timeout(60000);
    if (!existsSync(PY)) this.skip();
    const r = spawnSync(
      PY,
      [
        '-c',
        'import torch\nprint(torch.nn.LayerNorm(2, elementwise_affine=False).weight, torch.nn.BatchNorm1d(2, affine=False).weight, torch.nn.BatchNorm1d(2, track_running_stats=False).running_mean, hasattr(torch.nn.LayerNorm(2), "running_mean"))',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').pop(), 'None None None False');
  });

  it('params.weight with elementwise_affine=False (or affine=False) is refused', () => {
    const ln = refusal({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 2, elementwise_affine: false }, input: x, params: { weight: [2, 2] } });
    assert.deepEqual(ln, { type: 'InputError', message: 'torch.nn.LayerNorm with these arguments has no weight; leave params.weight out' });
    const bn = refusal({ layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 2, affine: false }, mode: 'train', input: x, params: { bias: [0, 0] } });
    assert.match(bn.message, /has no bias; leave params\.bias out/);
  });

  it('state for a layer that keeps no running statistics is refused and says so', () => {
    const ln = refusal({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 2 }, input: x, state: { running_mean: [0, 0] } });
    assert.deepEqual(ln, {
      type: 'InputError',
      message: 'torch.nn.LayerNorm keeps no running statistics (only batch and instance normalization do); leave "state" out',
    });
    const keras = refusal({ layer: 'keras.layers.LayerNormalization', input: x, state: { moving_mean: [0, 0], moving_variance: [1, 1] } });
    assert.match(keras.message, /keras\.layers\.LayerNormalization keeps no running statistics/);
    const untracked = refusal({
      layer: 'torch.nn.BatchNorm1d',
      kwargs: { num_features: 2, track_running_stats: false },
      mode: 'train',
      input: x,
      state: { running_mean: [0, 0], running_var: [1, 1] },
    });
    assert.match(untracked.message, /torch\.nn\.BatchNorm1d with these arguments keeps no running statistics; leave "state" out/);
  });
});
