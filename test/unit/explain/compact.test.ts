import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { compactHover, estimatedLines, MAX_LINES } from '../../../src/explain/compact';
import { explainLayer, callText } from '../../../src/explain/hover';
import { decodeCommandUri, explainLinkArg } from '../../../src/explain/links';
import { countParameters, runLayer, seededSample } from '../../../src/core/index';
import { fixed } from '../../../src/explain/format';
import { analyzeDocument } from '../../../src/checks';
import { render } from '../security/mdcheck';
import { renderedLines } from './renderedLines';
import { COMMANDS } from '../../../src/explain/commands';
import { LLAMA_RMSNORM, TORCH } from './snippets';
import { FRAMEWORKS_PYTHON } from '../venv';

const opts = { decimals: 4, seed: 0 };
const EXAMPLES = path.join(__dirname, '../../../examples');
const link = explainLinkArg({ ref: 1, line: 0, character: 0 });

function hoversOf(source: string) {
  const r = analyzeDocument(source);
  return r.layers.map((layer) => ({ layer, hover: compactHover(layer, { ...opts, diagnostics: r.diagnostics, explainArg: link }) }));
}

function at(source: string, lineText: string) {
  const line = source.split('\n').findIndex((l) => l.includes(lineText));
  assert.ok(line >= 0, lineText);
  const found = hoversOf(source).find((h) => h.layer.call.range.start.line === line);
  assert.ok(found, `a layer on the line of ${lineText}`);
  return found;
}

// Held-out files, written as torchvision, Hugging Face and Keras write them.
const TORCHVISION = `${TORCH}
class Bottleneck(nn.Module):
    def __init__(self, inplanes, planes, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = norm_layer(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, padding=1)
        self.bn2 = norm_layer(planes)

    def forward(self, x):
        return self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
`;
const HF = `${TORCH}${LLAMA_RMSNORM}
class Layer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.input_layernorm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.ln = nn.LayerNorm(config.hidden_size)

    def forward(self, x):
        return F.layer_norm(x, (4,))
`;

describe('explain/compactHover', () => {
  it('fits the hover box (at most 15 rendered lines, at most three links) on every example file and the held-out files', () => {
    const files = readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.py'))
      .map((f) => readFileSync(path.join(EXAMPLES, f), 'utf8'));
    let count = 0;
    let most = 0;
    for (const source of [...files, TORCHVISION, HF]) {
      for (const { layer, hover } of hoversOf(source)) {
        const lines = renderedLines(hover.markdown);
        most = Math.max(most, lines);
        assert.ok(lines <= 15, `${layer.call.callee} on line ${layer.call.range.start.line + 1}: ${lines} lines\n${hover.markdown}`);
        const links = render(hover.markdown).links;
        assert.ok(links.length <= 3 && links.length >= 1, `${links.length} links`);
        for (const href of links) assert.ok(decodeCommandUri(href), href);
        // Pylance shows the signature above: no call or signature dump (the origin line says what an indirect call builds).
        if (!layer.origin) assert.ok(!hover.markdown.includes(callText(layer)), `${callText(layer)} repeated`);
        count++;
      }
    }
    assert.ok(count >= 20, `${count} layers looked at`);
    assert.ok(most <= 15);
  });

  it('the full explanation is much longer than the box (why the compact one exists)', () => {
    const { layer } = at(readFileSync(path.join(EXAMPLES, 'resnet_block.py'), 'utf8'), 'self.bn2 =');
    assert.ok(renderedLines(explainLayer(layer, opts).markdown) > 40);
  });

  it('says "bias before BatchNorm" only where the conv above keeps its bias', () => {
    const cancelled = /bias of this Conv2d is cancelled|Bias cancelled by the BatchNorm that follows — Set bias=False/;
    assert.match(at(TORCHVISION, 'self.bn2 =').hover.markdown, cancelled);
    assert.doesNotMatch(at(TORCHVISION, 'self.bn1 =').hover.markdown, cancelled);
    assert.doesNotMatch(at(TORCHVISION, 'self.bn1 =').hover.markdown, /[Bb]ias before/);
    const alone = hoversOf(`${TORCH}bn = nn.BatchNorm2d(64)\n`)[0].hover;
    assert.doesNotMatch(alone.markdown, /[Bb]ias before|cancelled/);
    assert.deepEqual(alone.sections.checks, []);
    // The full explanation follows the code too.
    const full = (line: string) => explainLayer(at(TORCHVISION, line).layer, { ...opts, diagnostics: analyzeDocument(TORCHVISION).diagnostics });
    assert.deepEqual(
      full('self.bn2 =').sections.checks.map((c) => c.code),
      ['conv-bias-before-bn'],
    );
    assert.deepEqual(full('self.bn1 =').sections.checks, []);
    assert.doesNotMatch(full('self.bn1 =').markdown, /[Bb]ias before|cancelled/);
  });

  it("keeps whole check messages when they fit, else the rule's title and its fix", () => {
    const source = readFileSync(path.join(EXAMPLES, 'keras_model.py'), 'utf8');
    const two = at(source, 'BatchNormalization(momentum=0.1').hover;
    assert.equal(two.sections.checks.length, 2);
    assert.equal(two.sections.checks[0].brief, '**Note:** Bias cancelled by the BatchNorm that follows — Set use\\_bias=False');
    assert.equal(two.sections.checks[1].brief, '**Warning:** Momentum written in the other framework convention — Use momentum=0.9 (Keras 3 convention)');
    const whole = two.sections.checks.every((c) => two.markdown.includes(c.text));
    const brief = two.sections.checks.every((c) => two.markdown.includes(c.brief));
    assert.ok(whole !== brief, 'one form or the other');
    assert.ok(estimatedLines(two.markdown) <= MAX_LINES);
    // A hover with room keeps the whole message.
    const one = at(readFileSync(path.join(EXAMPLES, 'resnet_block.py'), 'utf8'), 'self.bn2 =').hover;
    assert.ok(one.markdown.includes(one.sections.checks[0].text));
    // Forced: four long checks do not fit whole.
    const many = compactHover(at(source, 'BatchNormalization(momentum=0.1').layer, {
      ...opts,
      diagnostics: [...analyzeDocument(source).diagnostics, ...analyzeDocument(source).diagnostics],
    });
    assert.ok(many.sections.checks.every((c) => many.markdown.includes(c.brief)));
  });

  it('shows no advice that holds for every BatchNorm (train/eval, batch size 1, freezing)', () => {
    for (const { hover } of hoversOf(readFileSync(path.join(EXAMPLES, 'resnet_block.py'), 'utf8'))) {
      assert.doesNotMatch(hover.markdown, /Train\/eval mismatch|Batch size 1|Freezing|internal covariate/);
    }
  });

  it('a shape written as a tuple of names is shown by its items: input (*, head_dim)', () => {
    const src = TORCH + 'def attn(q, head_dim, d1, d2):\n    q = F.rms_norm(q, (head_dim,))\n    ln = nn.LayerNorm([d1, d2])\n    return q\n';
    assert.match(at(src, 'F.rms_norm').hover.sections.normalizes, /input `\(\*, head_dim\)`/);
    assert.match(at(src, 'nn.LayerNorm').hover.sections.normalizes, /input `\(\*, d1, d2\)`/);
  });

  it('two user classes of one framework class: the origin line names the other by its own name', () => {
    const src =
      TORCH +
      'class LayerNorm(nn.LayerNorm):\n    pass\nclass LayerNorm2d(nn.LayerNorm):\n    pass\n' +
      'class Block(nn.Module):\n    def __init__(self, dim, conv_mlp=True):\n        norm_layer = LayerNorm2d if conv_mlp else LayerNorm\n        self.norm = norm_layer(dim)\n';
    const { hover } = at(src, 'self.norm =');
    // (named like the framework class the line builds: marked as a user class; conv_mlp=True: LayerNorm2d first)
    assert.match(
      hover.sections.title,
      /`norm_layer\(dim\)` builds `LayerNorm\(dim\)` \(or user class `LayerNorm`, depending on the caller\) — subclass `LayerNorm2d`/,
    );
  });

  it('a user class beside its framework base: the framework class is named in full', () => {
    const src =
      TORCH +
      'class LayerNorm2d(nn.LayerNorm):\n    pass\n' +
      'class Block(nn.Module):\n    def __init__(self, dim, conv_mlp=True):\n        norm_layer = LayerNorm2d if conv_mlp else nn.LayerNorm\n        self.norm = norm_layer(dim)\n';
    const { hover } = at(src, 'self.norm =');
    assert.match(hover.sections.title, /builds `LayerNorm\(dim\)` \(or `torch\.nn\.LayerNorm`, depending on the caller\) — subclass `LayerNorm2d`/);
    // conv_mlp=False: the plain LayerNorm first, the subclass the other
    const flipped = at(src.replace('conv_mlp=True', 'conv_mlp=False'), 'self.norm =').hover;
    assert.match(flipped.sections.title, /builds `LayerNorm\(dim\)` \(or `LayerNorm2d`, depending on the caller\) — alias `norm_layer`/);
  });

  it('a symbolic size: the origin line, the parameter count as a formula, the glimpse on a stand-in size, said', () => {
    const { hover } = at(TORCHVISION, 'self.bn1 =');
    assert.match(hover.sections.title, /`norm_layer\(planes\)` builds `BatchNorm2d\(planes\)` — default of `norm_layer`, line 9/);
    assert.equal(hover.sections.parameters, '**Parameters** 2·`planes` learnable (weight, bias) · 2·`planes` + 1 in buffers');
    // The counts the formula gives are the core's at any size.
    for (const c of [1, 7, 64]) {
      const n = countParameters(
        {
          kind: 'batch_norm',
          numFeatures: c,
          eps: 1e-5,
          momentum: 0.1,
          hasWeight: true,
          hasBias: true,
          trackRunningStats: true,
          channelAxis: 1,
          storedVariance: 'unbiased',
        } as never,
        4,
      );
      assert.equal(n.parameters, 2 * c);
      assert.equal(n.buffers, 2 * c + 1);
    }
    assert.match(hover.sections.glimpse, /^\*\*Example\*\* training, seeded \(2, 3, 2, 2\) \(stand-in `planes` = 3\): channel 0 mean /);
    // The glimpse's numbers are the core's on the same seeded sample.
    const x = seededSample([2, 3, 2, 2], 0);
    const out = runLayer({
      spec: {
        kind: 'batch_norm',
        numFeatures: 3,
        eps: 1e-5,
        momentum: 0.1,
        hasWeight: true,
        hasBias: true,
        trackRunningStats: true,
        channelAxis: 1,
        storedVariance: 'unbiased',
      } as never,
      mode: 'train',
      input: x,
    });
    assert.ok(hover.sections.glimpse.includes(`x ${fixed(x.data[0], 4)}, … → y ${fixed(out.output.data[0], 4)}, …`), hover.sections.glimpse);
    assert.ok(hover.sections.glimpse.includes(`mean ${fixed(out.stats!.mean[0], 4)}, var ${fixed(out.stats!.variance[0], 4)}`));
  });

  it('a custom RMSNorm module: how NormLens knows, no invented size, no γ on F.layer_norm without weight', () => {
    const rms = at(HF, 'self.input_layernorm =').hover;
    assert.match(rms.sections.title, /custom module `LlamaRMSNorm` \(rsqrt of mean square over the last dim\)/);
    assert.equal(rms.sections.parameters, '**Parameters** `config.hidden_size` learnable (weight)');
    // its size and ε are expressions: the example runs on a stand-in size with the ε LlamaRMSNorm's own __init__ defaults to, said so
    assert.match(
      rms.sections.glimpse,
      /\(stand-in `config\.hidden_size` = 4, `config\.rms_norm_eps` as `1e-06` \(default of `eps` in `LlamaRMSNorm\.__init__`, line 6\)\)/,
    );
    const x = seededSample([2, 4], 0);
    const y = runLayer({ spec: { kind: 'rms_norm', normalizedShape: [4], eps: 1e-6, hasWeight: true }, mode: 'train', input: x });
    assert.ok(rms.sections.glimpse.includes(`x ${fixed(x.data[0], 4)}, … → y ${fixed(y.output.data[0], 4)}, …`), rms.sections.glimpse);
    const ln = at(HF, 'self.ln =').hover;
    assert.equal(ln.sections.parameters, '**Parameters** 2·`config.hidden_size` learnable (weight, bias)');
    assert.match(ln.sections.glimpse, /\(stand-in `config\.hidden_size` = 4\)/);
    const f = at(HF, 'F.layer_norm').hover;
    assert.equal(f.sections.parameters, '');
    assert.doesNotMatch(f.markdown, /γ|weight/);
  });

  it('LayerNorm has no training mode in its glimpse; BatchNorm says training', () => {
    const source = readFileSync(path.join(EXAMPLES, 'resnet_block.py'), 'utf8');
    const ln = at(source, 'self.head_norm =').hover;
    assert.match(ln.sections.glimpse, /^\*\*Example\*\* seeded \(2, 4\) \(normalized shape \(4\) instead of \(128\)\): sample 0 mean/);
    assert.match(ln.sections.normalizes, /over its last dimension \(128 values\)/);
    assert.match(at(source, 'nn.BatchNorm2d(64, eps=1e-5)').hover.sections.glimpse, /^\*\*Example\*\* training, seeded/);
  });

  it("the arguments that matter, with the framework's convention: written ones and the ε and momentum defaults", () => {
    const source = readFileSync(path.join(EXAMPLES, 'resnet_block.py'), 'utf8');
    const bn2 = at(source, 'self.bn2 =').hover;
    assert.equal(
      bn2.sections.arguments,
      '**Arguments** `num_features=out_channels` · `eps=1e-05` default, added to var · `momentum=0.99` PyTorch: weight of the new batch',
    );
    assert.equal(bn2.sections.checks.length, 1);
    assert.equal(bn2.sections.checks[0].code, 'momentum-convention');
    assert.match(bn2.sections.checks[0].text, /^\*\*Warning:\*\* momentum=0\.99 in PyTorch is the weight of the new batch/);
    const keras = hoversOf(readFileSync(path.join(EXAMPLES, 'keras_model.py'), 'utf8'))[0].hover;
    assert.match(keras.sections.arguments, /`momentum=0\.99` default, Keras 3: weight kept from the old average/);
    assert.match(keras.sections.arguments, /`epsilon=0\.001` default, added to var/);
    // Non-PyTorch names, and no PyTorch step counter.
    assert.equal(keras.sections.parameters, '**Parameters** 2·C learnable (γ, β) · 2·C in buffers');
  });

  it('a momentum at an end of the range says what the running statistics then do, as each real framework does it', function () {
    this.timeout(180_000);
    // (layer, framework's running mean after one training step on a batch of mean 5 from a start of 0)
    const CASES: [string, 'stays' | 'last batch'][] = [
      ['nn.BatchNorm2d(4, momentum=0)', 'stays'],
      ['nn.BatchNorm2d(4, momentum=1.0)', 'last batch'],
      ['keras.layers.BatchNormalization(momentum=1.0)', 'stays'],
      ['keras.layers.BatchNormalization(momentum=0.0)', 'last batch'],
      ['linen.BatchNorm(momentum=1.0)', 'stays'],
      ['linen.BatchNorm(momentum=0.0)', 'last batch'],
    ];
    const head = 'import torch.nn as nn\nimport keras\nfrom flax import linen\n';
    const source = head + CASES.map(([l], i) => `m${i} = ${l}\n`).join('');
    const notes = CASES.map(([l]) => at(source, l).hover.sections.arguments);
    CASES.forEach(([l, what], i) =>
      assert.match(
        notes[i],
        what === 'stays'
          ? /so the running statistics never update \(they keep their initial values, or what a checkpoint loads\)/
          : /so the running statistics are the last batch's alone/,
        l,
      ),
    );
    // a momentum inside the range says neither
    assert.doesNotMatch(at(head + 'm = nn.BatchNorm2d(4, momentum=0.1)\n', 'BatchNorm2d').hover.sections.arguments, /so the running statistics/);
    const py = FRAMEWORKS_PYTHON;
    if (!existsSync(py)) return console.log('      (frameworks not checked: no .venv-frameworks; bash scripts/setup-frameworks.sh)');
    const script = [
      'import os, sys',
      "os.environ['KERAS_BACKEND'] = 'jax'",
      'import numpy as np, torch, torch.nn as nn, keras, jax, jax.numpy as jnp',
      'from flax import linen',
      'x = np.random.default_rng(0).normal(5.0, 1.0, (8, 4)).astype(np.float32)',
      'for line in sys.stdin.read().splitlines():',
      '    m = eval(line)',
      '    if isinstance(m, nn.Module):',
      '        m.train(); m(torch.from_numpy(x)[:, :, None, None]); mean = m.running_mean.numpy()',
      '    elif isinstance(m, keras.layers.Layer):',
      '        m(x, training=True); mean = np.asarray(m.moving_mean)',
      '    else:',
      '        v = m.init(jax.random.PRNGKey(0), x, use_running_average=False)',
      "        _, upd = m.apply(v, x, use_running_average=False, mutable=['batch_stats'])",
      "        mean = np.asarray(upd['batch_stats']['mean'])",
      "    print('stays' if np.allclose(mean, 0) else 'last batch' if np.allclose(mean, x.mean(0), atol=1e-5) else 'other')",
    ].join('\n');
    const out = execFileSync(py, ['-c', script], { input: CASES.map(([l]) => l).join('\n'), encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] })
      .trim()
      .split('\n');
    assert.deepEqual(
      out,
      CASES.map(([, what]) => what),
    );
  });

  it('a group count the code does not fix: no instance normalization, no channels per group from a stand-in', () => {
    // (a list appended to before the call: both values unknown, `?` each)
    const lstHover = at(`${TORCH}lst = [4, 8]\nlst.append(2)\nd = nn.GroupNorm(*lst)\n`, 'GroupNorm(*lst)').hover.sections;
    assert.doesNotMatch(lstHover.normalizes, /instance normalization/);
    assert.match(lstHover.arguments, /^\*\*Arguments\*\* `num_groups` from `\*lst` · `num_channels` from `\*lst` · /);
    // (a mapping changed in place: the group count is sized on a stand-in, the 48 channels are known)
    const cfg = at(`${TORCH}cfg = {"num_groups": 32}\ncfg["num_groups"] = 16\nd = nn.GroupNorm(**cfg, num_channels=48)\n`, 'GroupNorm(**cfg').hover.sections
      .normalizes;
    assert.match(cfg, /each of `\*\*cfg` groups: 48\/`\*\*cfg` channels/);
  });

  it('a GroupNorm PyTorch refuses to build: the error, no example', () => {
    const h = hoversOf(`${TORCH}gn = nn.GroupNorm(32, 100)\n`)[0].hover;
    assert.equal(h.sections.checks[0].severity, 'error');
    assert.match(h.sections.checks[0].text, /cannot be split into num\\_groups=32 equal groups/);
    assert.match(h.sections.glimpse, /none: 100 channels do not split into 32 groups/);
  });

  it("three links: the full explanation, the panel with the layer's rank, the calculators", () => {
    const h = hoversOf(readFileSync(path.join(EXAMPLES, 'groupnorm_unet.py'), 'utf8'))[0].hover;
    const links = render(h.sections.links).links.map((l) => decodeCommandUri(l)!);
    assert.deepEqual(
      links.map((l) => l.command),
      [COMMANDS.explainLayer.id, COMMANDS.openPanel.id, COMMANDS.calculators.id],
    );
    assert.deepEqual(links[0].arg, { ref: 1, line: 0, character: 0 });
    assert.equal((links[1].arg as { rank: number }).rank, 4);
    // No links without a place to explain (the command line).
    const r = analyzeDocument(`${TORCH}bn = nn.BatchNorm1d(8)\n`);
    const cli = compactHover(r.layers[0], opts);
    assert.equal(cli.sections.links, '');
    assert.equal(render(cli.markdown).links.length, 0);
  });
});

describe('explain/compactHover: a layer built from a partial', () => {
  it("shows the finding on the partial's keyword, which holds for every layer built from it", () => {
    const src = `${TORCH}import functools\nNorm2d = functools.partial(nn.BatchNorm2d, eps=1e-3, momentum=0.9)\nclass B(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.n = Norm2d(c)\n        self.m = nn.BatchNorm2d(c)\n`;
    const { hover } = at(src, 'Norm2d(c)');
    assert.match(hover.markdown, /\*\*Warning:\*\* [^\n]*momentum=0\.1/);
    // a layer that does not take it has no such line
    assert.doesNotMatch(at(src, 'nn.BatchNorm2d(c)').hover.markdown, /Warning/);
  });
});

describe('explain/compactHover: a layer whose forward the framework refuses', () => {
  it('LayerNorm([]) and RMSNorm([]) build in torch but raise at the forward: the card says so instead of an example', () => {
    const src = `${TORCH}a = nn.LayerNorm([])\nb = nn.RMSNorm([])\n`;
    for (const text of ['nn.LayerNorm([])', 'nn.RMSNorm([])']) {
      const { hover } = at(src, text);
      assert.match(hover.markdown, /\*\*Example\*\* none: Expected normalized\\_shape to be at least 1-dimensional/);
      assert.ok(!/\by -?\d/.test(hover.markdown), 'no numbers shown');
    }
  });
});

describe('explain/compactHover: no invented sizes, few paragraphs', () => {
  it('a Keras or Flax GroupNorm sized from its input states no channel count', () => {
    for (const f of ['keras_model.py', 'flax_model.py']) {
      const source = readFileSync(path.join(EXAMPLES, f), 'utf8');
      const r = analyzeDocument(source);
      const gn = r.layers.find((l) => l.spec.kind === 'group_norm')!;
      const h = compactHover(gn, { ...opts, diagnostics: r.diagnostics });
      assert.match(h.sections.normalizes, /groups: C\/\d+ channels/, h.sections.normalizes);
    }
  });

  it('Flax GroupNorm sized by group_size: groups of that many channels, C/group_size of them (not group_size groups)', () => {
    const src = 'import flax.linen as nn\ngn = nn.GroupNorm(num_groups=None, group_size=2)\n';
    const r = analyzeDocument(src);
    const gn = r.layers[0];
    const h = compactHover(gn, { ...opts, diagnostics: r.diagnostics });
    assert.equal(
      h.sections.normalizes,
      '**Normalizes** per sample over each group of 2 consecutive channels (C/2 groups) × H·W; independent of the batch size; input `(N, H, W, C)` (channels last).',
    );
    const full = explainLayer(gn, { ...opts, diagnostics: r.diagnostics }).markdown;
    assert.match(full, /the input's C channels form groups of 2 consecutive channels \(C\/2 groups; C comes from the input\)/);
    assert.doesNotMatch(full, /form 2 groups/);
    // the other frameworks take the count: C / 2, not None
    assert.match(full, /GroupNorm needs num\\_groups = C \/ 2/);
    assert.doesNotMatch(full, /GroupNorm\(None/);
  });

  it('at most three paragraphs (their margins cost height in the 250 px box)', () => {
    for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith('.py'))) {
      for (const { hover } of hoversOf(readFileSync(path.join(EXAMPLES, f), 'utf8'))) {
        assert.ok(render(hover.markdown).blocks.filter((b) => b === 'paragraph_open').length <= 3);
      }
    }
  });
});

describe('explain/compactHover: exactly the checks that hold, worded as the diagnostics', () => {
  it('GroupNorm(32, 80): the alternatives of the quick fixes, in their order', () => {
    const src = TORCH + 'gn = nn.GroupNorm(32, 80)\n';
    const { hover } = at(src, 'GroupNorm');
    assert.deepEqual(
      hover.sections.checks.map((c) => c.code),
      ['groupnorm-divisibility'],
    );
    assert.match(hover.markdown, /group counts that divide 80 nearby: 40, 20\./);
    assert.deepEqual(
      analyzeDocument(src).diagnostics[0].fixes.map((f) => f.title),
      ['Use num_groups=40', 'Use num_groups=20'],
    );
  });

  it('GroupNorm(32, 648) after a conv producing 640: the channel fix leads, in the brief line too', () => {
    const src = TORCH + 'net = nn.Sequential(nn.Conv2d(3, 640, 3, bias=False), nn.GroupNorm(32, 648))\n';
    const { hover } = at(src, 'GroupNorm');
    assert.deepEqual(
      hover.sections.checks.map((c) => c.code),
      ['groupnorm-divisibility', 'channel-mismatch'],
    );
    const gd = hover.sections.checks.find((c) => c.code === 'groupnorm-divisibility')!;
    assert.match(gd.brief, /GroupNorm channels not divisible by the number of groups — Use num\\_channels=640/);
  });

  it('BatchNorm2d(64, momentum=0.99): the hover warning is the diagnostic; a plain BatchNorm has no check line', () => {
    const { hover } = at(TORCH + 'bn = nn.BatchNorm2d(64, momentum=0.99)\n', 'BatchNorm2d');
    assert.deepEqual(
      hover.sections.checks.map((c) => [c.code, c.severity]),
      [['momentum-convention', 'warning']],
    );
    assert.match(hover.markdown, /\*\*Warning:\*\* momentum=0\.99 in PyTorch is the weight of the new batch/);
    assert.deepEqual(at(TORCH + 'bn = nn.BatchNorm2d(64)\n', 'BatchNorm2d').hover.sections.checks, []);
  });

  it('notes: track_running_stats=False says so, as a note line', () => {
    const { hover } = at(TORCH + 'bn = nn.BatchNorm2d(64, track_running_stats=False)\n', 'BatchNorm2d');
    assert.deepEqual(
      hover.sections.checks.map((c) => [c.code, c.severity]),
      [['no-running-stats', 'note']],
    );
    assert.match(hover.markdown, /\*\*Batch statistics at inference too:\*\* `track_running_stats=False`: inference also uses/);
  });
});

describe('compact hover: placement in a residual block', () => {
  it('says pre-norm or post-norm in one line, and the panel link carries it', () => {
    const src =
      TORCH +
      'class Layer(nn.Module):\n    def __init__(self, d):\n        super().__init__()\n        self.LayerNorm = nn.LayerNorm(d)\n        self.dense = nn.Linear(d, d)\n\n' +
      '    def forward(self, hidden_states, input_tensor):\n        hidden_states = self.dense(hidden_states)\n        return self.LayerNorm(hidden_states + input_tensor)\n';
    const h = at(src, 'self.LayerNorm = nn.LayerNorm(d)').hover;
    assert.match(h.markdown, /post-norm: normalizes the sum of the residual add, line 12/);
    const panel = /command:normlens\.openPanel\?([^)\s]+)/.exec(h.markdown);
    assert.ok(panel);
    assert.deepEqual(JSON.parse(decodeURIComponent(panel[1]))[0]?.placement ?? JSON.parse(decodeURIComponent(panel[1])).placement, {
      kind: 'post-norm',
      addLine: 12,
    });
    // the full explanation says it too
    assert.match(explainLayer(at(src, 'self.LayerNorm = nn.LayerNorm(d)').layer, opts).markdown, /post-norm: normalizes the sum of the residual add, line 12/);
    // a norm outside any residual block gets no such line
    assert.doesNotMatch(at(TORCH + 'ln = nn.LayerNorm(8)\n', 'nn.LayerNorm(8)').hover.markdown, /pre-norm|post-norm/);
  });
});
