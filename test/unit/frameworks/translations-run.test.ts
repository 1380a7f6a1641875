/**
 * Translations that run: for every module class of PyTorch, Keras 3 and Flax (linen, nnx) and every other of those
 * frameworks, the equivalent NormLens shows (translate(), as the hover does) is executed as written in the real
 * framework (scripts/run_translations.py in .venv-frameworks) on the same input as the source layer, with the
 * transpose the translation asks for, in training and in evaluation mode with fresh parameters and statistics:
 * the outputs must agree to float32 precision. Skipped when .venv-frameworks is absent (npm test creates it).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NORM_CLASSES, bindArguments, frameworkInfo, translate } from '../../../src/frameworks/index';
import type { FrameworkId, NormClassSpec, PyValue } from '../../../src/frameworks/types';
import { FRAMEWORKS_PYTHON } from '../venv';

const ROOT = join(__dirname, '..', '..', '..');
const PY = FRAMEWORKS_PYTHON;
const RUNNABLE: FrameworkId[] = ['pytorch', 'keras', 'flax_linen', 'flax_nnx'];
/** Source keywords (JSON, as the Python side passes them) and an input shape in the source's own layout. */
function sourceOf(s: NormClassSpec, C = 4): { kwargs: Record<string, PyValue>; shape: number[] } | null {
  if (/^(Lazy|Sync)/.test(s.name) || s.kind === 'local_response_norm' || s.kind === 'unit_norm') return null;
  const kwargs: Record<string, PyValue> = {};
  const lastChannels = frameworkInfo(s.framework)!.channels === 'last';
  const dim = /([123])d$/.exec(s.name)?.[1];
  let shape = lastChannels ? [2, 3, 3, C] : dim ? [2, C, ...Array(Number(dim)).fill(3)] : [2, C, 3, 3];
  if (s.kind === 'layer_norm' || s.kind === 'rms_norm') shape = [2, 3, C];
  for (const p of s.params) {
    if ('default' in p || p.plumbing) continue;
    if (p.name === 'normalized_shape') kwargs[p.name] = [C];
    else if (p.name === 'num_groups') kwargs[p.name] = 2;
    else kwargs[p.name] = C; // num_features, num_channels
  }
  if (s.roles.groups) kwargs[s.roles.groups] = 2;
  return { kwargs, shape };
}

interface Item {
  id: string;
  source: { layer: string; kwargs: Record<string, PyValue>; tensors?: { weight?: boolean; bias?: boolean } };
  code: string;
  shape: number[];
  transpose: 'to_last' | 'to_first' | 'none';
}

function items(): { run: Item[]; none: string[] } {
  const run: Item[] = [];
  const none: string[] = [];
  const sources: [NormClassSpec, { kwargs: Record<string, PyValue>; shape: number[] }][] = [];
  for (const s of NORM_CLASSES.filter((c) => RUNNABLE.includes(c.framework) && c.form === 'module')) {
    const src = sourceOf(s);
    if (src) sources.push([s, src]);
    // Flax's groups sized by group_size: 6 channels in groups of 3 are 2 groups (a count of 3 would differ).
    const six = s.params.some((q) => q.name === 'group_size') && sourceOf(s, 6);
    if (six) sources.push([s, { ...six, kwargs: { ...six.kwargs, num_groups: null, group_size: 3 } }]);
  }
  for (const [s, src] of sources) {
    const b = bindArguments(s, [], { ...src.kwargs, ...(s.framework === 'flax_nnx' ? { rngs: { expr: 'nnx.Rngs(0)' } } : {}) });
    assert.deepEqual(b.errors, [], s.id);
    for (const to of RUNNABLE) {
      if (to === s.framework) continue;
      const t = translate(s, b.effective, to, { inputShape: src.shape });
      if ('error' in t) {
        none.push(`${s.id} → ${to}: ${t.error}`);
        continue;
      }
      const moves = t.notes.some((n) => n.includes('transpose the input'));
      const toLast = frameworkInfo(to)!.channels === 'last';
      run.push({
        id: `${s.id}(${JSON.stringify(src.kwargs)}) → ${t.code}`,
        source: { layer: s.id, kwargs: src.kwargs },
        code: t.code,
        shape: src.shape,
        transpose: moves ? (toLast ? 'to_last' : 'to_first') : 'none',
      });
    }
  }
  return { run, none };
}

/** The outputs and learnable values of each item and its translation (scripts/run_translations.py): what differs, by item. */
function runAll(run: Item[]): string[] {
  const r = spawnSync(PY, [join(ROOT, 'scripts', 'run_translations.py')], { input: JSON.stringify(run), encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  const results = JSON.parse(r.stdout) as {
    id: string;
    diff?: Record<string, number>;
    learnable?: [number, number];
    targetError?: string;
    sourceError?: string;
  }[];
  const failures: string[] = [];
  for (const res of results) {
    if (res.sourceError) failures.push(`${res.id}: source does not build: ${res.sourceError}`);
    else if (res.targetError) failures.push(`${res.id}: the translation raises ${res.targetError}`);
    else {
      for (const [mode, d] of Object.entries(res.diff!)) if (!(d <= 1e-4)) failures.push(`${res.id}: ${mode} outputs differ by ${d}`);
      if (res.learnable && res.learnable[0] !== res.learnable[1])
        failures.push(`${res.id}: ${res.learnable[0]} learnable values, the translation ${res.learnable[1]}`);
    }
  }
  return failures;
}

describe('translations run in the real frameworks and agree (torch 2.13, Keras 3.15.1, Flax 0.12.8)', function () {
  this.timeout(300000);
  it('PyTorch layers whose γ or β a user class removes or puts back once built (the translation follows the tensors it has)', function () {
    if (!existsSync(PY)) this.skip();
    const run: Item[] = [];
    const cases: [string, Record<string, PyValue>, { weight?: boolean; bias?: boolean }][] = [
      ['torch.nn.LayerNorm', { normalized_shape: [4] }, { weight: false }],
      ['torch.nn.LayerNorm', { normalized_shape: [4], elementwise_affine: false }, { weight: true }],
      ['torch.nn.BatchNorm2d', { num_features: 4 }, { weight: false }],
      ['torch.nn.BatchNorm2d', { num_features: 4, affine: false }, { bias: true }],
      ['torch.nn.GroupNorm', { num_groups: 2, num_channels: 4 }, { bias: false }],
    ];
    for (const [id, kwargs, tensors] of cases) {
      const s = NORM_CLASSES.find((c) => c.id === id)!;
      const b = bindArguments(s, [], kwargs);
      const shape = s.kind === 'layer_norm' ? [2, 3, 4] : [2, 4, 3, 3];
      for (const to of ['keras', 'flax_linen', 'flax_nnx'] as FrameworkId[]) {
        const t = translate(s, b.effective, to, { inputShape: shape, tensors });
        assert.ok(!('error' in t), `${id} → ${to}`);
        if ('error' in t) continue;
        const moves = t.notes.some((n) => n.includes('transpose the input'));
        run.push({
          id: `${id}(${JSON.stringify(kwargs)}, ${JSON.stringify(tensors)}) → ${t.code}`,
          source: { layer: id, kwargs, tensors },
          code: t.code,
          shape,
          transpose: moves ? 'to_last' : 'none',
        });
      }
    }
    assert.deepEqual(runAll(run), []);
  });

  it('every translation between PyTorch, Keras, Flax linen and nnx module classes', function () {
    if (!existsSync(PY)) this.skip();
    const { run, none } = items();
    assert.ok(run.length >= 60, `only ${run.length} translations`);
    // group_size goes over as the group count where the target has no group_size, as itself where it has
    assert.ok(
      run.some((x) => /"group_size":3.* → torch\.nn\.GroupNorm\(2, 6/.test(x.id)),
      'linen/nnx group_size=3 on 6 channels → GroupNorm(2, 6)',
    );
    assert.ok(run.some((x) => /"group_size":3.* → flax\.nnx\.GroupNorm\(.*group_size=3/.test(x.id)));
    // Every pair has an equivalent: instance normalization goes into Keras 3 as GroupNormalization(groups=-1), run below.
    assert.deepEqual(none, []);
    assert.ok(run.some((x) => /InstanceNorm\dd\(.*\) → keras\.layers\.GroupNormalization\(groups=-1/.test(x.id)));
    assert.deepEqual(runAll(run), []);
  });
});
