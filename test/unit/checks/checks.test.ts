/**
 * The checks as one catalogue (src/checks/registry.ts) and the checks issue 10 added or joined:
 * momentum outside [0, 1], the channel fix first for a GroupNorm fed by a known producer,
 * binding errors kept structured (an unknown keyword is an error only where the table's
 * signatures are checked against the real package), and the notes only hovers show.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHECKS, NOTES, RULES, analyzeDocument, checkDocument, layerNotes, ruleInfo } from '../../../src/checks';
import { FRAMEWORKS } from '../../../src/frameworks';
import { recognize } from '../../../src/python/index';
import { FLAX, KERAS, TORCH, applyEdits, check, codes, fixed, only, underlined } from './helpers';
import { FRAMEWORKS_PYTHON } from '../venv';

describe('checks: one registry', () => {
  it('every check has one code, a title, an explanation; diagnostics and notes are the registry split in two', () => {
    const all = CHECKS.map((c) => c.code);
    assert.equal(new Set(all).size, all.length);
    assert.deepEqual([...RULES.map((c) => c.code), ...NOTES.map((c) => c.code)].sort(), [...all].sort());
    for (const c of CHECKS) assert.ok(c.title.length > 10 && c.explanation.length > 80, c.code);
    assert.deepEqual(ruleInfo('momentum-range')?.severity, 'warning');
    // Notes are no diagnostics.
    assert.equal(ruleInfo('rmsnorm-eps-none'), undefined);
  });
});

describe('checks: momentum-range', () => {
  it('warns (torch 2.13, Keras 3.15.1 and Flax 0.12.8 run momentum=1.5 and -0.1 without an error) and offers the default', () => {
    const src = TORCH + 'bn = nn.BatchNorm2d(64, momentum=1.5)\n';
    const d = only(src, 'momentum-range');
    assert.equal(d.severity, 'warning');
    assert.equal(underlined(src, d), '1.5');
    assert.equal(
      d.message,
      'momentum=1.5 is outside [0, 1]: in PyTorch the new batch gets weight 1.5 and the old average -0.5, so the running statistics extrapolate instead of averaging (they overshoot and oscillate; the variance can turn negative).',
    );
    assert.equal(applyEdits(src, d.fixes[0].edits), TORCH + 'bn = nn.BatchNorm2d(64, momentum=0.1)\n');
    // Not also a convention problem.
    assert.deepEqual(codes(src), ['momentum-range']);
    const neg = TORCH + 'bn = nn.BatchNorm2d(64, momentum=-0.1)\n';
    assert.deepEqual(codes(neg), ['momentum-range']);
    assert.equal(underlined(neg, only(neg, 'momentum-range')), '-0.1');
    const k = only(KERAS + 'bn = layers.BatchNormalization(momentum=1.01)\n', 'momentum-range');
    assert.match(k.message, /in Keras 3 the old average keeps weight 1\.01 and the new batch gets -0\.01/);
    assert.deepEqual(
      k.fixes.map((f) => f.title),
      ['Use momentum=0.99 (the default)'],
    );
    assert.deepEqual(codes(FLAX + 'bn = nn.BatchNorm(use_running_average=True, momentum=2)\n'), ['momentum-range']);
  });

  it('is silent inside [0, 1], for None and for expressions', () => {
    for (const m of ['0', '0.1', '1', 'None', 'm', '1 + eps']) {
      assert.ok(!codes(TORCH + `bn = nn.BatchNorm2d(64, momentum=${m})\n`).includes('momentum-range'), m);
    }
  });
});

describe('checks: groupnorm-divisibility offers the channel fix first', () => {
  it('GroupNorm(32, 648) after a conv producing 640: "Use num_channels=640", then the group counts', () => {
    const src = TORCH + 'net = nn.Sequential(nn.Conv2d(3, 640, 3), nn.GroupNorm(32, 648))\n';
    const d = only(src, 'groupnorm-divisibility');
    assert.equal(underlined(src, d), '32');
    assert.equal(
      d.message,
      'num_channels=648 cannot be split into num_groups=32 equal groups; the Conv2d before it produces 640 channels, which 32 groups divide; or group counts that divide 648: 36, 27.',
    );
    assert.deepEqual(
      d.fixes.map((f) => f.title),
      ['Use num_channels=640', 'Use num_groups=36', 'Use num_groups=27'],
    );
    assert.equal(applyEdits(src, d.fixes[0].edits), TORCH + 'net = nn.Sequential(nn.Conv2d(3, 640, 3), nn.GroupNorm(32, 640))\n');
    // The mismatch is also reported as such, with the same fix.
    const m = only(src, 'channel-mismatch');
    assert.deepEqual(
      m.fixes.map((f) => f.title),
      ['Use num_channels=640'],
    );
  });

  it('without a known producer, or when the produced count does not divide either: the group counts only', () => {
    const alone = only(TORCH + 'gn = nn.GroupNorm(32, 648)\n', 'groupnorm-divisibility');
    assert.deepEqual(
      alone.fixes.map((f) => f.title),
      ['Use num_groups=36', 'Use num_groups=27'],
    );
    assert.equal(alone.message, 'num_channels=648 cannot be split into num_groups=32 equal groups; group counts that divide 648 nearby: 36, 27.');
    const src = TORCH + 'net = nn.Sequential(nn.Conv2d(3, 100, 3), nn.GroupNorm(32, 648))\n';
    const d = only(src, 'groupnorm-divisibility');
    assert.deepEqual(
      d.fixes.map((f) => f.title),
      ['Use num_groups=36', 'Use num_groups=27'],
    );
    assert.match(d.message, /the Conv2d before it produces 100 channels; or group counts that divide 648: 36, 27\.$/);
  });
});

describe('checks: groupnorm-groups-positive', () => {
  it("Keras's groups=-1 (one group per channel, its documented sentinel) is no error; -2 and 0 are", () => {
    assert.deepEqual(codes(KERAS + 'gn = layers.GroupNormalization(groups=-1)\n'), []);
    const d = only(KERAS + 'gn = layers.GroupNormalization(groups=-2)\n', 'groupnorm-groups-positive');
    assert.equal(d.message, 'GroupNormalization needs a positive number of groups, got groups=-2.');
    assert.deepEqual(codes(KERAS + 'gn = layers.GroupNormalization(groups=0)\n'), ['groupnorm-groups-positive']);
    assert.deepEqual(codes(TORCH + 'gn = nn.GroupNorm(-1, 64)\n'), ['groupnorm-groups-positive']);
  });
});

describe('checks: binding-error stays structured', () => {
  it('underlines the keyword, words it as CPython, and renames a keyword another framework spells so', () => {
    const src = TORCH + 'ln = nn.LayerNorm(64, epsilon=1e-6)\n';
    const d = only(src, 'binding-error');
    assert.equal(d.severity, 'error');
    assert.equal(d.message, "LayerNorm() got an unexpected keyword argument 'epsilon'");
    assert.equal(underlined(src, d), 'epsilon=1e-6');
    assert.deepEqual(
      d.fixes.map((f) => f.title),
      ['Rename epsilon to eps'],
    );
    const [layer] = recognize(src);
    assert.deepEqual(layer.bindingErrors, [{ problem: 'unexpected-keyword', callable: 'LayerNorm', param: 'epsilon' }]);
  });

  it('too many positionals: the first extra one is underlined; the counts are data', () => {
    const src = TORCH + 'bn = nn.BatchNorm2d(64, 1e-5, 0.1, True, True, None, None, 7)\n';
    const d = only(src, 'binding-error');
    assert.equal(d.message, 'BatchNorm2d() takes from 1 to 7 positional arguments but 8 were given');
    assert.equal(underlined(src, d), '7');
    const [layer] = recognize(src);
    assert.deepEqual(layer.bindingErrors, [
      { problem: 'too-many-positional', callable: 'BatchNorm2d', index: 7, min: 1, max: 7, given: 8, keywordOnlyGiven: 0 },
    ]);
  });

  it('an unknown keyword is an error only where the signatures are checked against the real package; a note elsewhere', () => {
    const checked = FRAMEWORKS.filter((f) => f.signaturesFrom)
      .map((f) => f.id)
      .sort();
    assert.deepEqual(checked, ['flax_linen', 'flax_nnx', 'jax', 'keras', 'pytorch']);
    const haiku = 'import haiku as hk\nbn = hk.BatchNorm(True, True, 0.9, made_up=1)\n';
    const h = only(haiku, 'binding-error');
    assert.equal(h.severity, 'info');
    assert.equal(h.message, "BatchNorm() got an unexpected keyword argument 'made_up'");
    // A missing required argument is certain whatever the table's source.
    assert.equal(only('import haiku as hk\nbn = hk.BatchNorm(True)\n', 'binding-error').severity, 'error');
    // Keras's own refusal of unknown **kwargs: its ValueError, as data too.
    const k = KERAS + 'bn = layers.BatchNormalization(fused=False)\n';
    const kd = only(k, 'binding-error');
    assert.equal(kd.severity, 'error');
    assert.equal(kd.message, "Unrecognized keyword arguments passed to BatchNormalization: {'fused': False}");
    assert.equal(underlined(k, kd), 'fused=False');
  });

  it('Flax nnx norm keywords of 0.12.8 bind (no false errors on flax/nnx/nn/attention.py)', () => {
    const src = 'from flax import nnx\nln = nnx.LayerNorm(8, use_bias=False, promote_dtype=p, rngs=rngs, scale_metadata=m, bias_metadata=b)\n';
    assert.deepEqual(checkDocument(src), []);
  });
});

describe('checks: notes (hover only)', () => {
  const notesOf = (src: string) => recognize(src).map((l) => layerNotes(l).map((n) => n.code));
  it("hold only where the layer's own arguments make them true", () => {
    assert.deepEqual(notesOf(TORCH + 'a = nn.BatchNorm2d(8, track_running_stats=False)\nb = nn.BatchNorm2d(8)\nc = nn.SyncBatchNorm(8)\n'), [
      ['no-running-stats'],
      [],
      ['syncbn-process-group'],
    ]);
    assert.deepEqual(notesOf(TORCH + 'a = nn.RMSNorm(8)\nb = nn.RMSNorm(8, eps=1e-6)\n'), [['rmsnorm-eps-none'], []]);
    assert.deepEqual(notesOf('import torch.nn.functional as F\na = F.batch_norm(x, m, v)\nb = F.batch_norm(x, m, v, training=True)\n'), [
      ['functional-batch-norm-training'],
      [],
    ]);
    // Notes are never diagnostics.
    assert.deepEqual(codes(TORCH + 'a = nn.BatchNorm2d(8, track_running_stats=False)\n'), []);
  });
});

describe('checks: keras-batchnorm-axis', () => {
  it("Keras 3's BatchNormalization with several axes raises (3.15.1: TypeError from int(axis)); one axis, LayerNormalization's list and tf.keras are fine", () => {
    const d = only(KERAS + 'bn = layers.BatchNormalization(axis=[1, 3])\n', 'keras-batchnorm-axis');
    assert.equal(d.severity, 'error');
    assert.match(d.message, /takes one integer axis: axis=\[1, 3\] raises TypeError/);
    assert.deepEqual(codes(KERAS + 'bn = layers.BatchNormalization(axis=(1,))\n'), ['keras-batchnorm-axis']);
    assert.deepEqual(codes(KERAS + 'bn = layers.BatchNormalization(axis=1)\nln = layers.LayerNormalization(axis=[1, 2])\n'), []);
    assert.deepEqual(codes('import tensorflow as tf\nbn = tf.keras.layers.BatchNormalization(axis=[1, 3])\n'), []);
  });
});

describe('checks: size-not-integer', () => {
  // Each line builds one layer and applies it to a (2, 64, 4, 4) input (a (2, 4, 64) one for the last-dim norms).
  const LINES = [
    'nn.GroupNorm(32, 64.0)',
    'nn.GroupNorm(32, 64.0, affine=False)',
    'nn.GroupNorm(32.0, 64)',
    'nn.BatchNorm2d(64.0)',
    'nn.BatchNorm2d(64.0, affine=False)',
    'nn.BatchNorm2d(64.0, affine=False, track_running_stats=False)',
    'nn.InstanceNorm2d(64.0)',
    'nn.InstanceNorm2d(64.0, affine=True)',
    'nn.InstanceNorm2d(64.0, track_running_stats=True)',
    'nn.LayerNorm(64.0)',
    'nn.LayerNorm(64.0, elementwise_affine=False)',
    'nn.RMSNorm(64.)',
    'nn.BatchNorm2d(64)',
    'nn.LayerNorm(64)',
  ];
  const src = TORCH + LINES.map((l, i) => `m${i} = ${l}\n`).join('');
  const flagged = () => {
    const lines = new Set(
      check(src)
        .filter((d) => d.code === 'size-not-integer')
        .map((d) => d.range.start.line - TORCH.split('\n').length + 1),
    );
    return LINES.map((_, i) => lines.has(i));
  };

  it('says PyTorch raises, underlines the value and offers the integer', () => {
    const d = only(TORCH + 'bn = nn.BatchNorm2d(64.0)\n', 'size-not-integer');
    assert.equal(d.severity, 'error');
    assert.equal(
      d.message,
      'BatchNorm2d needs an integer num_features: 64.0 is a float, and PyTorch raises TypeError when it allocates γ and β ("empty(): argument \'size\' (position 1) must be tuple of ints, not float").',
    );
    assert.equal(underlined(TORCH + 'bn = nn.BatchNorm2d(64.0)\n', d), '64.0');
    assert.equal(fixed(TORCH + 'bn = nn.BatchNorm2d(64.0)\n', d), TORCH + 'bn = nn.BatchNorm2d(64)\n');
    // a float number of groups builds, and raises at the first forward: a warning
    assert.equal(only(TORCH + 'gn = nn.GroupNorm(32.0, 64)\n', 'size-not-integer').severity, 'warning');
    // a size written as an expression, or a float where the class allocates nothing, is not reported
    assert.deepEqual(codes(TORCH + 'c = 64\nbn = nn.BatchNorm2d(c / 2)\n'), []);
    assert.deepEqual(flagged(), [true, false, true, true, true, false, false, true, true, true, true, true, false, false]);
  });

  it('flags exactly the lines on which real PyTorch raises', function () {
    this.timeout(120_000);
    const py = FRAMEWORKS_PYTHON;
    if (!existsSync(py)) this.skip();
    const script = [
      'import sys, torch, torch.nn as nn',
      'for line in sys.stdin.read().splitlines():',
      '    try:',
      '        m = eval(line)',
      "        m(torch.randn(2, 4, 64) if type(m).__name__ in ('LayerNorm', 'RMSNorm') else torch.randn(2, 64, 4, 4))",
      "        print('runs')",
      '    except Exception as e:',
      "        print('raises', type(e).__name__)",
    ].join('\n');
    const out = execFileSync(py, ['-c', script], { input: LINES.join('\n'), encoding: 'utf8' })
      .trim()
      .split('\n');
    assert.equal(out.length, LINES.length);
    assert.deepEqual(
      flagged(),
      out.map((o) => o === 'raises TypeError'),
      LINES.map((l, i) => `${l}: ${out[i]}`).join('\n'),
    );
  });
});

describe('checks: binding-error through a literal **mapping', () => {
  // (the dict, then the call; PyTorch's verdict is asked below)
  const CASES = [
    ['cfg = {"num_groups": 32, "num_channel": 64}', 'nn.GroupNorm(**cfg)'],
    ['cfg = {"num_groups": 32, "num_channels": 64}', 'nn.GroupNorm(8, **cfg)'],
    ['cfg = {"num_groups": 32}', 'nn.GroupNorm(**cfg)'],
    ['cfg = {"num_groups": 32, "eps": 1e-3}', 'nn.GroupNorm(num_groups=4, num_channels=8, **cfg)'],
    ['cfg = dict(num_groups=32)', 'nn.GroupNorm(**cfg, num_channels=64)'],
    ['cfg = {"eps": 1e-3, "momentum": 0.01}', 'nn.BatchNorm2d(64, **cfg)'],
    ['cfg = {"elementwise_affine": False}', 'nn.LayerNorm(16, **cfg)'],
  ];
  // (the product's path: the dict's keys come from the semantic model, which the CPython-parse comparison of `check` lacks)
  const codesOf = (src: string) => checkDocument(src).map((d) => d.code);
  const flagged = (i: number) => codesOf(TORCH + `${CASES[i][0]}\nm = ${CASES[i][1]}\n`).includes('binding-error');

  it("reports Python's TypeError where the dict's keys do not fit, and nothing where they do", () => {
    assert.deepEqual(
      checkDocument(TORCH + `${CASES[0][0]}\nm = ${CASES[0][1]}\n`).map((d) => d.message),
      ["GroupNorm() got an unexpected keyword argument 'num_channel'", "GroupNorm() missing 1 required positional argument: 'num_channels'"],
    );
    assert.deepEqual(
      CASES.map((_, i) => flagged(i)),
      [true, true, true, true, false, false, false],
    );
    // a dict the code changes in place, or a call through a partial, is not known whole: nothing is said
    assert.deepEqual(codesOf(TORCH + 'cfg = {"num_groups": 32}\ncfg["num_channel"] = 64\nm = nn.GroupNorm(**cfg)\n'), []);
    assert.deepEqual(codesOf(TORCH + 'from functools import partial\np = partial(nn.GroupNorm, 32)\ncfg = {"num_channels": 64}\nm = p(**cfg)\n'), []);
  });

  it('flags exactly the calls real PyTorch refuses', function () {
    this.timeout(120_000);
    if (!existsSync(FRAMEWORKS_PYTHON)) this.skip();
    const script = [
      'import json, sys, torch.nn as nn',
      'for d, call in json.load(sys.stdin):',
      '    try:',
      '        env = {"nn": nn}',
      '        exec(d, env)',
      '        eval(call, env)',
      "        print('builds')",
      '    except TypeError:',
      "        print('TypeError')",
    ].join('\n');
    const out = execFileSync(FRAMEWORKS_PYTHON, ['-c', script], { input: JSON.stringify(CASES), encoding: 'utf8' })
      .trim()
      .split('\n');
    assert.deepEqual(
      CASES.map((_, i) => flagged(i)),
      out.map((o) => o === 'TypeError'),
      CASES.map((c, i) => `${c.join('; ')}: ${out[i]}`).join('\n'),
    );
  });
});

describe('checks: a GroupNorm channel count the code gives several numbers', () => {
  // (each a module of its own: the channel count is a loop's or a comprehension's variable, or a parameter)
  const CASES = [
    'norms = []\nfor c in [64, 48, 128]:\n    norms.append(nn.GroupNorm(32, c))\n',
    'norms = [nn.GroupNorm(32, c) for c in (64, 96)]\n',
    'norms = [nn.GroupNorm(num_groups=8, num_channels=c) for c in (16, 20, 24)]\n',
    'norms = {c: nn.GroupNorm(4, c) for c in range(4, 12, 4)}\n',
    'def make(c):\n    return nn.GroupNorm(32, c)\n\na = make(64)\nb = make(80)\n',
    'norms = []\nfor c in [64, 48, 128]:\n    if c % 32 == 0:\n        norms.append(nn.GroupNorm(32, c))\n',
  ];
  const found = (i: number) => checkDocument(TORCH + CASES[i]).filter((d) => d.code === 'groupnorm-divisibility');

  it('warns with the numbers the group count does not divide, and offers one that divides them all', () => {
    const [d] = found(0);
    assert.equal(d.severity, 'warning');
    assert.equal(
      d.message,
      'num_channels=c may be 48 here (the code gives it 64, 48 and 128), which num_groups=32 does not split into equal groups: PyTorch refuses to build such a layer; group counts that divide all of them nearby: 16.',
    );
    assert.equal(underlined(TORCH + CASES[0], d), 'c');
    assert.equal(fixed(TORCH + CASES[0], d), TORCH + CASES[0].replace('GroupNorm(32, c)', 'GroupNorm(16, c)'));
    assert.match(found(2)[0].message, /^num_channels=c may be 20 here \(the code gives it 16, 20 and 24\)/);
    assert.deepEqual(
      found(2)[0].fixes.map((f) => f.title),
      ['Use num_groups=4 (divides 16, 20, 24)'],
    );
    // all divisible; a parameter other callers may give anything; a range (not a literal list): nothing
    assert.deepEqual([found(1), found(3), found(4)], [[], [], []]);
    // a branch, a `continue` or a filtered comprehension may skip the numbers that do not divide: nothing is said
    assert.deepEqual(found(5), []);
    for (const skip of [
      'norms = []\nfor c in [64, 48, 128]:\n    if c == 48:\n        continue\n    norms.append(nn.GroupNorm(32, c))\n',
      'norms = [nn.GroupNorm(32, c) for c in (64, 48) if c % 32 == 0]\n',
      'norms = [nn.GroupNorm(32, c) if c % 32 == 0 else nn.Identity() for c in (64, 48)]\n',
    ])
      assert.deepEqual(
        checkDocument(TORCH + skip).map((d) => d.code),
        [],
        skip,
      );
    // the inspect data lists them
    const layer = analyzeDocument(TORCH + CASES[0]).layers[0];
    assert.deepEqual(layer.effective.num_channels.oneOf, [64, 48, 128]);
  });

  it('the numbers it names are those real PyTorch refuses', function () {
    this.timeout(120_000);
    if (!existsSync(FRAMEWORKS_PYTHON)) this.skip();
    const script = [
      'import torch.nn as nn',
      'for g, cs in [(32, [64, 48, 128]), (32, [64, 96]), (8, [16, 20, 24]), (16, [64, 48, 128]), (4, [16, 20, 24])]:',
      '    bad = []',
      '    for c in cs:',
      '        try:',
      '            nn.GroupNorm(g, c)',
      '        except ValueError:',
      '            bad.append(c)',
      '    print(bad)',
    ].join('\n');
    const out = execFileSync(FRAMEWORKS_PYTHON, ['-c', script], { encoding: 'utf8' }).trim().split('\n');
    // (the first three are CASES 0-2; then the group counts the fixes offer, which divide every number)
    assert.deepEqual(out, ['[48]', '[]', '[20]', '[]', '[]']);
  });
});
