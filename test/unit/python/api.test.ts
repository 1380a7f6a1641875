/**
 * The recognizer's public API: literal values, argument ranges, nesting and assignment context,
 * import resolution for every framework, effective arguments, notebooks, lookups.
 */
import assert from 'node:assert/strict';
import { DocumentIndex, NotebookError, recognize, recognizeNotebook, scanPython } from '../../../src/python/index';
import { bindingMessage } from '../../../src/frameworks/index';

const first = (src: string) => scanPython(src).calls[0];
const values = (src: string) => first(src).args.map((a) => a.value);
const layerNames = (src: string) => recognize(src).map((l) => l.qualifiedName);

describe('python recognizer: arguments', () => {
  it('evaluates literals like ast.literal_eval and keeps the rest as text', () => {
    assert.deepEqual(values('f(1, 1_000, 0x1F, 0o17, 0b101, 1e-3, 1E+2, .5, -2, +3, - 4.5)'), [1, 1000, 31, 15, 5, 0.001, 100, 0.5, -2, 3, -4.5]);
    assert.deepEqual(values('f(None, True, False)'), [null, true, false]);
    assert.deepEqual(values(`f('a', "b", '''c''', r'\\d', 'x' "y" '''z''', 'tab\\tnl\\n\\x41\\u00e9\\101')`), [
      'a',
      'b',
      'c',
      '\\d',
      'xyz',
      'tab\tnl\nAé' + 'A',
    ]);
    assert.deepEqual(values('f((64,), [1, 2], (1, (2, [3])), (), [], (5))'), [[64], [1, 2], [1, [2, [3]]], [], [], 5]);
    assert.deepEqual(values('f(x, 1 + 2, -x, 2j, b"x", f"{y}", {1: 2}, {1}, [x], (1, x), ...)'), [
      { expr: 'x' },
      { expr: '1 + 2' },
      { expr: '-x' },
      { expr: '2j' },
      { expr: 'b"x"' },
      { expr: 'f"{y}"' },
      { expr: '{1: 2}' },
      { expr: '{1}' },
      { expr: '[x]' },
      { expr: '(1, x)' },
      { expr: '...' },
    ]);
  });

  it('splits positional, keyword, *args and **kwargs with exact ranges', () => {
    const src = 'nn.GroupNorm(2, num_channels = 4,\n  *rest, **{"eps": 1e-3}, affine=lambda a, b: a)';
    const c = first(src);
    assert.deepEqual(
      c.args.map((a) => [a.name, a.star, a.text]),
      [
        [undefined, undefined, '2'],
        ['num_channels', undefined, '4'],
        [undefined, '*', 'rest'],
        [undefined, '**', '{"eps": 1e-3}'],
        ['affine', undefined, 'lambda a, b: a'],
      ],
    );
    const kw = c.args[1];
    assert.equal(src.slice(kw.range.startOffset, kw.range.endOffset), 'num_channels = 4');
    assert.equal(src.slice(kw.valueRange.startOffset, kw.valueRange.endOffset), '4');
    assert.deepEqual(c.args[2].range.start, { line: 1, character: 2 });
    assert.deepEqual(c.args[2].range.end, { line: 1, character: 7 });
    assert.deepEqual(c.nameRange.start, { line: 0, character: 3 });
    assert.deepEqual(c.range.end, { line: 1, character: 48 });
    assert.equal(c.complete, true);
  });

  it('records the enclosing call, the argument and whether the call is that whole argument', () => {
    const calls = scanPython('seq = nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64), act=get(nn.ReLU()) or None)').calls;
    assert.deepEqual(
      calls.map((c) => [c.callee, c.parent, c.parentArg, c.wholeArg, c.target]),
      [
        ['nn.Sequential', undefined, undefined, undefined, 'seq'],
        ['nn.Conv2d', 0, 0, true, undefined],
        ['nn.BatchNorm2d', 0, 1, true, undefined],
        ['get', 0, 2, false, undefined],
        ['nn.ReLU', 3, 0, true, undefined],
      ],
    );
  });

  it('records assignment targets only when the call is the whole right side', () => {
    const targets = (src: string) => scanPython(src).calls.map((c) => c.target);
    assert.deepEqual(targets('self.bn1 = nn.BatchNorm2d(64)'), ['self.bn1']);
    assert.deepEqual(targets('x: nn.Module = nn.LayerNorm(3)'), ['x']);
    assert.deepEqual(targets('a = b = nn.LayerNorm(3)'), ['b']);
    assert.deepEqual(targets('a, b = f(1)'), ['a, b']);
    assert.deepEqual(targets('y = f(1) + 2'), [undefined]);
    assert.deepEqual(targets('y += f(1)'), [undefined]);
    assert.deepEqual(targets('if ok: y = f(1); z = g(2)'), ['y', 'z']);
    assert.deepEqual(targets('y = f(1).weight'), [undefined]);
  });

  it('marks calls cut off by the end of the text as incomplete', () => {
    const c = first('bn = nn.BatchNorm2d(64, eps=');
    assert.equal(c.complete, false);
    assert.deepEqual(
      c.args.map((a) => a.name ?? a.text),
      ['64', 'eps'],
    );
  });
});

describe('python recognizer: imports and resolution', () => {
  it('resolves every framework through its usual imports', () => {
    const src = [
      'import torch',
      'import torch.nn as nn',
      'import torch.nn.functional as F',
      'from torch import nn as tnn',
      'from torch.nn import (LayerNorm,',
      '    BatchNorm2d as BN2d)',
      'from tensorflow.keras import layers',
      'import tensorflow as tf',
      'import keras',
      'from keras import layers as kl',
      'import flax.linen as linen',
      'from flax import nnx',
      'import haiku as hk',
      'import mlx.nn as mnn',
      'import paddle.nn as pnn',
      'import jax',
      'a = torch.nn.BatchNorm1d(3)',
      'b = nn.SyncBatchNorm(3)',
      'c = F.layer_norm(x, (3,))',
      'd = tnn.GroupNorm(1, 3)',
      'e = LayerNorm(3)',
      'f = BN2d(3)',
      'g = layers.BatchNormalization()',
      'h = tf.keras.layers.LayerNormalization()',
      'i = keras.layers.RMSNormalization()',
      'j = kl.GroupNormalization(groups=2)',
      'k = linen.BatchNorm()',
      'l = nnx.LayerNorm(3, rngs=r)',
      'm = hk.BatchNorm(True, True, 0.9)',
      'n = mnn.RMSNorm(3)',
      'o = pnn.BatchNorm2D(3)',
      'p = jax.nn.standardize(x)',
      'q = nn.Conv2d(3, 3, 1)',
      'r = F.relu(x)',
    ].join('\n');
    assert.deepEqual(layerNames(src), [
      'torch.nn.BatchNorm1d',
      'torch.nn.SyncBatchNorm',
      'torch.nn.functional.layer_norm',
      'torch.nn.GroupNorm',
      'torch.nn.LayerNorm',
      'torch.nn.BatchNorm2d',
      'tensorflow.keras.layers.BatchNormalization',
      'tensorflow.keras.layers.LayerNormalization',
      'keras.layers.RMSNormalization',
      'keras.layers.GroupNormalization',
      'flax.linen.BatchNorm',
      'flax.nnx.LayerNorm',
      'haiku.BatchNorm',
      'mlx.nn.RMSNorm',
      'paddle.nn.BatchNorm2D',
      'jax.nn.standardize',
    ]);
  });

  it('follows imports inside functions and try blocks, and later rebinding', () => {
    const src = [
      'def build():',
      '    import torch.nn as nn',
      '    return nn.BatchNorm2d(3)',
      'try:',
      '    import flax.linen as nn',
      'except ImportError:',
      '    pass',
      'a = nn.LayerNorm()',
      'nn = None',
      'b = nn.LayerNorm(3)',
      'from mlx import nn',
      'c = nn.LayerNorm(3)',
      'def LayerNorm(d): ...',
      'from torch.nn import GroupNorm',
      'class GroupNorm: pass',
      'd = GroupNorm(1, 2)',
      'e = LayerNorm(3)',
    ].join('\n');
    assert.deepEqual(layerNames(src), ['torch.nn.BatchNorm2d', 'flax.linen.LayerNorm', 'mlx.nn.LayerNorm']);
  });

  it('follows names bound by assignment, and uses star imports only for unbound names', () => {
    const [alias] = recognize('import torch.nn as nn\nnorm_layer = nn.BatchNorm2d\nx = norm_layer(64)');
    assert.equal(alias.qualifiedName, 'torch.nn.BatchNorm2d');
    assert.deepEqual(alias.arguments, { num_features: 64 });
    assert.equal(alias.origin?.via, 'alias');
    assert.equal(alias.origin?.how, 'alias `norm_layer`, line 2');
    assert.deepEqual(layerNames('BatchNorm2d(3)\nnn.BatchNorm2d(3)'), []);
    assert.deepEqual(layerNames('from torch.nn import *\nx = BatchNorm2d(3)\ny = Conv2d(1, 2, 3)'), ['torch.nn.BatchNorm2d']);
    assert.deepEqual(layerNames('from torch.nn import *\nBatchNorm2d = 3\nx = BatchNorm2d(3)'), []);
    assert.deepEqual(layerNames('from . import nn\nx = nn.BatchNorm2d(3)'), []);
  });

  it('reports imports with their ranges, relative and star forms included', () => {
    const imports = scanPython('import a.b.c, d as e\nfrom ..x import (y as z,\n w)\nfrom . import q\nfrom m import *').imports;
    assert.deepEqual(
      imports.map((i) => [i.local, i.target, i.range.start.line, i.range.start.character, i.range.end.character]),
      [
        ['a', 'a', 0, 7, 12],
        ['e', 'd', 0, 14, 20],
        ['z', '..x.y', 1, 17, 23],
        ['w', '..x.w', 2, 1, 2],
        ['q', '.q', 3, 14, 15],
        ['*', 'm', 4, 14, 15],
      ],
    );
  });

  it('binds arguments to the signature and fills every default, marking which is which', () => {
    const [bn] = recognize('import torch.nn as nn\nbn = nn.BatchNorm2d(64, 1e-3, momentum=None)');
    assert.deepEqual(bn.arguments, { num_features: 64, eps: 0.001, momentum: null });
    const eff = Object.fromEntries(Object.entries(bn.effective).map(([k, v]) => [k, [v.value, v.isDefault]]));
    assert.deepEqual(eff.num_features, [64, false]);
    assert.deepEqual(eff.eps, [0.001, false]);
    assert.deepEqual(eff.affine, [true, true]);
    assert.deepEqual(eff.track_running_stats, [true, true]);
    assert.equal(bn.effective.eps.range!.startOffset, 'import torch.nn as nn\nbn = nn.BatchNorm2d(64, '.length);
    assert.equal(bn.effective.affine.range, undefined);
    assert.deepEqual(bn.bindingErrors, []);
    const [bad] = recognize('import torch.nn as nn\nnn.LayerNorm(3, epsilon=1e-5)');
    assert.deepEqual(bad.bindingErrors, [{ problem: 'unexpected-keyword', callable: 'LayerNorm', param: 'epsilon' }]);
    assert.deepEqual(bad.bindingErrors.map(bindingMessage), ["LayerNorm() got an unexpected keyword argument 'epsilon'"]);
    const [starred] = recognize('import torch.nn as nn\nnn.GroupNorm(*a)');
    assert.deepEqual(starred.bindingErrors, []);
  });
});

describe('python recognizer: notebooks', () => {
  const nb = (cells: unknown[]) => JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 });

  it('shares imports across cells and reports positions per cell', () => {
    const r = recognizeNotebook(
      nb([
        { cell_type: 'code', source: ['import torch.nn as nn\n', '%matplotlib inline\n'] },
        { cell_type: 'markdown', source: 'nn.BatchNorm2d(3) in prose' },
        { cell_type: 'code', source: '!pip install torch\nbn = nn.BatchNorm2d(8)\n' },
        { cell_type: 'code', source: ['import flax.linen as nn\n', 'ln = nn.LayerNorm()'] },
      ]),
    );
    assert.deepEqual(
      r.cells.map((c) => c.index),
      [0, 2, 3],
    );
    assert.deepEqual(
      r.layers.map((l) => [l.cell, l.qualifiedName, l.call.range.start.line, l.call.range.start.character]),
      [
        [2, 'torch.nn.BatchNorm2d', 1, 5],
        [3, 'flax.linen.LayerNorm', 1, 5],
      ],
    );
  });

  it('rejects what is not a notebook with a specific message', () => {
    assert.throws(
      () => recognizeNotebook('{"cells": ['),
      (e: Error) => e instanceof NotebookError && /not valid JSON/.test(e.message),
    );
    assert.throws(() => recognizeNotebook('[]'), /no "cells" list/);
    assert.throws(() => recognizeNotebook('{"cells": [{"cell_type": "code", "source": 3}]}'), /cell 0: "source" must be/);
  });
});

describe('python recognizer: DocumentIndex lookups', () => {
  const src =
    'import torch.nn as nn\nimport torch.nn.functional as F\nseq = nn.Sequential(nn.Conv2d(3, 8, 1),\n    nn.BatchNorm2d(8))\ny = F.layer_norm(x, (8,))  # F.group_norm(x, 2)\n';
  const doc = new DocumentIndex(src);

  it('finds the layer anywhere in its call, the innermost one when nested', () => {
    const at = (needle: string, d = 0) => doc.layerAt(src.indexOf(needle) + d)?.qualifiedName;
    assert.equal(at('BatchNorm2d'), 'torch.nn.BatchNorm2d');
    assert.equal(at('nn.BatchNorm2d'), 'torch.nn.BatchNorm2d');
    assert.equal(at('(8))', 2), 'torch.nn.BatchNorm2d');
    assert.equal(at('(8))', 3), undefined); // the Sequential's closing parenthesis
    assert.equal(at('layer_norm'), 'torch.nn.functional.layer_norm');
    assert.equal(at('(8,))', 4), 'torch.nn.functional.layer_norm');
    assert.equal(at('group_norm'), undefined); // in a comment
    assert.equal(at('Conv2d'), undefined);
    assert.equal(doc.layerAt(-5), undefined);
    assert.equal(doc.layerAt(src.length + 5), undefined);
  });

  it('finds the innermost call at an offset and maps positions both ways', () => {
    assert.equal(doc.callAt(src.indexOf('Conv2d'))?.callee, 'nn.Conv2d');
    assert.equal(doc.callAt(src.indexOf('    nn.Batch'))?.callee, 'nn.Sequential');
    const o = src.indexOf('nn.BatchNorm2d');
    assert.deepEqual(doc.positionAt(o), { line: 3, character: 4 });
    assert.equal(doc.offsetAt(3, 4), o);
  });
});
