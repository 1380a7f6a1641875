/**
 * The project-level fixed point (src/python/semantic/project.ts): calls from one file into
 * functions and classes of another bind their arguments into the callee file's parameters.
 * Real-code recall of this is measured by corpus.test.ts (timm's models passing norm layers into
 * timm/layers); these tests pin the mechanics on small projects: values crossing files, the
 * explanation, chains through several files, cycles, bounds, and independence from order.
 */
import assert from 'node:assert/strict';
import { recognize, moduleNameOf, ProjectGraph, SeedExchange, solveSeeds, type ProjectFiles, type Seed } from '../../../src/python/index';
import { MAX_SEED_ROUNDS } from '../../../src/python/semantic/project';
import type { ResolvedLayer } from '../../../src/python/types';

/** Solves a project of in-memory files the way `normlens inspect` does; the layers of each file's last analysis. */
async function solve(files: Record<string, string>, order = Object.keys(files)): Promise<{ layers: Map<string, ResolvedLayer[]>; rounds: number }> {
  const disk: ProjectFiles = { read: (p) => files[p] };
  const graph = new ProjectGraph(disk, 1000);
  const layers = new Map<string, ResolvedLayer[]>();
  const py = order.filter((p) => p.endsWith('.py'));
  const rounds = await solveSeeds(py, (batch) => {
    const out = new Map<string, Seed[]>();
    for (const b of batch) {
      const me = moduleNameOf(b.file, disk);
      const exchange = new SeedExchange(graph, b.file, b.file.slice(3), b.seeds);
      const model = exchange.hasSeeds ? undefined : graph.modelOf(b.file);
      layers.set(
        b.file,
        recognize(files[b.file], { host: graph.hostFor(b.file), moduleName: me.name, isPackage: me.isPackage, path: b.file, exchange, model }),
      );
      out.set(b.file, exchange.outgoing);
    }
    return out;
  });
  return { layers, rounds };
}

const summary = (ls: ResolvedLayer[] | undefined) =>
  (ls ?? []).map((l) => `${l.call.range.start.line + 1} ${l.qualifiedName}${l.origin?.candidates ? ' [' + l.origin.candidates.join(',') + ']' : ''}`);

const MLP = [
  'import torch.nn as nn',
  'class Mlp(nn.Module):',
  '    def __init__(self, dim, norm_layer=None):',
  '        super().__init__()',
  '        self.norm = norm_layer(dim) if norm_layer is not None else nn.Identity()',
  '',
].join('\n');

describe('calls between files: the project-level fixed point', () => {
  it('a partial passed from another file reaches the callee file, with its keywords and an explanation naming the caller', async () => {
    const files = {
      '/p/pkg/__init__.py': '',
      '/p/pkg/mlp.py': MLP,
      '/p/pkg/vit.py': [
        'from functools import partial',
        'import torch.nn as nn',
        'from .mlp import Mlp',
        'class Block(nn.Module):',
        '    def __init__(self):',
        '        self.mlp = Mlp(64, norm_layer=partial(nn.LayerNorm, eps=1e-6))',
        '',
      ].join('\n'),
    };
    const { layers } = await solve(files);
    const mlp = layers.get('/p/pkg/mlp.py')!;
    assert.deepEqual(summary(mlp), ['5 torch.nn.LayerNorm']);
    assert.equal(mlp[0].effective.eps.value, 1e-6);
    assert.equal(mlp[0].effective.eps.isDefault, false);
    assert.equal(mlp[0].origin?.via, 'partial');
    // before the fixed point nothing in mlp.py says what norm_layer is
    const alone = recognize(files['/p/pkg/mlp.py'], { moduleName: 'pkg.mlp' });
    assert.deepEqual(summary(alone), []);
  });

  it("a subclass of another file's channels-first LayerNorm keeps its base's forward (timm's LayerNorm2dNoBias)", async () => {
    const files = {
      '/p/pkg/__init__.py': '',
      '/p/pkg/norm.py': [
        'import torch.nn as nn',
        'class LayerNorm2d(nn.LayerNorm):',
        '    def __init__(self, num_channels, eps=1e-6):',
        '        super().__init__(num_channels, eps=eps)',
        '    def forward(self, x):',
        '        x = x.permute(0, 2, 3, 1)',
        '        x = super().forward(x)',
        '        return x.permute(0, 3, 1, 2)',
        '',
      ].join('\n'),
      '/p/pkg/model.py': [
        'from .norm import LayerNorm2d',
        'class NoBias(LayerNorm2d):',
        '    def __init__(self, c, **kwargs):',
        '        super().__init__(c, **kwargs)',
        '        self.bias = None',
        'class Stem(nn.Module):',
        '    def __init__(self):',
        '        self.norm = NoBias(8)',
        '',
      ].join('\n'),
    };
    // PyTorch 2.13: Stem().norm on (2, 8, 4, 4) normalizes over the 8 channels of each pixel (its base's forward), without bias
    const { layers } = await solve(files);
    const l = layers.get('/p/pkg/model.py')![0];
    assert.match(l.origin?.channelsFirst?.how ?? '', /its forward moves the channels last \(`permute\(0, 2, 3, 1\)`\)/);
    assert.equal(l.effective.bias.value, false);
  });

  it('a class passed as a keyword says which file and line passed it', async () => {
    const files = {
      '/p/pkg/__init__.py': '',
      '/p/pkg/mlp.py': MLP,
      '/p/pkg/net.py': ['import torch.nn as nn', 'from .mlp import Mlp', 'm = Mlp(32, norm_layer=nn.BatchNorm1d)', ''].join('\n'),
    };
    const { layers } = await solve(files);
    const l = layers.get('/p/pkg/mlp.py')![0];
    assert.equal(l.qualifiedName, 'torch.nn.BatchNorm1d');
    assert.match(l.origin!.how, /passed as `norm_layer` from `pkg\/net\.py:3`/);
  });

  it('several callers give all their classes as candidates; a caller passing a non-norm is said', async () => {
    const two = {
      '/p/pkg/__init__.py': '',
      '/p/pkg/mlp.py': MLP,
      '/p/pkg/a.py': 'import torch.nn as nn\nfrom .mlp import Mlp\nMlp(8, norm_layer=nn.LayerNorm)\n',
      '/p/pkg/b.py': 'import torch.nn as nn\nfrom .mlp import Mlp\nMlp(8, norm_layer=nn.RMSNorm)\n',
    };
    const got = (await solve(two)).layers.get('/p/pkg/mlp.py')!;
    assert.deepEqual(got[0].origin?.candidates?.slice().sort(), ['torch.nn.LayerNorm', 'torch.nn.RMSNorm']);
    const withIdentity = { ...two, '/p/pkg/c.py': 'import torch.nn as nn\nfrom .mlp import Mlp\nMlp(8, norm_layer=nn.Identity)\n' };
    // (the line may build a norm, and the hover says what else: PyTorch builds Identity for c.py's call)
    const mixed = (await solve(withIdentity)).layers.get('/p/pkg/mlp.py')!;
    assert.deepEqual(mixed[0].origin?.candidates?.slice().sort(), ['torch.nn.LayerNorm', 'torch.nn.RMSNorm']);
    assert.match(mixed[0].origin!.how, /or `torch\.nn\.Identity`, which is not a normalization layer/);
  });

  it('a `**kwargs` whose keys the code fixes crosses files: a builder elsewhere calling `model_cls(**kwargs)`', async () => {
    // timm 1.0.29: res2net.py's model functions -> _builder.py build_model_with_cfg(ResNet, ..., **kwargs) -> resnet.py
    const files = {
      '/p/pkg/__init__.py': '',
      '/p/pkg/builder.py': ['def build(model_cls, variant, **kwargs):', "    kwargs.pop('pruned', False)", '    return model_cls(**kwargs)', ''].join('\n'),
      '/p/pkg/net.py': [
        'import torch.nn as nn',
        'class Net(nn.Module):',
        '    def __init__(self, depth=2, norm_layer=nn.BatchNorm2d):',
        '        super().__init__()',
        '        self.norm = norm_layer(8)',
        '',
      ].join('\n'),
      '/p/pkg/models.py': [
        'import torch.nn as nn',
        'from .builder import build',
        'from .net import Net',
        'def _create(variant, **kwargs):',
        '    return build(Net, variant, **kwargs)',
        'def net_in(**kwargs):',
        '    return _create("net_in", **dict(dict(depth=3, norm_layer=nn.InstanceNorm2d), **kwargs))',
        '',
      ].join('\n'),
    };
    // PyTorch 2.13: models.net_in().norm is InstanceNorm2d(8); Net().norm is BatchNorm2d(8)
    const { layers } = await solve(files);
    assert.deepEqual(summary(layers.get('/p/pkg/net.py')), ['5 torch.nn.BatchNorm2d [torch.nn.BatchNorm2d,torch.nn.InstanceNorm2d]']);
    // (the default comes first: a `**kwargs` key may be absent, and callers elsewhere pass what they like)
    assert.equal(layers.get('/p/pkg/net.py')![0].origin!.how, 'default of `norm_layer`, line 3');
  });

  it('a parameter passed on through a chain of files is followed, one round per file', async () => {
    const files = {
      '/p/pkg/__init__.py': '',
      '/p/pkg/mlp.py': MLP,
      '/p/pkg/block.py': 'from .mlp import Mlp\ndef make_block(dim, norm_layer=None):\n    return Mlp(dim, norm_layer=norm_layer)\n',
      '/p/pkg/model.py': 'import torch.nn as nn\nfrom .block import make_block\nb = make_block(16, norm_layer=nn.InstanceNorm1d)\n',
    };
    const { layers, rounds } = await solve(files);
    assert.deepEqual(summary(layers.get('/p/pkg/mlp.py')), ['5 torch.nn.InstanceNorm1d']);
    assert.ok(rounds >= 3 && rounds <= MAX_SEED_ROUNDS, `rounds ${rounds}`);
  });

  it('calls that go round in a cycle of files end, and the answer does not depend on the order files are analyzed in', async () => {
    const files = {
      '/p/pkg/__init__.py': '',
      '/p/pkg/a.py': 'import torch.nn as nn\nfrom .b import g\ndef f(norm=None, depth=0):\n    norm(4)\n    g(norm=norm)\nf(norm=nn.LayerNorm)\n',
      '/p/pkg/b.py': 'import torch.nn as nn\nfrom .a import f\ndef g(norm=None):\n    norm(8)\n    f(norm=norm)\ng(norm=nn.BatchNorm1d)\n',
    };
    const one = await solve(files);
    const two = await solve(files, Object.keys(files).reverse());
    for (const p of ['/p/pkg/a.py', '/p/pkg/b.py']) assert.deepEqual(summary(one.layers.get(p)), summary(two.layers.get(p)));
    // each file's own call and the other file's, through the cycle
    assert.deepEqual(one.layers.get('/p/pkg/a.py')![0].origin?.candidates?.slice().sort(), ['torch.nn.BatchNorm1d', 'torch.nn.LayerNorm']);
    assert.deepEqual(one.layers.get('/p/pkg/b.py')![0].origin?.candidates?.slice().sort(), ['torch.nn.BatchNorm1d', 'torch.nn.LayerNorm']);
    assert.ok(one.rounds <= MAX_SEED_ROUNDS);
  });

  it("super().__init__ in another file passes a subclass's default to the base class", async () => {
    const files = {
      '/p/pkg/__init__.py': '',
      '/p/pkg/base.py':
        'import torch\nclass ConvNorm(torch.nn.Sequential):\n    def __init__(self, c, norm_layer=torch.nn.BatchNorm2d):\n        super().__init__(norm_layer(c))\n',
      '/p/pkg/conv3d.py':
        'import torch\nfrom .base import ConvNorm\nclass ConvNorm3d(ConvNorm):\n    def __init__(self, c, norm_layer=torch.nn.BatchNorm3d):\n        super().__init__(c, norm_layer)\n',
    };
    const got = (await solve(files)).layers.get('/p/pkg/base.py')!;
    // (the base's own default first no more: its only caller, the subclass, always passes norm_layer)
    assert.deepEqual(got[0].origin?.candidates, ['torch.nn.BatchNorm3d', 'torch.nn.BatchNorm2d']);
  });

  it("a value another file passes to a caller here, which hands it on, counts as this file's call's (torchvision's ops/misc.py with efficientnet.py)", async () => {
    const misc = [
      'import torch',
      'class ConvNorm(torch.nn.Sequential):',
      '    def __init__(self, c, norm_layer=torch.nn.BatchNorm2d):',
      '        super().__init__(norm_layer(c))',
      'class ConvNorm2d(ConvNorm):',
      '    def __init__(self, c, norm_layer=torch.nn.BatchNorm2d):',
      '        super().__init__(c, norm_layer)',
      'class ConvNorm3d(ConvNorm):',
      '    def __init__(self, c, norm_layer=torch.nn.BatchNorm3d):',
      '        super().__init__(c, norm_layer)',
      '',
    ].join('\n');
    const user = 'import torch\nfrom .misc import ConvNorm2d\ndef block(c):\n    return ConvNorm2d(c, norm_layer=torch.nn.BatchNorm2d)\n';
    const alone = (await solve({ '/p/pkg/__init__.py': '', '/p/pkg/misc.py': misc })).layers.get('/p/pkg/misc.py')!;
    const both = (await solve({ '/p/pkg/__init__.py': '', '/p/pkg/misc.py': misc, '/p/pkg/user.py': user })).layers.get('/p/pkg/misc.py')!;
    // the class that comes first does not depend on which other files are analyzed with it
    assert.deepEqual(alone[0].origin?.candidates, ['torch.nn.BatchNorm2d', 'torch.nn.BatchNorm3d']);
    assert.deepEqual(both[0].origin?.candidates, ['torch.nn.BatchNorm2d', 'torch.nn.BatchNorm3d']);
    assert.match(both[0].origin!.how, /user\.py:4/);
  });
});
