/**
 * bindArguments against CPython itself: each case builds a Python function with the table's
 * signature, calls it with the same arguments, and compares the bound values or the TypeError.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { NORM_CLASSES, bindArguments, bindingMessage, findByQualifiedName } from '../../../src/frameworks/index';
import type { NormClassSpec, PyValue } from '../../../src/frameworks/types';

interface Case {
  spec: NormClassSpec;
  positional: PyValue[];
  keywords: Record<string, PyValue>;
}

const PY = `
import json, sys
out = []
for case in json.load(sys.stdin):
    parts, kwonly_started = [], False
    for p in case['params']:
        if p.get('keywordOnly') and not kwonly_started:
            parts.append('*'); kwonly_started = True
        parts.append(p['name'] + ('=__d[%r]' % p['name'] if 'default' in p else ''))
    if case['varKeywords']:
        parts.append('**extra_keywords')
    ns = {'__d': {p['name']: p.get('default') for p in case['params']}}
    exec('def %s(%s):\\n    return dict(locals())' % (case['name'], ', '.join(parts)), ns)
    try:
        got = ns[case['name']](*case['positional'], **case['keywords'])
        extra = got.pop('extra_keywords', {})
        # Keras 3's base Layer refuses what its **kwargs does not take, in one ValueError.
        if case['kwargsAccepted'] is not None:
            unknown = {k: v for k, v in extra.items() if k not in case['kwargsAccepted']}
            if unknown:
                raise ValueError('Unrecognized keyword arguments passed to %s: %r' % (case['name'], unknown))
        out.append({'ok': got, 'extra': extra})
    except (TypeError, ValueError) as e:
        out.append({'error': str(e)})
print(json.dumps(out))
`;

function python(cases: Case[]): ({ ok: Record<string, PyValue>; extra: Record<string, PyValue> } | { error: string })[] {
  const payload = cases.map((c) => ({
    name: c.spec.name,
    varKeywords: !!c.spec.varKeywords,
    kwargsAccepted: c.spec.kwargsAccepted?.names ?? null,
    params: c.spec.params.map((p) => ({
      name: p.name,
      keywordOnly: !!p.keywordOnly,
      // Expression defaults are stood in for by None on both sides.
      ...('default' in p ? { default: typeof p.default === 'object' && p.default !== null && !Array.isArray(p.default) ? null : p.default } : {}),
    })),
    positional: c.positional,
    keywords: c.keywords,
  }));
  const r = spawnSync('python3', ['-c', PY], { input: JSON.stringify(payload), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const plain = (v: PyValue): PyValue => (typeof v === 'object' && v !== null && !Array.isArray(v) ? null : v);

function cases(): Case[] {
  const out: Case[] = [];
  for (const spec of NORM_CLASSES) {
    const pos = spec.params.filter((p) => !p.keywordOnly);
    const required = spec.params.filter((p) => !('default' in p));
    const reqKw: Record<string, PyValue> = {};
    for (const p of required) reqKw[p.name] = 7;
    out.push({ spec, positional: [], keywords: {} }); // missing required (or all defaults)
    out.push({ spec, positional: [], keywords: reqKw });
    out.push({ spec, positional: pos.map((_, i) => i + 1), keywords: {} }); // every positional slot
    out.push({ spec, positional: [...pos.map((_, i) => i), 99], keywords: {} }); // one too many
    out.push({ spec, positional: [...pos.map((_, i) => i), 99, 98], keywords: { ...reqKw } });
    if (pos.length) out.push({ spec, positional: [1], keywords: { [pos[0].name]: 2 } }); // multiple values
    out.push({ spec, positional: [], keywords: { ...reqKw, not_an_argument: 1 } });
    out.push({ spec, positional: [], keywords: { not_an_argument: 1, another: 2 } });
    const kwOnly = spec.params.filter((p) => p.keywordOnly);
    if (kwOnly.length) out.push({ spec, positional: pos.map((_, i) => i), keywords: { [kwOnly[0].name]: 5 } });
    if (required.length > 1) out.push({ spec, positional: [], keywords: { [required[0].name]: 1 } });
  }
  return out;
}

describe('bindArguments follows CPython', () => {
  const all = cases();
  const oracle = python(all);

  it(`binds or rejects ${all.length} calls exactly as CPython 3 does`, function () {
    assert.equal(oracle.length, all.length);
    let checked = 0;
    all.forEach((c, i) => {
      const ours = bindArguments(c.spec, c.positional, c.keywords);
      const py = oracle[i];
      const label = `${c.spec.id}(${JSON.stringify(c.positional)}, ${JSON.stringify(c.keywords)})`;
      if ('error' in py) {
        assert.ok(ours.errors.length > 0, `${label}: Python raised "${py.error}", we bound it`);
        assert.equal(bindingMessage(ours.errors[0]), py.error, label);
      } else {
        assert.deepEqual(ours.errors, [], label);
        const values: Record<string, PyValue> = {};
        for (const [k, v] of Object.entries(ours.effective)) values[k] = plain(v.value);
        assert.deepEqual(values, py.ok, label);
        for (const [k, v] of Object.entries(py.extra)) assert.deepEqual(ours.arguments[k], v, label);
      }
      checked++;
    });
    assert.equal(checked, all.length);
  });

  it('marks written arguments and defaults', () => {
    const bn = findByQualifiedName('torch.nn.BatchNorm2d')!;
    const b = bindArguments(bn, [64], { momentum: null });
    assert.deepEqual(b.arguments, { num_features: 64, momentum: null });
    assert.deepEqual(b.effective.num_features, { value: 64, isDefault: false });
    assert.deepEqual(b.effective.eps, { value: 1e-5, isDefault: true });
    assert.deepEqual(Object.keys(b.effective), ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats', 'device', 'dtype', 'bias']);
  });

  it('passes the base Layer keywords through **kwargs and refuses others as Keras 3.15.1 does', () => {
    const k = findByQualifiedName('keras.layers.BatchNormalization')!;
    const b = bindArguments(k, [], { name: 'bn1', momentum: 0.9 });
    assert.deepEqual(b.errors, []);
    assert.deepEqual(b.arguments, { momentum: 0.9, name: 'bn1' });
    // Seen with keras 3.15.1: BatchNormalization(fused=False, virtual_batch_size=2) raises this ValueError.
    const bad = bindArguments(k, [], { fused: false, virtual_batch_size: 2 });
    assert.deepEqual(bad.errors.map(bindingMessage), [
      "Unrecognized keyword arguments passed to BatchNormalization: {'fused': False, 'virtual_batch_size': 2}",
      "Unrecognized keyword arguments passed to BatchNormalization: {'fused': False, 'virtual_batch_size': 2}",
    ]);
    // rms_scaling is taken from **kwargs by LayerNormalization only.
    assert.deepEqual(bindArguments(findByQualifiedName('keras.layers.LayerNormalization')!, [], { rms_scaling: true }).errors, []);
    assert.equal(
      bindArguments(k, [], { rms_scaling: true }).errors.map(bindingMessage)[0],
      "Unrecognized keyword arguments passed to BatchNormalization: {'rms_scaling': True}",
    );
  });

  it('does not call a missing argument an error when *args/**kwargs may supply it', () => {
    const bn = findByQualifiedName('torch.nn.BatchNorm2d')!;
    assert.deepEqual(bindArguments(bn, [], {}, { starKwargs: true }).errors, []);
    assert.equal(bindArguments(bn, [], {}).errors[0].problem, 'missing-required');
  });
});
