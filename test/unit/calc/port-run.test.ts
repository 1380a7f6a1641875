/**
 * Porting verified in the real frameworks: for every portable module class of PyTorch, Keras 3 and Flax (linen,
 * nnx) and every other of those frameworks, the snippet portLayer() writes is executed as written
 * (scripts/run_ports.py in .venv-frameworks) on a source with random weights and running statistics; the target it
 * builds must give the same evaluation outputs. Plus the plan itself: names, Keras's weight order, the variance note.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PORT_FRAMEWORKS, portLayer, portableClasses, type PortPlan } from '../../../src/calc/port';
import { port } from '../../../src/cli/port';
import { frameworkInfo } from '../../../src/frameworks/index';
import type { FrameworkId, NormClassSpec, PyValue } from '../../../src/frameworks/types';
import { FRAMEWORKS_PYTHON } from '../venv';

const ROOT = join(__dirname, '..', '..', '..');
const PY = FRAMEWORKS_PYTHON;
const C = 4;

function sourceOf(s: NormClassSpec): { kwargs: Record<string, PyValue>; shape: number[] } | null {
  if (/^(Lazy|Sync)/.test(s.name) || s.kind === 'local_response_norm' || s.kind === 'unit_norm') return null;
  const kwargs: Record<string, PyValue> = {};
  const last = frameworkInfo(s.framework)!.channels === 'last';
  const dim = /([123])d$/.exec(s.name)?.[1];
  let shape = last ? [2, 3, 3, C] : dim ? [2, C, ...Array(Number(dim)).fill(3)] : [2, C, 3, 3];
  if (s.kind === 'layer_norm' || s.kind === 'rms_norm') shape = [2, 3, C];
  for (const p of s.params) {
    if ('default' in p || p.plumbing) continue;
    kwargs[p.name] = p.name === 'normalized_shape' ? [C] : p.name === 'num_groups' ? 2 : C;
  }
  if (s.roles.groups) kwargs[s.roles.groups] = 2;
  // PyTorch InstanceNorm keeps no parameters by default: port one that has them.
  if (s.framework === 'pytorch' && s.kind === 'instance_norm') kwargs.affine = true;
  return { kwargs, shape };
}

describe('normlens port: the plan', () => {
  it('PyTorch BatchNorm2d → Keras: names, get_weights() order, momentum, and what the variance means', () => {
    const plan = portLayer({
      layer: 'torch.nn.BatchNorm2d',
      kwargs: { num_features: 8 },
      to: 'keras',
      inputShape: [16, 8, 5, 5],
      countPerChannel: 400,
    }) as PortPlan;
    assert.ok(!('error' in plan));
    assert.equal(plan.constructor, 'keras.layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-05)');
    assert.deepEqual(
      plan.moves.map((m) => `${m.from}→${m.to}`),
      ['weight→gamma', 'bias→beta', 'running_mean→moving_mean', 'running_var→moving_variance'],
    );
    assert.deepEqual(plan.targetOrder, ['gamma', 'beta', 'moving_mean', 'moving_variance']);
    assert.match(plan.variance!, /copied unchanged/);
    assert.match(plan.variance!, /running_var × 0\.9975/);
    assert.match(plan.snippet, /dst\.set_weights\(\[src\.weight\.detach\(\)\.cpu\(\)\.numpy\(\)\.reshape\(dst\.gamma\.shape\), /);
    const unknown = portLayer({ layer: 'torch.nn.BatchNorm2d', kwargs: { num_features: 8 }, to: 'flax_linen', inputShape: [16, 8, 5, 5] }) as PortPlan;
    assert.match(unknown.variance!, /needs the values per channel per batch \(countPerChannel\), which was not given/);
  });

  it('refuses what it cannot port with a specific message', () => {
    assert.deepEqual(portLayer({ layer: 'torch.nn.functional.batch_norm', kwargs: {}, to: 'keras', inputShape: [2, 3] }), {
      error: 'torch.nn.functional.batch_norm is a function: it owns no weights to port',
    });
    assert.match(
      (portLayer({ layer: 'haiku.BatchNorm', kwargs: {}, to: 'keras', inputShape: [2, 3] }) as { error: string }).error,
      /porting from Haiku is not supported/,
    );
    // Keras's instance norm is GroupNormalization(groups=-1), which keeps no running statistics
    assert.equal(
      (
        portLayer({ layer: 'torch.nn.InstanceNorm2d', kwargs: { num_features: 4, track_running_stats: true }, to: 'keras', inputShape: [2, 4, 3, 3] }) as {
          error: string;
        }
      ).error,
      "InstanceNorm2d here keeps running statistics for evaluation; Keras 3's GroupNormalization keeps none (it always normalizes with each sample's own statistics)",
    );
    const instance = portLayer({
      layer: 'torch.nn.InstanceNorm2d',
      kwargs: { num_features: 4, affine: true },
      to: 'keras',
      inputShape: [2, 4, 3, 3],
    }) as PortPlan;
    assert.equal(instance.constructor, 'keras.layers.GroupNormalization(groups=-1, axis=1, epsilon=1e-05)');
    // in the field's names, and what to do instead
    assert.equal(
      (
        portLayer({ layer: 'torch.nn.BatchNorm2d', kwargs: { num_features: 8, track_running_stats: false }, to: 'keras', inputShape: [4, 8, 3, 3] }) as {
          error: string;
        }
      ).error,
      'BatchNorm2d holds weight, bias but BatchNormalization as written holds weight, bias, running_mean, running_var: copy weight and bias, ' +
        "leave the averages as built; BatchNorm2d here keeps no running statistics, so evaluation uses the batch's statistics too: " +
        'call it with training=True in evaluation as well.',
    );
  });

  it('refuses an input shape the source layer cannot take (the plan would be sized by the wrong channels)', () => {
    const err = (layer: string, kwargs: Record<string, PyValue>, to: FrameworkId, inputShape: number[]) =>
      (portLayer({ layer, kwargs, to, inputShape }) as { error?: string }).error;
    assert.equal(
      err('torch.nn.BatchNorm2d', { num_features: 64 }, 'keras', [2, 32, 4, 4]),
      'inputShape [2, 32, 4, 4] has 32 channels but BatchNorm2d has 64 features',
    );
    assert.equal(
      err('torch.nn.GroupNorm', { num_groups: 2, num_channels: 8 }, 'flax_linen', [2, 6, 4]),
      'inputShape [2, 6, 4] has 6 channels but GroupNorm has 8',
    );
    assert.equal(
      err('torch.nn.LayerNorm', { normalized_shape: [8] }, 'keras', [2, 3, 7]),
      'inputShape [2, 3, 7] does not end in the normalized shape [8] of LayerNorm',
    );
    // channels last in Keras: axis -1
    assert.equal(err('keras.layers.BatchNormalization', {}, 'pytorch', [2, 4, 4, 16]), undefined);
    assert.equal(err('torch.nn.BatchNorm2d', { num_features: 64 }, 'keras', [2, 64, 4, 4]), undefined);
  });
});

describe('normlens port: requests', () => {
  const answer = (req: unknown) => {
    const a = port(typeof req === 'string' ? req : JSON.stringify(req));
    return { code: a.code, ...JSON.parse(a.output) };
  };
  it('answers a plan, and refuses bad requests with a specific message', () => {
    const ok = answer({ layer: 'flax.linen.LayerNorm', to: 'pytorch', inputShape: [2, 5, 16] });
    assert.equal(ok.code, 0);
    assert.equal(ok.constructor, 'torch.nn.LayerNorm(16, eps=1e-06)');
    assert.deepEqual(ok.targetOrder, ['weight', 'bias']);
    assert.match(ok.snippet, /src_vars\['params'\]\['scale'\]/);
    assert.deepEqual(answer('{"layer": ').error, { type: 'InputError', message: 'invalid JSON at offset 10' });
    assert.match(
      answer({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 4 }, to: 'haiku', inputShape: [2, 4] }).error.message,
      /"to" must be one of "pytorch", "keras", "flax_linen", "flax_nnx"/,
    );
    assert.match(
      answer({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 4 }, to: 'keras', inputShape: [2, 4], countPerChannel: 1 }).error.message,
      /countPerChannel/,
    );
    assert.match(
      answer({ layer: 'keras.layers.BatchNormalization', kwargs: { fused: true }, to: 'pytorch', inputShape: [2, 4] }).error.message,
      /Unrecognized keyword arguments/,
    );
    assert.match(
      answer({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: 4 }, to: 'keras', inputShape: [2, 4], extra: 1 }).error.message,
      /unknown request field "extra"/,
    );
    // (trial 8) the source's own refusal, in its words; an input rank the source refuses; bounded nesting; no `inf` snippet
    assert.equal(
      answer({ layer: 'torch.nn.GroupNorm', kwargs: { num_groups: 4, num_channels: 6 }, to: 'keras', inputShape: [2, 6, 4] }).error.message,
      'num_channels (6) must be divisible by num_groups (4)',
    );
    assert.equal(
      answer({ layer: 'torch.nn.BatchNorm2d', kwargs: { num_features: 3 }, to: 'keras', inputShape: [2, 3] }).error.message,
      'BatchNorm2d takes 4-D input; inputShape [2, 3] is 2-D',
    );
    const deep = `${'['.repeat(100000)}4${']'.repeat(100000)}`;
    assert.match(
      answer(`{"layer": "torch.nn.LayerNorm", "kwargs": {"normalized_shape": ${deep}}, "to": "keras", "inputShape": [2, 4]}`).error.message,
      /kwargs\.normalized_shape is nested more than 32 lists deep/,
    );
    assert.equal(
      answer('{"layer": "torch.nn.LayerNorm", "kwargs": {"normalized_shape": 4, "eps": 1e999}, "to": "keras", "inputShape": [2, 4]}').error.message,
      'kwargs.eps is not a finite number',
    );
  });
});

describe('normlens port: snippets run in the real frameworks (torch 2.13, Keras 3.15.1, Flax 0.12.8)', function () {
  this.timeout(300000);
  it("Keras's GroupNormalization(groups=-1), one group per channel, ports with the channel count and runs alike", function () {
    if (!existsSync(PY)) this.skip();
    const items: unknown[] = [];
    for (const to of ['pytorch', 'flax_linen', 'flax_nnx'] as const) {
      const source = { layer: 'keras.layers.GroupNormalization', kwargs: { groups: -1 } };
      const plan = portLayer({ ...source, to, inputShape: [2, 5, 5, 4] }) as PortPlan;
      assert.ok(!('error' in plan), JSON.stringify(plan));
      // (torch's GroupNorm(-1, 4) builds but raises at the first call: "Expected num groups to be greater than 0")
      assert.match(plan.constructor, /\b(GroupNorm\(4, 4|num_groups=4)\b/, plan.constructor);
      const moves = plan.notes.some((n) => n.includes('transpose the input'));
      items.push({
        id: `${source.layer}(groups=-1) → ${plan.constructor}`,
        source,
        shape: [2, 5, 5, 4],
        snippet: plan.snippet,
        to,
        transpose: moves ? (frameworkInfo(to)!.channels === 'last' ? 'to_last' : 'to_first') : 'none',
      });
    }
    const r = spawnSync(PY, [join(ROOT, 'scripts', 'run_ports.py')], { input: JSON.stringify(items), encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    const results = JSON.parse(r.stdout) as { id: string; diff?: number; error?: string }[];
    assert.equal(results.length, 3);
    assert.deepEqual(
      results.filter((x) => x.error || !(x.diff! <= 1e-4)).map((x) => `${x.id}: ${x.error ?? x.diff}`),
      [],
    );
  });

  it('every portable class into every other framework gives the same evaluation outputs', function () {
    if (!existsSync(PY)) this.skip();
    const items: unknown[] = [];
    const refused: string[] = [];
    for (const s of portableClasses()) {
      const src = sourceOf(s);
      if (!src) continue;
      for (const to of PORT_FRAMEWORKS) {
        if (to === s.framework) continue;
        const plan = portLayer({ layer: s.id, kwargs: src.kwargs, to, inputShape: src.shape });
        if ('error' in plan) {
          refused.push(`${s.id} → ${to}: ${plan.error}`);
          continue;
        }
        const moves = plan.notes.some((n) => n.includes('transpose the input'));
        items.push({
          id: `${s.id} → ${plan.constructor}`,
          source: { layer: s.id, kwargs: src.kwargs },
          shape: src.shape,
          snippet: plan.snippet,
          to,
          transpose: moves ? (frameworkInfo(to)!.channels === 'last' ? 'to_last' : 'to_first') : 'none',
        });
      }
    }
    assert.ok(items.length >= 50, `only ${items.length} ports`);
    // (an instance norm goes to Keras as GroupNormalization(groups=-1): run below like every other port)
    assert.deepEqual(refused, []);
    assert.ok(items.some((x) => /InstanceNorm2d → keras\.layers\.GroupNormalization\(groups=-1/.test((x as { id: string }).id)));
    const r = spawnSync(PY, [join(ROOT, 'scripts', 'run_ports.py')], { input: JSON.stringify(items), encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    const failures = (JSON.parse(r.stdout) as { id: string; diff?: number; error?: string }[])
      .filter((x) => x.error || !(x.diff! <= 1e-4))
      .map((x) => `${x.id}: ${x.error ?? `outputs differ by ${x.diff}`}`);
    assert.deepEqual(failures, []);
  });
});
