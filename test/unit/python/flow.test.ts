/**
 * The data flow (src/python/semantic/flow.ts) and the checks built on it, on held-out files with
 * known wiring (test/fixtures/flow/) and on real library sources (.cache/corpus, see
 * scripts/corpus/unpack.sh). What the fixtures claim about running code is checked with the real
 * frameworks (test/unit/python/flow_oracle.py: PyTorch 2.13, Keras 3.15.1 in .venv-frameworks).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowModel } from '../../../src/python/semantic/flow';
import { parsePython } from '../../../src/python/semantic/syntax';
import { imageDataFormat } from '../../../src/python/semantic/index';
import { scanPython, PythonModule } from '../../../src/python/index';
import { qualifier } from '../../../src/checks/context';
import { analyzeDocument } from '../../../src/checks';
import { FRAMEWORKS_PYTHON } from '../venv';

const REPO = join(__dirname, '..', '..', '..');
const FIXTURES = join(REPO, 'test', 'fixtures', 'flow');
const CORPUS = process.env.NORMLENS_CORPUS_DIR ?? join(REPO, '.cache', 'corpus');
const PYTHON = FRAMEWORKS_PYTHON;

const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

function flowOf(text: string): FlowModel {
  const scan = scanPython(text);
  return new FlowModel(text, parsePython(text), qualifier(scan.imports, scan.rebinds));
}

/** Edges as "from-line>to-line [op kinds]" (1-based lines of the construction calls). */
function edges(text: string): string[] {
  return flowOf(text)
    .edges()
    .map((e) => `${lineOf(text, e.from)}>${lineOf(text, e.to)} [${e.paths.map((p) => p.ops.map((o) => o.kind).join(' ')).join(' | ')}]`);
}

/** Placements as "layer-line kind add-line". */
function placements(text: string): string[] {
  return [...flowOf(text).placements()].map(([at, p]) => `${lineOf(text, at)} ${p.kind} ${lineOf(text, p.addAt)}`).sort();
}

const findings = (text: string) => analyzeDocument(text).diagnostics.map((d) => `${d.range.start.line + 1} ${d.code}`);

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

describe('data flow: held-out PyTorch file', () => {
  const text = fixture('wiring_torch.py');

  it('finds which layer feeds which, with the operations between', () => {
    assert.deepEqual(edges(text), [
      '21>23 []', // Apart: declared apart, applied back to back
      '43>45 [dropout]', // WithDropout
      '54>55 []', // PreNorm: norm1 -> attn
      '56>57 []', // norm2 -> mlp (through the local `x`)
      '81>82 []', // layers = [conv]; layers.append(bn); nn.Sequential(*layers)
      '82>84 []', // self.b(self.a(x)): the last element of one container feeds the first of the next
      '84>84 [activation]', // OrderedDict: conv, ReLU, bn
      '93>94 []', // ConvLN
    ]);
  });

  it('says nothing where a concatenation or a residual add mixes in another tensor', () => {
    // UpBlock (line 10 ConvTranspose2d, line 11 BatchNorm2d) and Residual (lines 32, 33): no edge into the norm
    const into = flowOf(text)
      .edges()
      .map((e) => lineOf(text, e.to));
    assert.ok(!into.includes(11) && !into.includes(33));
  });

  it('places each norm in its residual block', () => {
    assert.deepEqual(
      placements(text).filter((p) => [33, 54, 56, 72].includes(Number(p.split(' ')[0]))),
      ['33 post-norm 37', '54 pre-norm 60', '56 pre-norm 64', '72 post-norm 75'],
    );
    // on the layers, as inspect, the hover and the panel get it (0-based lines there)
    const bn = new PythonModule(text).layers.find((l) => l.call.range.start.line + 1 === 56);
    assert.deepEqual(bn?.placement, { kind: 'pre-norm', addLine: 63, applyLine: 61 });
  });

  it('checks only what the flow shows', () => {
    assert.deepEqual(findings(text), [
      '21 conv-bias-before-bn', // Apart: found although declared apart
      '81 conv-bias-before-bn', // the Sequential built from a list
      '94 layernorm-channels-first', // LayerNorm(64) on the Conv2d's (N, 64, H, W)
    ]);
    const ln = analyzeDocument(text).diagnostics.find((d) => d.code === 'layernorm-channels-first')!;
    assert.equal(ln.severity, 'warning');
  });
});

describe('data flow: held-out Keras and Flax file', () => {
  const text = fixture('wiring_keras_flax.py');

  it('follows functional graphs, Sequential lists, compact bodies and nnx attributes', () => {
    assert.deepEqual(edges(text), [
      '8>9 []',
      '9>11 []',
      '11>13 [dropout]',
      '19>19 [activation]',
      '25>26 []',
      '32>33 []',
      '40>41 []',
      '40>42 []',
      '40>43 [activation]',
      '49>50 [resize]',
      '51>52 []',
      '53>54 []',
    ]);
    assert.deepEqual(
      placements(text).filter((p) => [15, 27, 32].includes(Number(p.split(' ')[0]))),
      ['15 post-norm 14', '27 post-norm 27', '32 pre-norm 36'],
    );
  });

  it('finds the conv bias before BatchNormalization(axis=-1) and in a compact body, not through a dropout', () => {
    assert.deepEqual(findings(text), [
      '8 conv-bias-before-bn',
      '25 conv-bias-before-bn',
      '41 axis-channels-first',
      '43 axis-channels-first',
      '50 axis-channels-first',
      '52 axis-channels-first',
    ]);
  });

  it('says so for axis=[-1] too, and not for axis=1 or a channels-last Conv2D', () => {
    const src = [
      'import keras',
      'from keras import layers',
      'x = keras.Input((3, 8, 8))',
      'y = layers.Conv2D(4, 3, data_format="channels_first", use_bias=False)(x)',
      'a = layers.BatchNormalization(axis=[-1])(y)',
      'b = layers.LayerNormalization(axis=1)(y)',
      'z = layers.Conv2D(4, 3, data_format="channels_last", use_bias=False)(x)',
      'c = layers.BatchNormalization()(z)',
      // Keras 3.15.1: the global pooling outputs (N, 4), so axis -1 is the channels (gamma (4,))
      'p = layers.GlobalAveragePooling2D(data_format="channels_first")(y)',
      'd = layers.BatchNormalization()(p)',
      // a windowed pooling keeps (N, 4, H', W'): Keras 3.15.1 keeps gamma (W',) there
      'q = layers.MaxPooling2D(2, data_format="channels_first")(y)',
      'e = layers.BatchNormalization()(q)',
    ].join('\n');
    // (and Keras 3.15.1 refuses the list itself: TypeError from int([-1]))
    assert.deepEqual(findings(src), ['5 axis-channels-first', '5 keras-batchnorm-axis', '12 axis-channels-first']);
  });

  it("reads Keras's global layout: set once at module level it applies to convs that write none; set otherwise, nothing is said", () => {
    const body = ['x = keras.Input((3, 8, 8))', 'y = layers.Conv2D(4, 3)(x)', 'a = layers.BatchNormalization()(y)'];
    const head = ['import keras', 'from keras import layers'];
    const msg = (src: string[]) => analyzeDocument(src.join('\n')).diagnostics.map((d) => `${d.range.start.line + 1} ${d.code} ${d.message}`);
    // the conv's default bias before the BatchNormalization is cancelled only when both see channels last
    assert.deepEqual(
      msg([...head, ...body]).map((m) => m.split(' ').slice(0, 2).join(' ')),
      ['4 conv-bias-before-bn'],
    );
    const first = msg([...head, 'keras.config.set_image_data_format("channels_first")', ...body]);
    assert.equal(first.length, 1);
    assert.match(
      first[0],
      /^6 axis-channels-first BatchNormalization normalizes axis -1, but the Conv2D before it runs under keras\.config\.set_image_data_format\("channels_first"\): /,
    );
    assert.deepEqual(
      msg([...head, 'keras.backend.set_image_data_format("channels_last")', ...body]).map((m) => m.split(' ').slice(0, 2).join(' ')),
      ['5 conv-bias-before-bn'],
    );
    // in a function or to a computed value: the layout is not known here, and no check says anything
    assert.deepEqual(msg([...head, 'def setup(fmt):', '    keras.config.set_image_data_format(fmt)', ...body]), []);
    // below a model built at module level (Keras 3.15.1: that model's Conv2D keeps data_format channels_last, its
    // BatchNormalization gamma (8,)): not known for every model of the file, nothing is said
    assert.deepEqual(msg([...head, ...body, 'keras.config.set_image_data_format("channels_first")']), []);
    // a call a string holds (a block disabled with triple quotes) is no call: channels last, the bias info holds
    assert.deepEqual(
      msg([...head, '"""', 'keras.config.set_image_data_format("channels_first")', '"""', ...body]).map((m) => m.split(' ').slice(0, 2).join(' ')),
      ['7 conv-bias-before-bn'],
    );
    // a norm whose `**kw` may hold the axis, a conv whose `**kw` may hold the layout: nothing is said (Keras 3.15.1:
    // block(x, axis=1) keeps gamma (8,), per channel)
    const kw = [
      'def block(x, **kw):',
      '    y = layers.Conv2D(8, 3, data_format="channels_first", use_bias=False)(x)',
      '    return layers.BatchNormalization(**kw)(y)',
    ];
    assert.deepEqual(msg([...head, ...kw]), []);
    const convKw = ['def block(x, **kw):', '    y = layers.Conv2D(8, 3, use_bias=False, **kw)(x)', '    return layers.BatchNormalization()(y)'];
    assert.deepEqual(msg([...head, 'keras.config.set_image_data_format("channels_first")', ...convKw]), []);
    assert.deepEqual(imageDataFormat('if x:\n    keras.config.set_image_data_format("channels_first")\n'), {
      value: null,
      code: 'keras.config.set_image_data_format("channels_first")',
    });
  });

  it('says a norm over axis -1 after a channels-first Conv2D normalizes the width, and fixes it with axis=1', () => {
    const d = analyzeDocument(text).diagnostics.filter((x) => x.code === 'axis-channels-first');
    assert.equal(d[0].severity, 'warning');
    assert.match(
      d[0].message,
      /^BatchNormalization normalizes axis -1, but the Conv2D before it writes data_format="channels_first": its output has the 16 channels on axis 1/,
    );
    assert.deepEqual(
      d.map((x) => x.fixes[0].edits[0].newText),
      ['axis=1', '1', 'axis=1', 'axis=1'],
    );
  });
});

describe('data flow: the fixtures run with the real frameworks', () => {
  it('agree with what the checks claim', function () {
    if (!existsSync(PYTHON)) this.skip();
    this.timeout(300_000);
    const torchFile = join(FIXTURES, 'wiring_torch.py');
    const kerasFile = join(FIXTURES, 'wiring_keras_flax.py');
    const cases = [
      {
        kind: 'torch-run',
        file: torchFile,
        cls: 'UpBlock',
        inputs: [
          [2, 512, 4, 4],
          [2, 128, 8, 8],
        ],
      },
      { kind: 'torch-bias', file: torchFile, cls: 'Apart', inputs: [[2, 3, 8, 8]], conv: 'conv' },
      { kind: 'torch-bias', file: torchFile, cls: 'WithDropout', inputs: [[2, 16, 8, 8]], conv: 'conv' },
      { kind: 'torch-bias', file: torchFile, cls: 'Residual', inputs: [[2, 16, 8, 8]], conv: 'conv' },
      { kind: 'torch-run', file: torchFile, cls: 'ConvLN', inputs: [[2, 3, 16, 16]] },
      { kind: 'torch-run', file: torchFile, cls: 'ConvLN', inputs: [[2, 3, 16, 70]] },
      { kind: 'keras-bias', file: kerasFile, fn: 'build', input: [8, 8, 3], conv: 0, norm: 0 },
      { kind: 'keras-bias', file: kerasFile, fn: 'build', input: [8, 8, 3], conv: 1, norm: 1 },
      { kind: 'keras-shapes', file: kerasFile, fn: 'build_channels_first', input: [3, 32, 32] },
      { kind: 'keras-shapes', file: kerasFile, fn: 'build_channels_first_more', input: [3, 32, 32] },
      // (last: importing it sets Keras's layout for the rest of the process)
      { kind: 'keras-shapes', file: join(FIXTURES, 'keras_global_layout.py'), fn: 'build_global', input: [3, 32, 32] },
    ];
    const r = spawnSync(PYTHON, [join(__dirname, 'flow_oracle.py')], { input: JSON.stringify(cases), encoding: 'utf8', cwd: REPO });
    assert.equal(r.status, 0, r.stderr);
    const v = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
    // U-Net up-block: the cat makes 256 channels, BatchNorm2d(256) runs (no channel-mismatch)
    assert.equal(v[0], 'ran');
    // declared apart, applied back to back: the bias cancels (conv-bias-before-bn is true)
    assert.equal(v[1], 'cancelled');
    // a dropout between: the bias does not cancel (the rule is silent)
    assert.equal(v[2], 'changed');
    // A residual add between: PyTorch shows the bias still cancels (the sum carries it as a per-channel
    // constant). The rule stays silent there by the decision; silence is not a false finding.
    assert.equal(v[3], 'cancelled');
    // LayerNorm(64) on (N, 64, H, W): fails unless W == 64 (10 here), runs on W == 64 (normalizing W)
    assert.match(v[4], /^raised: Given normalized_shape=\[64\]/);
    assert.equal(v[5], 'ran');
    // Keras: BatchNormalization(axis=-1) right after Conv2D cancels its bias; through Dropout it does not
    assert.equal(v[6], 'cancelled');
    assert.equal(v[7], 'changed');
    // Keras after Conv2D(16, data_format="channels_first") on (3, 32, 32), output (16, 30, 30): axis -1 keeps one
    // statistic per width column (30), axis=1 one per channel (16) (axis-channels-first on the first and the third)
    assert.equal(v[8], 'BatchNormalization(30,) BatchNormalization(16,) LayerNormalization(30,)');
    // after keras.config.set_image_data_format("channels_first"), a Conv2D without data_format is channels-first:
    // the BatchNormalization after it keeps one statistic per width column (30); one after a conv written
    // channels_last keeps its 16 channels (axis-channels-first on the first only, and no conv-bias info: the
    // width statistics do not cancel a per-channel bias)
    // through a ZeroPadding2D, after a DepthwiseConv2D: per width column (32, 30); axis=1 after a SeparableConv2D: its 8 channels
    assert.equal(v[9], 'BatchNormalization(32,) BatchNormalization(30,) BatchNormalization(8,)');
    assert.equal(v[10], 'BatchNormalization(30,) BatchNormalization(16,)');
    assert.deepEqual(findings(readFileSync(join(FIXTURES, 'keras_global_layout.py'), 'utf8')), ['14 axis-channels-first']);
  });
});

/** A real library file, or null when the corpus is not unpacked (scripts/corpus/unpack.sh). */
function corpusFile(rel: string): string | null {
  const p = join(CORPUS, rel);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
}

/** Placements on the recognized layers, as "line kind add-line" (1-based), the way inspect reports them. */
function layerPlacements(text: string): string[] {
  return new PythonModule(text).layers.filter((l) => l.placement).map((l) => `${l.call.range.start.line + 1} ${l.placement!.kind} ${l.placement!.addLine + 1}`);
}

describe('data flow: real library sources', () => {
  // Facts read off the sources (line numbers of the norm's construction and of the residual add).
  const facts: [string, string[]][] = [
    // BertSelfOutput / BertOutput: LayerNorm(hidden_states + input_tensor), the skip passed by the caller
    ['transformers-5.17.0/transformers/models/bert/modeling_bert.py', ['286 post-norm 292', '344 post-norm 350']],
    // LlamaDecoderLayer: residual = hidden_states; hidden_states = self.input_layernorm(...); ...; residual + hidden_states
    ['transformers-5.17.0/transformers/models/llama/modeling_llama.py', ['292 pre-norm 317', '293 pre-norm 323']],
    // ViTLayer: layernorm_before / layernorm_after, through `residual` locals
    ['transformers-5.17.0/transformers/models/vit/modeling_vit.py', ['261 pre-norm 277', '262 pre-norm 284']],
    // torchvision EncoderBlock: x = ln_1(input); ...; x = x + input; y = ln_2(x); ...; x + y
    ['torchvision-0.28.0/torchvision/models/vision_transformer.py', ['102 pre-norm 115', '107 pre-norm 119']],
    // SwinTransformerBlock: x + stochastic_depth(attn(norm1(x)))
    ['torchvision-0.28.0/torchvision/models/swin_transformer.py', ['433 pre-norm 453', '443 pre-norm 454']],
  ];
  for (const [rel, want] of facts) {
    it(`places the norms of ${rel.split('/').slice(-1)[0]}`, function () {
      const text = corpusFile(rel);
      if (text === null) this.skip();
      assert.deepEqual(layerPlacements(text!), want);
    });
  }

  it('places timm ViT Block norms as pre-norm (norm_layer resolved at run time: the flow alone sees it)', function () {
    const text = corpusFile('timm-1.0.29/timm/models/vision_transformer.py');
    if (text === null) this.skip();
    const p = placements(text!);
    assert.ok(p.includes('178 pre-norm 215') && p.includes('196 pre-norm 216'), p.join(', '));
  });

  it('wires torchvision ResNet blocks conv -> norm -> (ReLU) -> conv', function () {
    const text = corpusFile('torchvision-0.28.0/torchvision/models/resnet.py');
    if (text === null) this.skip();
    const e = edges(text!);
    for (const want of ['81>82 []', '82>84 [activation]', '84>85 []', '133>134 []', '135>136 []', '137>138 []', '197>198 []', '241>242 []']) {
      assert.ok(e.includes(want), `${want} in ${e.join(', ')}`);
    }
  });

  it('every conv-bias-before-bn finding on torchvision and timm is confirmed by PyTorch', function () {
    const root = join(CORPUS, 'timm-1.0.29');
    const text = corpusFile('timm-1.0.29/timm/layers/non_local_attn.py');
    if (text === null || !existsSync(PYTHON)) this.skip();
    this.timeout(120_000);
    // The only one (inspect over both libraries; see the flow branch's report): NonLocalAttn's `z` conv before `norm`.
    const d = analyzeDocument(text!).diagnostics.filter((x) => x.code === 'conv-bias-before-bn');
    assert.deepEqual(
      d.map((x) => x.range.start.line + 1),
      [45],
    );
    const cases = [
      { kind: 'source-bias', root, module: 'timm.layers.non_local_attn', cls: 'NonLocalAttn', init: [16], inputs: [[2, 16, 6, 6]], conv: 'z', norm: 'norm' },
    ];
    const r = spawnSync(PYTHON, [join(__dirname, 'flow_oracle.py')], { input: JSON.stringify(cases), encoding: 'utf8', cwd: REPO });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), ['cancelled']);
  });
});

describe('data flow: large inputs', () => {
  it('places every norm of one forward with 3,000 pre-norm blocks (linear, timed in the bench)', function () {
    this.timeout(120_000);
    const n = 3000;
    let init = '';
    let fwd = '';
    for (let i = 0; i < n; i++) {
      init += `        self.norm${i} = nn.LayerNorm(8)\n        self.f${i} = nn.Linear(8, 8)\n`;
      fwd += `        x = x + self.f${i}(self.norm${i}(x))\n`;
    }
    const text = `import torch.nn as nn\n\nclass Deep(nn.Module):\n    def __init__(self):\n${init}\n    def forward(self, x):\n${fwd}        return x\n`;
    const p = placements(text);
    assert.equal(p.length, n);
    assert.ok(p.every((x) => x.includes(' pre-norm ')));
  });
});
