/**
 * `normlens port` where evaluation alone hides a difference: a momentum outside [0, 1] (the running
 * statistics after a training step), a BatchNorm fixed in inference mode at construction (Flax
 * use_running_average=True, Keras trainable=False), and Flax's fast variance (E[x²] − E[x]², its
 * default) on inputs whose mean is large against their spread. The snippets run as written in torch
 * 2.13, Keras 3.15.1 and Flax 0.12.8 (scripts/run_ports.py, "mode": "train" and "offset").
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { portLayer, type PortPlan } from '../../../src/calc/port';
import type { FrameworkId, PyValue } from '../../../src/frameworks/types';
import { FRAMEWORKS_PYTHON } from '../venv';

const ROOT = join(__dirname, '..', '..', '..');
const PY = FRAMEWORKS_PYTHON;

interface Case {
  layer: string;
  kwargs: Record<string, PyValue>;
  shape: number[];
  to: FrameworkId;
  mode?: 'train';
  offset?: number;
}

function plan(c: Case): PortPlan {
  const p = portLayer({ layer: c.layer, kwargs: c.kwargs, to: c.to, inputShape: c.shape });
  assert.ok(!('error' in p), `${c.layer} → ${c.to}: ${'error' in p ? p.error : ''}`);
  return p as PortPlan;
}

function run(cases: Case[]): { id: string; diff?: number; error?: string }[] {
  const items = cases.map((c) => {
    const p = plan(c);
    return {
      id: `${c.layer}(${JSON.stringify(c.kwargs)}) → ${p.constructor}`,
      source: { layer: c.layer, kwargs: c.kwargs },
      shape: c.shape,
      snippet: p.snippet,
      to: c.to,
      transpose: 'none',
      ...(c.mode ? { mode: c.mode } : {}),
      ...(c.offset ? { offset: c.offset } : {}),
    };
  });
  const r = spawnSync(PY, [join(ROOT, 'scripts', 'run_ports.py')], { input: JSON.stringify(items), encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { id: string; diff?: number; error?: string }[];
}

const MOMENTUM: Case[] = [1.5, -0.1].flatMap((momentum) =>
  (['keras', 'flax_nnx', 'flax_linen'] as FrameworkId[]).map((to) => ({
    layer: 'torch.nn.BatchNorm1d',
    kwargs: { num_features: 3, momentum },
    shape: [8, 3],
    to,
    mode: 'train' as const,
  })),
);
const FIXED: Case[] = [
  { layer: 'flax.linen.BatchNorm', kwargs: { use_running_average: true }, shape: [4, 3], to: 'flax_nnx', mode: 'train' },
  { layer: 'flax.nnx.BatchNorm', kwargs: { num_features: 3, use_running_average: true }, shape: [4, 3], to: 'flax_linen', mode: 'train' },
  { layer: 'keras.layers.BatchNormalization', kwargs: { trainable: false }, shape: [4, 3], to: 'flax_nnx', mode: 'train' },
];
const OFFSET: Case[] = [
  { layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 8 }, shape: [4, 8], to: 'flax_linen', offset: 1000 },
  { layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 8 }, shape: [4, 8], to: 'flax_nnx', offset: 1000 },
  { layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 3 }, shape: [8, 3], to: 'flax_nnx', offset: 1000, mode: 'train' },
  { layer: 'keras.layers.GroupNormalization', kwargs: { groups: 2 }, shape: [2, 5, 4], to: 'flax_linen', offset: 1000 },
];

describe('normlens port: what evaluation alone hides', () => {
  it('a momentum outside [0, 1] becomes 1 − m across conventions, said so', () => {
    const p = plan(MOMENTUM[0]);
    assert.equal(p.constructor, 'keras.layers.BatchNormalization(axis=1, momentum=-0.5, epsilon=1e-05)');
    assert.ok(p.notes.some((n) => n.startsWith('momentum 1.5 lies outside [0, 1]')));
  });

  it('a BatchNorm fixed in inference mode keeps it: use_running_average=True, or a note where the target has no such flag', () => {
    assert.match(plan(FIXED[0]).constructor, /^flax\.nnx\.BatchNorm\(3, use_running_average=True, /);
    const torch = plan({ layer: 'keras.layers.BatchNormalization', kwargs: { trainable: false }, shape: [4, 3], to: 'pytorch' });
    assert.ok(torch.notes.some((n) => n.includes('always normalizes with its running statistics: call .eval() on it')));
  });

  it('a Flax target computes the variance as the source does (use_fast_variance=False), and a fast-variance source says it differs', () => {
    assert.equal(plan(OFFSET[0]).constructor, 'flax.linen.LayerNorm(epsilon=1e-05, use_fast_variance=False)');
    const back = plan({ layer: 'flax.linen.LayerNorm', kwargs: {}, shape: [4, 8], to: 'pytorch' });
    assert.ok(back.notes.some((n) => n.includes('use_fast_variance=True')));
    const same = plan({ layer: 'flax.linen.LayerNorm', kwargs: {}, shape: [4, 8], to: 'flax_nnx' });
    assert.ok(!same.constructor.includes('use_fast_variance'), same.constructor);
  });

  it('the snippets reproduce the source in the real frameworks: outputs and running means after a training step, large offsets', function () {
    if (!existsSync(PY)) this.skip();
    this.timeout(300000);
    const results = run([...MOMENTUM, ...FIXED, ...OFFSET]);
    const bad = results.filter((x) => x.error || !(x.diff! <= 1e-4)).map((x) => `${x.id}: ${x.error ?? `differ by ${x.diff}`}`);
    assert.deepEqual(bad, []);
  });
});
