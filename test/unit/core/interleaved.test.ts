/**
 * Group normalization with interleaved groups (MLX's GroupNorm without pytorch_compatible). MLX is
 * not installed here; the oracle is numpy running MLX's `GroupNorm._group_norm` step by step as
 * its source (mlx/nn/layers/normalization.py) writes it: reshape the features to
 * (batch, -1, num_groups), mean and biased variance over axis 1, times rsqrt(var + eps), reshape
 * back, then weight·x + bias per feature.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { runLayer, statGroupIndex, Tensor } from '../../../src/core/index';
import type { GroupNormSpec } from '../../../src/core/spec';
import { findByQualifiedName } from '../../../src/frameworks/index';
import { FRAMEWORKS_PYTHON } from '../venv';

const PYTHON = FRAMEWORKS_PYTHON;

const MLX_GROUP_NORM = `
import json, sys
import numpy as np
r = json.load(sys.stdin)
x = np.asarray(r["x"], dtype=np.float32).reshape(r["shape"])
w = np.asarray(r["w"], dtype=np.float32); b = np.asarray(r["b"], dtype=np.float32)
G = r["G"]; eps = np.float32(r["eps"])
batch, *rest, dims = x.shape
y = x.reshape(batch, -1, G)
means = y.mean(axis=1, keepdims=True)
var = y.var(axis=1, keepdims=True)
y = (y - means) * (1 / np.sqrt(var + eps))
y = y.reshape(batch, *rest, dims)
print(json.dumps((w * y + b).astype(np.float64).ravel().tolist()))
`;

describe('core: group normalization with interleaved groups (MLX GroupNorm, pytorch_compatible=False)', () => {
  const shape = [2, 3, 2, 6];
  const size = shape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 1.7) * 3 + (i % 6) * 0.5);
  const weight = Float32Array.from([1.5, -0.5, 2, 0.25, 1, 3]);
  const bias = Float32Array.from([0.1, 0.2, -0.3, 0.4, 0, -1]);
  const spec: GroupNormSpec = {
    kind: 'group_norm',
    numGroups: 3,
    numChannels: 6,
    eps: 1e-5,
    hasWeight: true,
    hasBias: true,
    channelAxis: -1,
    interleaved: true,
  };

  it('matches MLX’s _group_norm as its source computes it (numpy)', function () {
    if (!existsSync(PYTHON)) this.skip();
    const ours = runLayer({ spec, mode: 'train', input: new Tensor(shape, x), params: { weight, bias } }).output.data;
    const r = spawnSync(PYTHON, ['-c', MLX_GROUP_NORM], {
      input: JSON.stringify({ x: [...x], shape, w: [...weight], b: [...bias], G: 3, eps: 1e-5 }),
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const want = JSON.parse(r.stdout) as number[];
    const diff = Math.max(...want.map((v, i) => Math.abs(v - ours[i])));
    assert.ok(diff < 1e-5, `differs by ${diff}`);
    // and not what consecutive groups give (the two groupings really differ on this input)
    const consecutive = runLayer({ spec: { ...spec, interleaved: false }, mode: 'train', input: new Tensor(shape, x), params: { weight, bias } }).output.data;
    assert.ok(Math.max(...want.map((v, i) => Math.abs(v - consecutive[i]))) > 0.1);
  });

  it('groups channel c with c mod G in the statistics index, and MLX’s table entry builds it', () => {
    const { groups, index } = statGroupIndex(spec, [1, 1, 1, 6]);
    assert.equal(groups, 3);
    assert.deepEqual([...index], [0, 1, 2, 0, 1, 2]);
    const mlx = findByQualifiedName('mlx.nn.GroupNorm')!;
    const defaults = { eps: 1e-5, affine: true, pytorch_compatible: false };
    assert.deepEqual(mlx.toCore!({ ...defaults, num_groups: 8, dims: 64 }), { ...spec, numGroups: 8, numChannels: 64, checks: 'none' });
    // pytorch_compatible=True, one group, or a group per feature: the groupings coincide
    for (const kw of [{ pytorch_compatible: true }, { num_groups: 1 }, { num_groups: 64 }]) {
      const core = mlx.toCore!({ ...defaults, num_groups: 8, dims: 64, ...kw });
      assert.ok(!('error' in core) && core.kind === 'group_norm' && !core.interleaved, JSON.stringify(kw));
    }
  });

  it('gradients follow the channels back to their places', () => {
    const g = Float32Array.from({ length: size }, (_, i) => Math.cos(i));
    const a = runLayer({ spec, mode: 'train', input: new Tensor(shape, x), params: { weight, bias }, gradOutput: g }).grad!;
    // a finite difference of sum(g·y) in one input element and in one weight
    const loss = (xx: Float32Array, ww: Float32Array) => {
      const y = runLayer({ spec, mode: 'train', input: new Tensor(shape, xx), params: { weight: ww, bias } }).output.data;
      return y.reduce((s, v, i) => s + v * g[i], 0);
    };
    const h = 1e-2;
    const at = 7;
    const xp = Float32Array.from(x);
    const xm = Float32Array.from(x);
    xp[at] += h;
    xm[at] -= h;
    assert.ok(Math.abs((loss(xp, weight) - loss(xm, weight)) / (2 * h) - a.input[at]) < 1e-2);
    const wp = Float32Array.from(weight);
    const wm = Float32Array.from(weight);
    wp[4] += h;
    wm[4] -= h;
    assert.ok(Math.abs((loss(x, wp) - loss(x, wm)) / (2 * h) - a.weight![4]) < 1e-2);
  });
});
