import { strict as assert } from 'node:assert';
import { explainLayer } from '../../../src/explain/hover';
import { NORM_CLASSES } from '../../../src/frameworks/index';
import type { PyValue } from '../../../src/frameworks/types';
import { runLayer, seededSample, defaultParams, defaultState } from '../../../src/core/index';
import { makeLayer } from './layers';
import { recognize } from '../../../src/python/index';

/** A plausible value for each required parameter: counts for roles, expressions for tensors and the rest. */
function requiredArgs(spec: (typeof NORM_CLASSES)[number]): { positional: PyValue[]; keywords: Record<string, PyValue> } {
  const keywords: Record<string, PyValue> = {};
  for (const p of spec.params) {
    if (p.default !== undefined) continue;
    const r = spec.roles;
    let v: PyValue;
    if (p.tensor) v = { expr: p.name };
    else if (p.name === r.channels) v = 8;
    else if (p.name === r.groups) v = 4;
    else if (p.name === r.normalizedShape) v = [8];
    else if (/create_(scale|offset)|affine/.test(p.name)) v = true;
    else if (/decay_rate|momentum/.test(p.name)) v = 0.9;
    else v = { expr: p.name };
    keywords[p.name] = v;
  }
  return { positional: [], keywords };
}

describe('explain/explainLayer on every class of the framework table', () => {
  for (const spec of NORM_CLASSES) {
    it(`${spec.id}`, () => {
      const { positional, keywords } = requiredArgs(spec);
      const layer = makeLayer(spec.qualifiedNames[0], spec.name, positional, keywords);
      const h = explainLayer(layer, { decimals: 3, seed: 1 });
      assert.ok(h.markdown.startsWith(`### ${spec.name} · `));
      assert.ok(h.markdown.includes('#### Arguments'));
      assert.ok(h.markdown.includes('command:normlens.openPanel?'));
      const ex = h.sections.exampleData;
      if (ex) {
        // Every example shown is the core's own output on the seeded sample.
        const x = seededSample(ex.shape, 1);
        const ref = runLayer({ spec: ex.spec, mode: 'train', input: x, params: defaultParams(ex.spec, ex.shape), state: defaultState(ex.spec, ex.shape) });
        assert.deepEqual(Array.from(ex.output), Array.from(ref.output.data));
      } else {
        assert.match(h.sections.example, /^No worked example: /);
      }
    });
  }
});

describe('explain/explainLayer: a BatchNorm without running statistics', () => {
  it('says eval uses the batch statistics too, and no running average to match in other frameworks', () => {
    const h = explainLayer(makeLayer('torch.nn.BatchNorm2d', 'nn.BatchNorm2d', [8], { track_running_stats: false }), { decimals: 3, seed: 1 });
    assert.match(
      h.markdown,
      /\*\*Training and eval\*\* both normalize with the current batch's statistics .*model\.train\(\) and model\.eval\(\) change nothing here/,
    );
    // (the page said both this and that eval uses the running statistics)
    assert.doesNotMatch(h.markdown, /model\.eval\(\) uses the running statistics/);
    assert.doesNotMatch(h.markdown, /Same running-average speed/);
    const tracked = explainLayer(makeLayer('torch.nn.BatchNorm2d', 'nn.BatchNorm2d', [8]), { decimals: 3, seed: 1 });
    assert.match(tracked.markdown, /model\.eval\(\) uses the running statistics/);
  });
});

describe('explain/explainLayer: a LayerNorm over the channels of a channels-first input', () => {
  it('ports it to layers given that axis, and does not say the forward permutes when it reduces over dim 1', () => {
    const src = [
      'import torch',
      'import torch.nn as nn',
      'class LayerNormCF(nn.Module):',
      '    def __init__(self, c, eps=1e-6):',
      '        super().__init__()',
      '        self.weight = nn.Parameter(torch.ones(c))',
      '        self.bias = nn.Parameter(torch.zeros(c))',
      '        self.eps = eps',
      '    def forward(self, x):',
      '        u = x.mean(1, keepdim=True)',
      '        s = (x - u).pow(2).mean(1, keepdim=True)',
      '        x = (x - u) / torch.sqrt(s + self.eps)',
      '        return self.weight[:, None, None] * x + self.bias[:, None, None]',
      'ln = LayerNormCF(8)',
    ].join('\n');
    const layer = recognize(src).find((l) => l.call.range.start.line === 13)!;
    assert.ok(layer.origin?.channelsFirst);
    const h = explainLayer(layer, { decimals: 3, seed: 1 });
    // Keras 3.15.1 (checked): LayerNormalization's default axis is -1; with axis=1 it matches this module
    assert.match(h.markdown, /`keras\.layers\.LayerNormalization\(axis=1, epsilon=1e-06\)`/);
    assert.match(h.markdown, /`flax\.linen\.LayerNorm\(reduction_axes=1, feature_axes=1, use_fast_variance=False\)`/);
    assert.doesNotMatch(h.markdown, /permutes/);
    assert.match(h.markdown, /each row one position with its channels, as its forward reduces over dim 1/);
  });
});

describe('explain/explainLayer: a layer sized by an expression keeps its affine switch', () => {
  it('an RMSNorm with elementwise_affine=False has no γ in its formula, and says so', () => {
    const layer = recognize('import torch.nn as nn\ndef f(d):\n    return nn.RMSNorm(d, elementwise_affine=False)\n').find((l) => l.spec.kind === 'rms_norm')!;
    const h = explainLayer(layer, { decimals: 3, seed: 1 });
    // (the page said "γ: one per normalized element, learnable" beside "no learnable parameters")
    assert.match(h.markdown, /y = x \/ √\(mean\(x²\) \+ ε\)\n/);
    assert.match(h.markdown, /No learnable scale\./);
    assert.doesNotMatch(h.markdown, /γ: one per normalized element/);
    const withWeight = recognize('import torch.nn as nn\ndef f(d):\n    return nn.RMSNorm(d)\n').find((l) => l.spec.kind === 'rms_norm')!;
    assert.match(explainLayer(withWeight, { decimals: 3, seed: 1 }).markdown, /γ: one per normalized element, learnable\./);
  });
});
