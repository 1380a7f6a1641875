import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDocument } from '../../../src/checks';
import { ModuleDiagnostics } from '../../../src/checks/incremental';
import { PythonModule } from '../../../src/python';
import { EditStream, indirectModel } from '../../../bench/semantic';

/** What a fresh analysis of the text reports (the whole module's model, all rules at once). */
const fresh = (text: string) => analyzeDocument(text).diagnostics;

// Top-level statements that trip checks of each kind: block-local ones (arguments, the flow
// between a conv and its norm) and those that read the whole file (a `.train()` and uses of a
// name anywhere), connected through module-level names in some places.
const BLOCKS = [
  'import torch\nimport torch.nn as nn\nfrom functools import partial\nimport flax.linen as fnn\n',
  'BN = partial(nn.BatchNorm2d, eps=0)\n',
  'class A(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 64, 3)\n        self.bn = nn.BatchNorm2d(32, momentum=0.9)\n    def forward(self, x):\n        return self.bn(self.conv(x))\n',
  'class B(nn.Module):\n    def __init__(self, c=80):\n        self.gn = nn.GroupNorm(32, c)\n        self.ln = nn.LayerNorm(8, eps=-1)\n        self.p = BN(4)\n',
  'class C(nn.Module):\n    def __init__(self):\n        self.inorm = nn.InstanceNorm2d(3)\n        self.bn = nn.BatchNorm2d(3)\n        self.bn.requires_grad_(False)\n',
  'm = C()\n',
  'class D(nn.Module):\n    def reset(self):\n        self.inorm.weight.data.fill_(1)\n',
  'm.train()\n',
  'class F(fnn.Module):\n    @fnn.compact\n    def __call__(self, x):\n        return fnn.BatchNorm()(x)\n',
  'def make(c, norm_layer=nn.BatchNorm2d):\n    return nn.Sequential(nn.Conv2d(3, c, 3), norm_layer(c + 1))\n',
  'x = make(8)\n',
  'nn.GroupNorm(3, 64, eps=2.0)\n',
];
const EDITS = [
  'x',
  ' ',
  '\n',
  '(',
  ')',
  '"',
  '"""',
  'x = foo(\n',
  'def ',
  'class ',
  '    ',
  'nn.BatchNorm2d(3)',
  'm.train()\n',
  'eps=0',
  ', momentum=1.5',
  '',
  '#',
];

describe('checks per block (ModuleDiagnostics) equal the rules over a fresh analysis', () => {
  it('along streams of edits, broken states too', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(BLOCKS, { minLength: 4 }),
        fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 15 }), insert: fc.constantFrom(...EDITS), read: fc.boolean() }), { minLength: 1, maxLength: 20 }),
        (blocks, edits) => {
          const m = new PythonModule(blocks.join(''));
          const checks = new ModuleDiagnostics(m);
          assert.deepEqual(checks.diagnostics(), fresh(m.text));
          for (const e of edits) {
            const at = m.text.length ? e.at % (m.text.length + 1) : 0;
            m.applyEdit(at, Math.min(m.text.length, at + e.del), e.insert);
            if (e.read) assert.deepEqual(checks.diagnostics(), fresh(m.text));
          }
          assert.deepEqual(checks.diagnostics(), fresh(m.text));
          assert.deepEqual(checks.diagnostics({ disabled: ['eps-zero'] }), analyzeDocument(m.text, { disabled: ['eps-zero'] }).diagnostics);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("a name a broken import rebinds below a call of the module's own code: each block reads it as the whole module does (fuzzer counterexample)", () => {
    // (`import flax.linen as class nn` rebinds nn after `x = make(8)` calls the module's own function: whether a
    // function reads nn's last binding depended on the calls in the block analyzed, not in the module)
    const blocks = [
      'm = C()\n',
      'def make(c, norm_layer=nn.BatchNorm2d):\n    return nn.Sequential(nn.Conv2d(3, c, 3), norm_layer(c + 1))\n',
      'class D(nn.Module):\n    def reset(self):\n        self.inorm.weight.data.fill_(1)\n',
      'x = make(8)\n',
      'class C(nn.Module):\n    def __init__(self):\n        self.inorm = nn.InstanceNorm2d(3)\n        self.bn = nn.BatchNorm2d(3)\n        self.bn.requires_grad_(False)\n',
      'm.train()\n',
      'BN = partial(nn.BatchNorm2d, eps=0)\n',
      'import torch\nimport torch.nn as nn\nfrom functools import partial\nimport flax.linen as fnn\n',
      'nn.GroupNorm(3, 64, eps=2.0)\n',
      'class F(fnn.Module):\n    @fnn.compact\n    def __call__(self, x):\n        return fnn.BatchNorm()(x)\n',
    ];
    const edits = [
      { at: 0, del: 6, insert: 'x' },
      { at: 46955012, del: 10, insert: '' },
      { at: 129731818, del: 5, insert: '"' },
      { at: 193762020, del: 1, insert: 'class ' },
      { at: 0, del: 0, insert: 'x' },
    ];
    const m = new PythonModule(blocks.join(''));
    const checks = new ModuleDiagnostics(m);
    checks.diagnostics();
    for (const e of edits) {
      const at = e.at % (m.text.length + 1);
      m.applyEdit(at, Math.min(m.text.length, at + e.del), e.insert);
    }
    assert.deepEqual(checks.diagnostics(), fresh(m.text));
  });

  it('a target the scanner reads from broken code (a bracket closed early) never breaks the frozen-BatchNorm pattern', () => {
    // found by the stream above: `self.inorm = nn.InstanceNorm)` made the next line part of the target
    const text =
      'import torch.nn as nn\nclass C(nn.Module):\n    def __init__(self):\n        self.inorm = nn.InstanceNorm)        self.bn = nn.BatchNorm2d(3)\n' +
      '        self.bn.requires_grad_(False)\nm = C()\nm.train()\n';
    // (the regular expression built from it threw: "Unmatched ')'"; the target is no name the code uses)
    assert.deepEqual(fresh(text), []);
  });

  it('finds what the whole run finds in this module (the test sees real diagnostics, block-local and file-wide)', () => {
    const m = new PythonModule(BLOCKS.join(''));
    const checks = new ModuleDiagnostics(m);
    m.applyEdit(0, 0, '\n');
    const codes = new Set(checks.diagnostics().map((d) => d.code));
    for (const c of [
      'channel-mismatch',
      'groupnorm-divisibility',
      'eps-zero',
      'eps-negative',
      'eps-large',
      'frozen-bn-running-stats',
      'instancenorm-affine-default',
      'flax-use-running-average',
    ])
      assert.ok(codes.has(c), `${c} in ${[...codes].join(', ')}`);
  });

  it('in a large block, checks only the piece of the leaf typed in (the others keep theirs), and equals a fresh run', () => {
    const classes = Array.from(
      { length: 40 },
      (_, k) =>
        `class M${k}(nn.Module):\n    def __init__(self, norm_layer=None):\n        super().__init__()\n        if norm_layer is None:\n            norm_layer = nn.BatchNorm2d\n` +
        `        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = norm_layer(8)\n        self.ln = LN2d(8)\n    def forward(self, x):\n        return self.bn(self.conv(x))\n`,
    );
    const head = 'import torch.nn as nn\nclass LN2d(nn.LayerNorm):\n    def __init__(self, c, eps=1e-6):\n        super().__init__(c, eps=eps)\n';
    const m = new PythonModule(head + classes.join(''));
    m.applyEdit(0, 0, ' ');
    m.applyEdit(0, 1, '');
    const checks = new ModuleDiagnostics(m);
    const first = checks.diagnostics();
    assert.deepEqual(first, fresh(m.text));
    // the conv's bias before each class's BatchNorm2d
    assert.equal(first.filter((d) => d.code === 'conv-bias-before-bn').length, 40);
    let at = m.text.indexOf('\n', m.text.indexOf('self.ln = LN2d(8)', m.text.indexOf('class M20')));
    for (const ch of '\n        self.g = nn.GroupNorm(3, 8)') {
      m.applyEdit(at, at, ch);
      at++;
      assert.deepEqual(checks.diagnostics(), fresh(m.text));
      assert.equal(checks.stats.checked, 1, JSON.stringify(checks.stats));
    }
    // GroupNorm(3, 8): 8 channels in 3 groups, in M20 alone
    const gn = checks.diagnostics().filter((d) => d.code === 'groupnorm-divisibility');
    assert.equal(gn.length, 1);
    assert.equal(gn[0].range.start.line, m.index.positionAt(m.text.indexOf('nn.GroupNorm(3, 8)')).line);
  });

  it('on real files edited (fixtures and examples), and along the bench stream on a large model', function () {
    this.timeout(600_000);
    const dirs = [join(__dirname, '../../fixtures/python'), join(__dirname, '../../../examples'), join(__dirname, '../../../examples/indirect')];
    let files = 0;
    for (const dir of dirs) {
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.py'))) {
        const m = new PythonModule(readFileSync(join(dir, f), 'utf8'));
        const checks = new ModuleDiagnostics(m);
        const stream = new EditStream(() => m.text, files + 1);
        for (let i = 0; i < 30; i++) {
          const e = stream.next();
          m.applyEdit(e.from, e.to, e.text);
          if (i % 10 === 9) assert.deepEqual(checks.diagnostics(), fresh(m.text), `${f}, edit ${i}`);
        }
        files++;
      }
    }
    assert.ok(files >= 10, `files: ${files}`);
    const m = new PythonModule(indirectModel(2000));
    const checks = new ModuleDiagnostics(m);
    const stream = new EditStream(() => m.text, 5);
    let seen = 0;
    for (let i = 0; i < 120; i++) {
      const e = stream.next();
      m.applyEdit(e.from, e.to, e.text);
      const d = checks.diagnostics();
      seen = Math.max(seen, d.length);
      if (i % 20 === 0) assert.deepEqual(d, fresh(m.text), `edit ${i}`);
    }
    assert.ok(seen > 0);
  });
});
