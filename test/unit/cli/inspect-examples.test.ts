/**
 * `normlens inspect --json` on the shipped examples, compared with JSON written out here:
 * positions found by reading the example text, PyTorch defaults from torch 2.13's own
 * signatures (test/fixtures/framework-signatures.json), messages as the rules word them.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { inspect } from './helpers';

const ROOT = path.join(__dirname, '..', '..', '..');
const EX = (name: string) => path.join('examples', name);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const signatures = JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'framework-signatures.json'), 'utf8')).signatures as Record<
  string,
  { params: { name: string; default?: Json; required?: boolean }[] }
>;

/** Effective arguments of a PyTorch class: torch's defaults, then what was written. */
function torchEffective(cls: string, written: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const p of signatures[cls].params) {
    if (p.name in written) out[p.name] = written[p.name];
    else if (p.default !== undefined) out[p.name] = p.default;
  }
  return out;
}

/** 1-based position of the `nth` occurrence of `snippet` in `text`, columns in UTF-16 units. */
function loc(text: string, snippet: string, nth = 0, inner = 0, length = snippet.length - inner) {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(snippet, at + 1);
    assert.ok(at >= 0, `${snippet} #${nth}`);
  }
  const pos = (o: number) => {
    const lines = text.slice(0, o).split('\n');
    return [lines.length, lines[lines.length - 1].length + 1];
  };
  const [line, column] = pos(at + inner);
  const [endLine, endColumn] = pos(at + inner + length);
  return { line, column, endLine, endColumn };
}

const expr = (e: string) => ({ expr: e });

function torchLayer(
  text: string,
  snippet: string,
  nth: number,
  cls: string,
  callee: string,
  kind: string,
  args: Record<string, Json>,
  cell: number | null = null,
) {
  return {
    ...loc(text, snippet, nth),
    callee,
    qualifiedName: cls,
    framework: 'pytorch',
    kind,
    cell,
    arguments: args,
    effective: torchEffective(cls, args),
    via: 'import',
  };
}

describe('normlens inspect --json on the examples', () => {
  it('resnet_block.py: five layers, the bias info and the momentum warning', async () => {
    const file = EX('resnet_block.py');
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    const r = await inspect(['--json', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const BN = 'torch.nn.BatchNorm2d';
    assert.deepEqual(JSON.parse(r.stdout), {
      files: [
        {
          path: file,
          layers: [
            torchLayer(text, 'nn.BatchNorm2d(out_channels)', 0, BN, 'nn.BatchNorm2d', 'batch_norm', { num_features: expr('out_channels') }),
            torchLayer(text, 'nn.BatchNorm2d(out_channels, momentum=0.99)', 0, BN, 'nn.BatchNorm2d', 'batch_norm', {
              num_features: expr('out_channels'),
              momentum: 0.99,
            }),
            torchLayer(text, 'nn.BatchNorm2d(out_channels)', 1, BN, 'nn.BatchNorm2d', 'batch_norm', { num_features: expr('out_channels') }),
            torchLayer(text, 'nn.BatchNorm2d(64, eps=1e-5)', 0, BN, 'nn.BatchNorm2d', 'batch_norm', { num_features: 64, eps: 1e-5 }),
            torchLayer(text, 'nn.LayerNorm(128)', 0, 'torch.nn.LayerNorm', 'nn.LayerNorm', 'layer_norm', { normalized_shape: 128 }),
          ],
          diagnostics: [
            {
              ...loc(text, 'self.conv1 = nn.Conv2d(', 0, 'self.conv1 = nn.'.length, 'Conv2d'.length),
              severity: 'info',
              code: 'conv-bias-before-bn',
              message:
                'The bias of this Conv2d is cancelled by the BatchNorm2d that follows (it subtracts the per-channel mean); ' +
                'bias=False saves the parameters.',
              cell: null,
            },
            {
              ...loc(text, 'momentum=0.99)', 0, 'momentum='.length, '0.99'.length),
              severity: 'warning',
              code: 'momentum-convention',
              message:
                'momentum=0.99 in PyTorch is the weight of the new batch, so the running statistics average over about 1 batch. ' +
                'This looks like the old-weight convention of Keras/Flax; the same averaging here is momentum=0.01.',
              cell: null,
            },
          ],
        },
      ],
    });
  });

  it('groupnorm_unet.py: the divisibility and channel-mismatch errors give exit code 1', async () => {
    const file = EX('groupnorm_unet.py');
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    const r = await inspect(['--json', file]);
    assert.equal(r.code, 1);
    const GN = 'torch.nn.GroupNorm';
    const gn = (snippet: string, nth: number, args: Record<string, Json>) => torchLayer(text, snippet, nth, GN, 'nn.GroupNorm', 'group_norm', args);
    assert.deepEqual(JSON.parse(r.stdout), {
      files: [
        {
          path: file,
          layers: [
            gn('nn.GroupNorm(groups, in_ch)', 0, { num_groups: expr('groups'), num_channels: expr('in_ch') }),
            gn('nn.GroupNorm(groups, out_ch)', 0, { num_groups: expr('groups'), num_channels: expr('out_ch') }),
            gn('nn.GroupNorm(32, 80)', 0, { num_groups: 32, num_channels: 80 }),
            gn('nn.GroupNorm(32, 160)', 0, { num_groups: 32, num_channels: 160 }),
            gn('nn.GroupNorm(32, 160)', 1, { num_groups: 32, num_channels: 160 }),
            gn('nn.GroupNorm(num_groups=8, num_channels=320)', 0, { num_groups: 8, num_channels: 320 }),
          ],
          diagnostics: [
            {
              ...loc(text, 'nn.GroupNorm(32, 80)', 0, 'nn.GroupNorm('.length, 2),
              severity: 'error',
              code: 'groupnorm-divisibility',
              message: 'num_channels=80 cannot be split into num_groups=32 equal groups; group counts that divide 80 nearby: 40, 20.',
              cell: null,
            },
            {
              ...loc(text, 'nn.GroupNorm(32, 160)', 1, 'nn.GroupNorm(32, '.length, 3),
              severity: 'error',
              code: 'channel-mismatch',
              message: 'GroupNorm expects num_channels=160, but the Conv2d before it produces out_channels=320.',
              cell: null,
            },
          ],
        },
      ],
    });
  });

  it('notebook.ipynb: positions per cell, with the cell index', async () => {
    const file = EX('notebook.ipynb');
    const cells = (JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')).cells as { source: string[] }[]).map((c) => c.source.join(''));
    const r = await inspect(['--json', file]);
    assert.equal(r.code, 0, r.stderr);
    const BN1 = 'torch.nn.BatchNorm1d';
    assert.deepEqual(JSON.parse(r.stdout), {
      files: [
        {
          path: file,
          layers: [
            torchLayer(cells[2], 'nn.BatchNorm1d(256)', 0, BN1, 'nn.BatchNorm1d', 'batch_norm', { num_features: 256 }, 2),
            torchLayer(cells[2], 'nn.BatchNorm1d(128, eps=0)', 0, BN1, 'nn.BatchNorm1d', 'batch_norm', { num_features: 128, eps: 0 }, 2),
            torchLayer(cells[4], 'nn.InstanceNorm2d(64)', 0, 'torch.nn.InstanceNorm2d', 'nn.InstanceNorm2d', 'instance_norm', { num_features: 64 }, 4),
          ],
          diagnostics: [
            {
              ...loc(cells[2], 'nn.Linear(784', 0, 3, 'Linear'.length),
              severity: 'info',
              code: 'conv-bias-before-bn',
              message:
                'The bias of this Linear is cancelled by the BatchNorm1d that follows (it subtracts the per-channel mean); ' +
                'bias=False saves the parameters.',
              cell: 2,
            },
            {
              ...loc(cells[2], 'eps=0', 0, 4, 1),
              severity: 'warning',
              code: 'eps-zero',
              // (torch 2.13: `nn.BatchNorm1d(128, eps=0)` raises ValueError on a training forward; in eval it runs)
              message:
                'eps=0 leaves nothing to guard the division: a channel with zero variance divides by zero in BatchNorm1d. ' +
                'PyTorch 2 refuses it in training: every training forward raises "batch_norm eps must be positive during training" ' +
                '(evaluation runs; PyTorch 1.13 accepted it).',
              cell: 2,
            },
            {
              ...loc(cells[4], 'InstanceNorm2d'),
              severity: 'info',
              code: 'instancenorm-affine-default',
              message:
                'InstanceNorm2d has affine=False by default, so style_norm.weight is None: the layer learns no scale or shift. ' +
                'Pass affine=True if it should.',
              cell: 4,
            },
          ],
        },
      ],
    });
  });

  it('the other examples: every layer found where it is written, and the expected diagnostics', async () => {
    const expected: Record<string, { layers: [string, number, string][]; diagnostics: [string, string, number, string][] }> = {
      'flax_model.py': {
        layers: [
          ['nn.BatchNorm(use_running_average=not train, momentum=0.9)', 0, 'flax.linen.BatchNorm'],
          ['nn.GroupNorm(num_groups=32)', 0, 'flax.linen.GroupNorm'],
          ['nn.LayerNorm()', 0, 'flax.linen.LayerNorm'],
          ['nnx.LayerNorm(dhidden, rngs=rngs)', 0, 'flax.nnx.LayerNorm'],
        ],
        diagnostics: [],
      },
      'keras_model.py': {
        layers: [
          ['layers.BatchNormalization()', 0, 'keras.layers.BatchNormalization'],
          ['layers.BatchNormalization(momentum=0.1, epsilon=1e-5)', 0, 'keras.layers.BatchNormalization'],
          ['layers.GroupNormalization(groups=16)', 0, 'keras.layers.GroupNormalization'],
          ['layers.LayerNormalization(epsilon=1e-6)', 0, 'keras.layers.LayerNormalization'],
          ['layers.BatchNormalization()', 1, 'keras.layers.BatchNormalization'],
        ],
        diagnostics: [
          ['layers.Conv2D(128, 3, padding="same")(x)', 'conv-bias-before-bn', 'layers.'.length, 'Conv2D'],
          ['momentum=0.1,', 'momentum-convention', 'momentum='.length, '0.1'],
        ],
      },
      'transformer.py': {
        layers: [
          ['F.rms_norm(q, (head_dim,), eps=eps)', 0, 'torch.nn.functional.rms_norm'],
          ['F.rms_norm(k, (head_dim,), eps=eps)', 0, 'torch.nn.functional.rms_norm'],
          ['nn.LayerNorm(dim, eps=1e-6)', 0, 'torch.nn.LayerNorm'],
          ['nn.RMSNorm(dim)', 0, 'torch.nn.RMSNorm'],
          ['nn.LayerNorm(dim, elementwise_affine=True, bias=False)', 0, 'torch.nn.LayerNorm'],
          ['F.layer_norm(x, (x.shape[-1],), self.final_norm.weight, None, 1e-5)', 0, 'torch.nn.functional.layer_norm'],
        ],
        diagnostics: [],
      },
    };
    for (const [name, want] of Object.entries(expected)) {
      const file = EX(name);
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      const r = await inspect(['--json', file]);
      assert.equal(r.code, 0, name);
      const out = JSON.parse(r.stdout).files[0];
      assert.deepEqual(
        out.layers.map((l: Record<string, Json>) => ({
          line: l.line,
          column: l.column,
          endLine: l.endLine,
          endColumn: l.endColumn,
          q: l.qualifiedName,
          cell: l.cell,
        })),
        want.layers.map(([snippet, nth, q]) => ({ ...loc(text, snippet, nth), q, cell: null })),
        name,
      );
      // Every written argument is also an effective one.
      for (const l of out.layers) for (const [k, v] of Object.entries(l.arguments)) assert.deepEqual(l.effective[k], v, `${name} ${k}`);
      assert.deepEqual(
        out.diagnostics.map((d: Record<string, Json>) => ({ code: d.code, line: d.line, column: d.column, endLine: d.endLine, endColumn: d.endColumn })),
        want.diagnostics.map(([snippet, code, inner, under]) => ({ code, ...loc(text, snippet, 0, inner, under.length) })),
        name,
      );
    }
  });

  it('a folder: every example in name order, exit code 1 for the errors, text summary', async () => {
    const r = await inspect(['examples']);
    assert.equal(r.code, 1);
    const headers = r.stdout.split('\n').filter((l) => l.startsWith('examples'));
    assert.deepEqual(
      headers,
      ['flax_model.py', 'groupnorm_unet.py', 'indirect/model.py', 'keras_model.py', 'notebook.ipynb', 'resnet_block.py', 'transformer.py'].map(EX),
    );
    // indirect/ holds three files: __init__.py and norms.py build no layer themselves
    assert.match(r.stdout, /\n9 files, 34 layers, 2 errors, 3 warnings, 4 info\n$/);
  });
});

describe('README shows normlens inspect as it is', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  it('the text output on examples/resnet_block.py', async () => {
    const m = /```console\n\$ node dist\/cli\.js inspect examples\/resnet_block\.py\n([\s\S]*?)```/.exec(readme);
    assert.ok(m, 'README has the inspect example');
    const r = await inspect([EX('resnet_block.py')]);
    assert.equal(m[1], r.stdout);
  });

  it('the text output on examples/indirect/model.py (layers the code never names)', async () => {
    const m = /```console\n\$ node dist\/cli\.js inspect examples\/indirect\/model\.py\n([\s\S]*?)```/.exec(readme);
    assert.ok(m, 'README has the indirect example');
    const r = await inspect([EX('indirect/model.py')]);
    assert.equal(m[1], r.stdout);
    // and what it says is what the code builds: BasicBlock's default, the registry, the subclass and custom module from norms.py
    assert.match(r.stdout, /17:20 {2}torch\.nn\.BatchNorm2d[\s\S]*default of `norm_layer`, line 15/);
    assert.match(r.stdout, /custom module `SimpleRMSNorm` \(rsqrt of mean square over the last dim\), `examples\/indirect\/norms\.py:18`/);
  });

  it('the JSON excerpt from examples/groupnorm_unet.py', async () => {
    const m = /```json\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('normlens inspect')));
    assert.ok(m);
    const shown = JSON.parse(m[1]).files[0];
    const actual = JSON.parse((await inspect(['--json', EX('groupnorm_unet.py')])).stdout).files[0];
    assert.equal(shown.path, actual.path);
    for (const l of shown.layers) assert.ok(actual.layers.some((a: unknown) => JSON.stringify(a) === JSON.stringify(l)));
    for (const d of shown.diagnostics) assert.ok(actual.diagnostics.some((a: unknown) => JSON.stringify(a) === JSON.stringify(d)));
  });
});

describe('inspect on factories (test/fixtures/python/factories)', () => {
  const FIX = path.join('test', 'fixtures', 'python', 'factories', 'factories.py');

  it('names the factory and says which defaults a **mapping may replace, in text and JSON', async () => {
    // the line that builds BatchNorm2d from a partial of it, and the partial inside norm_class
    const lines = readFileSync(FIX, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('norm_class(functools.partial(nn.BatchNorm2d, momentum=0.01))')) + 1;
    const inner = lines.findIndex((l) => l.includes('cls = functools.partial(cls, **extra)')) + 1;
    const r = await inspect([FIX]);
    assert.match(
      r.stdout,
      new RegExp(
        `\\n  ${at}:\\d+ +torch\\.nn\\.BatchNorm2d  pytorch batch_norm\\n +found {5}\`norm_class\\(functools\\.partial\\(nn\\.BatchNorm2d, momentum=0\\.01\\)\\)\`: \`functools\\.partial\\(cls, \\*\\*extra\\)\`, line ${inner}; returned by \`norm_class\\(…\\)\`, line ${at}\\n`,
      ),
    );
    assert.match(r.stdout, /\n +unpacked {2}\*\*extra may set any of the defaults\n/);
    const j = JSON.parse((await inspect(['--json', FIX])).stdout);
    const layer = j.files[0].layers.find((l: { line: number }) => l.line === at);
    assert.deepEqual(layer.kwargsUnpacked, { text: '**extra' });
    assert.equal(layer.effective.momentum, 0.1);
    // a subclass's own default passed on under a mapping: ChannelNorm's eps, through norm_class's `**extra`
    const group = j.files[0].layers.find((l: { definedBy?: { name: string } }) => l.definedBy?.name === 'ChannelNorm');
    assert.deepEqual(group.maySetBy, { eps: '**extra' });
    // a partial without a mapping (norm_act_class's `partial(cls, act=act)`): nothing unsure
    const act = j.files[0].layers.find((l: { definedBy?: { name: string } }) => l.definedBy?.name === 'BatchNormRelu');
    assert.equal(act.maySetBy, undefined);
  });
});
