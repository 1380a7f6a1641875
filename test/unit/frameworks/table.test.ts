/** Integrity of the framework table, and the PyTorch entries against torch 1.13's own signatures. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRAMEWORKS, NORM_CLASSES, bindArguments, effectiveValues, findByQualifiedName, frameworkInfo, translate } from '../../../src/frameworks/index';
import type { NormClassSpec, PyValue } from '../../../src/frameworks/types';
import { runLayer, Tensor } from '../../../src/core/index';

interface TorchParam {
  name: string;
  keywordOnly?: boolean;
  required?: boolean;
  default?: PyValue;
  repr?: string;
  kind?: string;
}
const torch = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'torch-signatures.json'), 'utf8')) as {
  torch: string;
  classes: Record<string, TorchParam[]>;
  missing: string[];
};

/** Minimal arguments that make a spec computable for an NCHW-like input of shape [2, 8, 4, 8]. */
function sampleRequired(spec: NormClassSpec): Record<string, PyValue> {
  const out: Record<string, PyValue> = {};
  for (const p of spec.params) {
    if ('default' in p) continue;
    if (p.tensor) out[p.name] = { expr: p.name };
    else if (p.name === 'rngs') out[p.name] = { expr: 'nnx.Rngs(0)' };
    else if (p.name.startsWith('create_')) out[p.name] = true;
    else if (p.name === 'decay_rate') out[p.name] = 0.9;
    else if (p.name === 'axis') out[p.name] = -1;
    else if (p.name === 'num_groups' || p.name === 'groups') out[p.name] = 2;
    else out[p.name] = 8;
  }
  // 2 groups divide the 8 channels of the sample input (the defaults, 32, would not).
  if (spec.roles.groups) out[spec.roles.groups] = 2;
  return out;
}

describe('framework table', () => {
  it('covers every class and function the recognizer must know', () => {
    const expected = [
      ...[
        'BatchNorm1d',
        'BatchNorm2d',
        'BatchNorm3d',
        'LazyBatchNorm1d',
        'LazyBatchNorm2d',
        'LazyBatchNorm3d',
        'SyncBatchNorm',
        'LayerNorm',
        'GroupNorm',
        'InstanceNorm1d',
        'InstanceNorm2d',
        'InstanceNorm3d',
        'LazyInstanceNorm1d',
        'LazyInstanceNorm2d',
        'LazyInstanceNorm3d',
        'RMSNorm',
        'LocalResponseNorm',
      ].map((n) => `torch.nn.${n}`),
      ...['batch_norm', 'layer_norm', 'group_norm', 'instance_norm', 'rms_norm', 'local_response_norm', 'normalize'].map((n) => `torch.nn.functional.${n}`),
      ...['keras.layers', 'tensorflow.keras.layers'].flatMap((m) =>
        ['BatchNormalization', 'LayerNormalization', 'GroupNormalization', 'RMSNormalization', 'UnitNormalization'].map((n) => `${m}.${n}`),
      ),
      ...['flax.linen', 'flax.nnx', 'haiku', 'mlx.nn'].flatMap((m) =>
        ['BatchNorm', 'LayerNorm', 'RMSNorm', 'GroupNorm', 'InstanceNorm'].map((n) => `${m}.${n}`),
      ),
      ...['BatchNorm1D', 'BatchNorm2D', 'BatchNorm3D', 'LayerNorm', 'GroupNorm', 'InstanceNorm1D', 'InstanceNorm2D', 'InstanceNorm3D'].map(
        (n) => `paddle.nn.${n}`,
      ),
      'jax.nn.standardize',
      // Issue 12's recognition gaps: the dygraph paddle.nn.BatchNorm and Paddle's functional norms, the standalone
      // tf_keras package (Keras 2), and MLX's fused kernels.
      'paddle.nn.BatchNorm',
      ...['batch_norm', 'layer_norm', 'instance_norm', 'local_response_norm', 'normalize'].map((n) => `paddle.nn.functional.${n}`),
      ...['BatchNormalization', 'LayerNormalization', 'GroupNormalization', 'UnitNormalization'].map((n) => `tf_keras.layers.${n}`),
      'mlx.core.fast.rms_norm',
      'mlx.core.fast.layer_norm',
    ];
    for (const q of expected) assert.ok(findByQualifiedName(q), `missing ${q}`);
    assert.equal(NORM_CLASSES.length, expected.length);
  });

  it('has unique ids and aliases, unique parameter names, sources and a known framework for every entry', () => {
    const seen = new Map<string, string>();
    const ids = new Set<string>();
    for (const s of NORM_CLASSES) {
      assert.ok(!ids.has(s.id), `duplicate id ${s.id}`);
      ids.add(s.id);
      assert.equal(s.qualifiedNames[0], s.id, `${s.id}: canonical name first`);
      assert.ok(
        s.qualifiedNames.every((q) => q.endsWith(`.${s.name}`)),
        `${s.id}: aliases end in the short name`,
      );
      for (const q of s.qualifiedNames) {
        assert.ok(!seen.has(q), `${q} in both ${seen.get(q)} and ${s.id}`);
        seen.set(q, s.id);
      }
      const names = s.params.map((p) => p.name);
      assert.equal(new Set(names).size, names.length, `${s.id}: duplicate parameter`);
      assert.ok(s.source.length > 10, `${s.id}: source`);
      assert.ok(frameworkInfo(s.framework), `${s.id}: framework`);
      assert.ok(s.inputShape && s.statistics, `${s.id}: words`);
      // (hovers print the input shape inside a code span: a backtick in it breaks the Markdown)
      assert.ok(!s.inputShape.includes('`'), `${s.id}: inputShape is code, without backticks`);
      for (const p of s.params) assert.ok(p.doc.length > 3, `${s.id}.${p.name}: doc`);
      // Keyword-only parameters come last, as Python requires.
      const firstKw = s.params.findIndex((p) => p.keywordOnly);
      if (firstKw >= 0)
        assert.ok(
          s.params.slice(firstKw).every((p) => p.keywordOnly),
          `${s.id}: keyword-only order`,
        );
      // A required positional parameter never follows one with a default.
      const positional = s.params.filter((p) => !p.keywordOnly);
      const firstDefault = positional.findIndex((p) => 'default' in p);
      if (firstDefault >= 0)
        assert.ok(
          positional.slice(firstDefault).every((p) => 'default' in p),
          `${s.id}: default order`,
        );
      for (const role of Object.values(s.roles)) if (role) assert.ok(names.includes(role), `${s.id}: role ${role} is not a parameter`);
      if (s.modeArg) assert.ok(names.includes(s.modeArg.name), `${s.id}: modeArg`);
      if (s.kind === 'batch_norm') assert.ok(s.storedVariance, `${s.id}: storedVariance`);
    }
    assert.deepEqual(FRAMEWORKS.map((f) => f.id).sort(), [...new Set(NORM_CLASSES.map((s) => s.framework))].sort());
  });

  it('gives default values of the right type for the roles', () => {
    for (const s of NORM_CLASSES) {
      const d = (role?: string) => (role ? s.params.find((p) => p.name === role)?.default : undefined);
      const eps = d(s.roles.eps);
      if (eps !== undefined) assert.ok(eps === null || (typeof eps === 'number' && eps > 0 && eps < 0.01), `${s.id}: eps default ${String(eps)}`);
      const m = d(s.roles.momentum);
      if (m !== undefined) assert.ok(typeof m === 'number' && m > 0 && m < 1, `${s.id}: momentum default`);
      for (const r of [s.roles.affine, s.roles.scale, s.roles.bias, s.roles.trackRunningStats]) {
        const v = d(r);
        if (v !== undefined) assert.equal(typeof v, 'boolean', `${s.id}: ${r}`);
      }
    }
  });

  it('matches torch 1.13 (the second version) inspect.signature for every PyTorch entry, except documented newer arguments', () => {
    assert.ok(torch.torch.startsWith('1.13'), torch.torch);
    for (const s of NORM_CLASSES.filter((c) => c.framework === 'pytorch')) {
      const sig = torch.classes[s.id];
      if (!sig) {
        assert.ok(torch.missing.includes(s.id), `${s.id} absent from the fixture`);
        assert.ok(s.since, `${s.id} is not in torch 1.13, so it must say since when it exists`);
        continue;
      }
      const ours = s.params.filter((p) => !p.since);
      assert.deepEqual(
        ours.map((p) => [p.name, !!p.keywordOnly, 'default' in p ? p.default : 'REQUIRED']),
        sig.map((p) => [p.name, !!p.keywordOnly, p.required ? 'REQUIRED' : p.default]),
        s.id,
      );
    }
    // The arguments newer than 1.13: LayerNorm(bias=True) from PyTorch 2.1, and the keyword-only bias=True of
    // BatchNorm, InstanceNorm and GroupNorm that torch 2.13 has (test/unit/frameworks/signatures.test.ts).
    const newer = NORM_CLASSES.flatMap((s) => s.params.filter((p) => s.framework === 'pytorch' && p.since).map((p) => `${s.id}.${p.name}`));
    assert.deepEqual(
      newer.sort(),
      NORM_CLASSES.filter((s) => s.framework === 'pytorch' && s.form === 'module' && /^(Lazy)?(Sync)?(Batch|Instance|Group|Layer)Norm/.test(s.name))
        .map((s) => `${s.id}.bias`)
        .sort(),
    );
  });

  it('translates the defaults of every computable entry into a spec the core runs', () => {
    const shape = [2, 8, 4, 8];
    let computed = 0;
    for (const s of NORM_CLASSES) {
      const b = bindArguments(s, [], sampleRequired(s));
      assert.deepEqual(b.errors, [], s.id);
      const c = s.toCore!(effectiveValues(b.effective), shape.length, shape);
      if ('error' in c) {
        assert.ok(['lp_normalize', 'unit_norm'].includes(s.kind) || s.id === 'mlx.nn.GroupNorm', `${s.id}: ${c.error}`);
        continue;
      }
      const input = new Tensor(
        shape,
        Float32Array.from({ length: 2 * 8 * 4 * 8 }, (_, i) => Math.sin(i)),
      );
      const ok = (s.name.match(/(\d)[dD]$/) ? Number(s.name.match(/(\d)[dD]$/)![1]) + 2 : 4) === 4 || c.kind !== 'batch_norm';
      if (!ok || (c.kind === 'instance_norm' && c.batchedRank && c.batchedRank !== 4)) continue;
      const r = runLayer({ spec: c, mode: 'train', input });
      assert.equal(r.output.size, input.size, s.id);
      assert.ok(Array.from(r.output.data).every(Number.isFinite), s.id);
      computed++;
    }
    assert.ok(computed >= 45, `computed ${computed}`);
  });

  it("converts the frameworks' conventions: Keras momentum 0.99 is a new-batch weight of 0.01, biased variance, channels last", () => {
    const k = findByQualifiedName('keras.layers.BatchNormalization')!;
    const c = k.toCore!(effectiveValues(bindArguments(k, [], {}).effective), 4, [2, 5, 5, 3]);
    assert.ok(!('error' in c) && c.kind === 'batch_norm');
    if ('error' in c || c.kind !== 'batch_norm') return;
    assert.ok(Math.abs(c.momentum! - 0.01) < 1e-15);
    assert.equal(c.eps, 0.001);
    assert.equal(c.channelAxis, -1);
    assert.equal(c.storedVariance, 'biased');
    const h = findByQualifiedName('haiku.BatchNorm')!;
    const hc = h.toCore!(effectiveValues(bindArguments(h, [true, false, 0.9], {}).effective));
    assert.ok(!('error' in hc) && hc.kind === 'batch_norm' && hc.debiasedEma === true && hc.hasBias === false && Math.abs(hc.momentum! - 0.1) < 1e-15);
    const t = findByQualifiedName('torch.nn.BatchNorm2d')!;
    const tc = t.toCore!(effectiveValues(bindArguments(t, [3], { momentum: null }).effective));
    assert.ok(!('error' in tc) && tc.kind === 'batch_norm' && tc.momentum === null && tc.allowedRanks!.join() === '4');
  });

  it('refuses expressions and kinds the core lacks with a specific message', () => {
    const t = findByQualifiedName('torch.nn.BatchNorm2d')!;
    const c = t.toCore!(effectiveValues(bindArguments(t, [{ expr: 'channels * 2' }], {}).effective));
    assert.deepEqual(c, { error: 'num_features=channels * 2 is not a literal value; NormLens computes only with literal arguments' });
    const u = findByQualifiedName('keras.layers.UnitNormalization')!;
    assert.match((u.toCore!({ axis: -1 }) as { error: string }).error, /UnitNormalization/);
    const ln = findByQualifiedName('keras.layers.LayerNormalization')!;
    assert.match((ln.toCore!(effectiveValues(bindArguments(ln, [], { axis: 1 }).effective), 3, [2, 3, 4]) as { error: string }).error, /trailing axes/);
  });

  it("MLX's GroupNorm groups features c mod num_groups unless pytorch_compatible=True: ports say so, and set it", () => {
    const torchGn = findByQualifiedName('torch.nn.GroupNorm')!;
    const toMlx = translate(torchGn, bindArguments(torchGn, [8, 64], {}).effective, 'mlx');
    assert.ok('code' in toMlx && toMlx.code === 'mlx.nn.GroupNorm(8, 64, pytorch_compatible=True)', JSON.stringify(toMlx));
    const mlxGn = findByQualifiedName('mlx.nn.GroupNorm')!;
    const fromMlx = translate(mlxGn, bindArguments(mlxGn, [8, 64], {}).effective, 'pytorch');
    assert.ok('notes' in fromMlx && fromMlx.notes.some((n) => /puts feature c in group c mod num_groups \(pytorch_compatible=False\)/.test(n)));
    const compatible = translate(mlxGn, bindArguments(mlxGn, [8, 64], { pytorch_compatible: true }).effective, 'pytorch');
    assert.ok('notes' in compatible && !compatible.notes.some((n) => /mod num_groups/.test(n)));
  });

  it('an InstanceNorm that keeps running statistics: a target that keeps none is said to differ in evaluation', () => {
    // torch 2.13: InstanceNorm2d(3, track_running_stats=True).eval() normalizes with running_mean/var; Flax 0.12.8's InstanceNorm has none
    const inorm = findByQualifiedName('torch.nn.InstanceNorm2d')!;
    const tracked = translate(inorm, bindArguments(inorm, [3], { track_running_stats: true }).effective, 'flax_linen');
    assert.ok(
      'notes' in tracked && tracked.notes.some((n) => /keeps running statistics and normalizes with them in evaluation; InstanceNorm keeps none/.test(n)),
    );
    const plain = translate(inorm, bindArguments(inorm, [3], {}).effective, 'flax_linen');
    assert.ok('notes' in plain && !plain.notes.some((n) => /running statistics/.test(n)));
  });

  it('a BatchNorm without running statistics is ported with batch statistics in evaluation too', () => {
    const bn = findByQualifiedName('torch.nn.BatchNorm2d')!;
    const eff = bindArguments(bn, [8], { track_running_stats: false }).effective;
    const notes = (to: 'keras' | 'flax_linen' | 'haiku' | 'mlx') => {
      const t = translate(bn, eff, to);
      assert.ok('notes' in t, to);
      return 'notes' in t ? t.notes.join(' ') : '';
    };
    assert.match(notes('keras'), /keeps no running statistics.*call it with training=True in evaluation as well/);
    assert.match(notes('flax_linen'), /call it with use_running_average=False in evaluation as well/);
    assert.doesNotMatch(notes('flax_linen'), /True in evaluation/);
    assert.match(notes('haiku'), /call it with is_training=True in evaluation as well/);
    // with running statistics: no such note
    const t = translate(bn, bindArguments(bn, [8], {}).effective, 'keras');
    assert.ok('notes' in t && !t.notes.some((n) => /keeps no running statistics/.test(n)));
  });

  it('translates between frameworks for hovers: momentum convention, eps carried over, required arguments', () => {
    const bn = findByQualifiedName('torch.nn.BatchNorm2d')!;
    const eff = bindArguments(bn, [64], {}).effective;
    const k = translate(bn, eff, 'keras');
    assert.ok('code' in k);
    if (!('code' in k)) return;
    assert.equal(k.code, 'keras.layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-05)');
    const h = translate(bn, eff, 'haiku');
    assert.ok('code' in h && h.code === 'haiku.BatchNorm(True, True, 0.9)');
    const m = translate(bn, eff, 'mlx');
    assert.ok('code' in m && m.code === 'mlx.nn.BatchNorm(64)');
    const p = translate(bn, eff, 'paddle');
    assert.ok('code' in p && p.code === 'paddle.nn.BatchNorm2D(64)');
    const back = translate(
      findByQualifiedName('keras.layers.BatchNormalization')!,
      { momentum: 0.99, epsilon: 0.001, axis: -1, center: true, scale: true },
      'pytorch',
    );
    assert.ok('code' in back);
    if ('code' in back) assert.equal(back.code, 'torch.nn.BatchNorm1d(eps=0.001, momentum=0.01)');
    assert.deepEqual(translate(bn, eff, 'jax'), { error: 'JAX has no batch norm layer' });
    // Issue 12: Keras LayerNormalization into Haiku wrote haiku.LayerNorm(True, True, ...), putting True in axis.
    const kln = findByQualifiedName('keras.layers.LayerNormalization')!;
    const hk = translate(kln, bindArguments(kln, [], {}).effective, 'haiku');
    assert.ok('code' in hk && hk.code === 'haiku.LayerNorm(-1, True, True, eps=0.001)', JSON.stringify(hk));
    // A required argument NormLens cannot supply leaves the later ones as keywords, never in the wrong slot.
    const kbn = findByQualifiedName('keras.layers.BatchNormalization')!;
    const t2 = translate(kbn, bindArguments(kbn, [], {}).effective, 'pytorch', { inputShape: [8, 4, 4, 16] });
    assert.ok('code' in t2 && t2.code === 'torch.nn.BatchNorm2d(16, eps=0.001, momentum=0.01)', JSON.stringify(t2));
    const gn = findByQualifiedName('keras.layers.GroupNormalization')!;
    const t3 = translate(gn, bindArguments(gn, [], { groups: 4 }).effective, 'pytorch');
    assert.ok('code' in t3 && t3.code === 'torch.nn.GroupNorm(4, eps=0.001)' && t3.notes.some((n) => n.includes('needs num_channels')), JSON.stringify(t3));
    // (said once: not again as "requires num_channels")
    assert.ok('code' in t3 && !t3.notes.some((n) => n.includes('requires num_channels')), JSON.stringify(t3));
  });
});
