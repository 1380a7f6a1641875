/**
 * Factories: small functions that map a name, a class or a partial to a norm class
 * (`norm_class('batch')`, `norm_act_class(nn.BatchNorm2d)`), evaluated at each call with that
 * call's arguments (ModuleModel.inlineAt): string methods on literal keys, dict(...) registries,
 * `.get(key, default)`, `isinstance` tests, `cls.__name__`, `partial.func`.
 *
 * The oracle is PyTorch itself: scripts/gen_factory_sites.py runs the fixture's build() and records
 * which class each line constructed (test/fixtures/python/factories/factories.sites.json).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recognize, moduleNameOf, ProjectGraph, PythonModule, SeedExchange, solveSeeds, type ProjectFiles, type Seed } from '../../../src/python/index';
import type { ResolvedLayer } from '../../../src/python/types';
import { compactHover } from '../../../src/explain/compact';
import { FRAMEWORKS_PYTHON } from '../venv';

const DIR = join(__dirname, '../../fixtures/python/factories');
const FIXTURE = readFileSync(join(DIR, 'factories.py'), 'utf8');
const ORACLE: { torch: string; sites: { line: number; class: string; definedBy: string | null; eps: number | null }[] } = JSON.parse(
  readFileSync(join(DIR, 'factories.sites.json'), 'utf8'),
);

const line = (l: ResolvedLayer) => l.call.range.start.line + 1;
const classesOf = (l: ResolvedLayer) => l.origin?.candidates ?? [l.qualifiedName];

describe('factories: norms built from names and classes handed to small functions', () => {
  const layers = recognize(FIXTURE);

  it('the oracle is a real run: PyTorch built norms on the lines it lists', () => {
    assert.match(ORACLE.torch, /^2\./);
    assert.ok(ORACLE.sites.length >= 10);
  });

  it('the oracle is up to date: scripts/gen_factory_sites.py run again in PyTorch writes the committed file', function () {
    const root = join(__dirname, '../../..');
    const py = FRAMEWORKS_PYTHON;
    if (!existsSync(py)) this.skip(); // npm test creates the venv with scripts/setup-frameworks.sh
    this.timeout(120000);
    const out = mkdtempSync(join(tmpdir(), 'normlens-factories-'));
    try {
      const file = join(out, 'sites.json');
      const r = spawnSync(py, [join(root, 'scripts', 'gen_factory_sites.py'), join(DIR, 'factories.py'), file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), ORACLE);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('lists exactly the lines where PyTorch built a norm, each with the class it built (and no other)', () => {
    const want = new Map<number, Set<string>>();
    for (const s of ORACLE.sites) (want.get(s.line) ?? want.set(s.line, new Set()).get(s.line)!).add(s.class);
    // nn.Identity from the registry (`norm_class("identity")(3)`) is not a norm: that line is absent
    assert.deepEqual(
      layers.map(line),
      [...want.keys()].sort((a, b) => a - b),
    );
    for (const l of layers) assert.deepEqual(new Set(classesOf(l)), want.get(line(l)), `line ${line(l)}`);
  });

  it('names the user class PyTorch built where it is one', () => {
    for (const s of ORACLE.sites.filter((x) => x.definedBy)) {
      const l = layers.find((x) => line(x) === s.line)!;
      assert.equal(l.origin?.definedBy?.name, s.definedBy, `line ${s.line}`);
    }
  });

  it('says which factory returned the class', () => {
    const byLine = (n: number) => layers.find((x) => line(x) === n)!;
    const batch = ORACLE.sites.find((s) => s.definedBy === 'BatchNormRelu')!.line;
    assert.match(byLine(batch).origin?.how ?? '', /^subclass `BatchNormRelu` of `BatchNorm2d`, line \d+; returned by `norm_act_class\(…\)`, line \d+$/);
    assert.match(byLine(batch).origin!.how, new RegExp(`returned by \`norm_act_class\\(…\\)\`, line ${batch}$`));
  });

  it('a partial unwrapped and wrapped again keeps its keywords out of sight: the defaults are said to be unsure', () => {
    // PyTorch built this one with momentum=0.01, which reaches the class through `**extra`
    const l = layers.find((x) => FIXTURE.split('\n')[line(x) - 1].includes('momentum=0.01'))!;
    assert.equal(l.effective.momentum.isDefault, true);
    assert.deepEqual(l.kwargsUnpacked, { text: '**extra' });
    const card = compactHover(l, { decimals: 4, seed: 0, diagnostics: [] }).markdown;
    assert.match(card, /`momentum=0\.1` default, PyTorch: weight of the new batch, unless `\*\*extra` sets it/);
  });

  it('a `**mapping` with keys the code fixes leaves the other defaults sure', () => {
    const src = [
      'import torch.nn as nn',
      'def f(c, device=None, eps=1e-3):',
      '    dd = {"device": device, "dtype": None}',
      '    a = nn.BatchNorm2d(c, **dd)',
      '    kw = {"device": device}',
      '    kw["eps"] = eps',
      '    b = nn.BatchNorm2d(c, **kw)',
      '    return a, b',
    ].join('\n');
    const [a, b] = recognize(src);
    assert.deepEqual(a.kwargsUnpacked, { text: '**dd', keys: ['device', 'dtype'] });
    assert.doesNotMatch(compactHover(a, { decimals: 4, seed: 0, diagnostics: [] }).markdown, /unless/);
    // changed after it is written: any key
    assert.deepEqual(b.kwargsUnpacked, { text: '**kw' });
    assert.match(compactHover(b, { decimals: 4, seed: 0, diagnostics: [] }).markdown, /`eps=1e-05` default, added to var, unless `\*\*kw` sets it/);
  });

  it('a registry or keyword dict the module changes in place says nothing certain (PyTorch built other classes and values)', () => {
    // as PyTorch runs it: _M["bn"] builds SyncBatchNorm, _N["bn"] BatchNorm1d; CFG2 gives eps=1e-4
    const src = [
      'import torch.nn as nn',
      '_M = dict(bn=nn.BatchNorm2d, ln=nn.LayerNorm)',
      '_M["bn"] = nn.SyncBatchNorm',
      '_N = {"bn": nn.BatchNorm2d}',
      '_N.update({"bn": nn.BatchNorm1d})',
      'CFG = dict(eps=1e-3, momentum=0.01)',
      'CFG2 = {"momentum": 0.01}',
      'CFG2["eps"] = 1e-4',
      'def f(c):',
      '    a = _M["bn"](c)',
      '    b = _N.get("bn", nn.LayerNorm)(c)',
      '    x = nn.BatchNorm2d(c, **CFG)',
      '    y = nn.BatchNorm2d(c, **CFG2)',
      '    return a, b, x, y',
    ].join('\n');
    const layers = recognize(src);
    assert.deepEqual(layers.map(line), [12, 13]);
    const [x, y] = layers;
    // a literal dict nothing changes: what it sets is written through it
    assert.deepEqual(
      [x.effective.eps, x.effective.momentum],
      [
        { value: 1e-3, isDefault: false },
        { value: 0.01, isDefault: false },
      ],
    );
    assert.deepEqual(x.kwargsUnpacked, { text: '**CFG', keys: ['eps', 'momentum'] });
    // changed after it is written: its keys are unknown, every default is unsure
    assert.deepEqual(y.kwargsUnpacked, { text: '**CFG2' });
    assert.match(compactHover(y, { decimals: 4, seed: 0, diagnostics: [] }).markdown, /`eps=1e-05` default, added to var, unless `\*\*CFG2` sets it/);
  });

  it('every eps PyTorch built a line with is one NormLens shows there (or says a mapping may set it)', () => {
    for (const s of ORACLE.sites) {
      if (s.eps === null) continue;
      const l = layers.find((x) => line(x) === s.line)!;
      const e = l.effective.eps;
      // (said to be unsure: a mapping of the call, or one a user class is given, may set it)
      const keys = l.kwargsUnpacked && !('keys' in l.kwargsUnpacked) ? undefined : l.kwargsUnpacked?.keys;
      if (e?.maySetBy || (l.kwargsUnpacked && keys === undefined)) continue;
      // the class PyTorch built is one of the candidates (checked above); its eps, among the values shown
      const shown = [e?.value, ...(e?.alternatives ?? [])];
      const sameClass = l.qualifiedName === s.class;
      if (sameClass) assert.ok(shown.includes(s.eps), `line ${s.line}: PyTorch used eps=${s.eps}, NormLens shows ${JSON.stringify(shown)}`);
    }
  });

  it('keywords handed on in a `**dict` reach the parameters they name (each value a caller may give)', () => {
    const lines = FIXTURE.split('\n');
    const at = lines.findIndex((t, i) => i > lines.indexOf('class KwBlock(nn.Module):') && t.includes('self.norm = norm_layer(dim)')) + 1;
    const built = ORACLE.sites.filter((s) => s.line === at);
    // PyTorch: LayerNorm with eps 1e-6 (`**kw`) and 1e-5 (the default), GroupNorm (`**{...}`)
    assert.deepEqual(
      built.map((s) => [s.class, s.eps]),
      [
        ['torch.nn.GroupNorm', 1e-4],
        ['torch.nn.LayerNorm', 1e-6],
        ['torch.nn.LayerNorm', 1e-5],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1])),
    );
    const l = layers.find((x) => line(x) === at)!;
    assert.deepEqual(new Set(classesOf(l)), new Set(['torch.nn.LayerNorm', 'torch.nn.GroupNorm']));
    assert.equal(l.qualifiedName, 'torch.nn.LayerNorm');
    assert.equal(l.effective.eps.value, 1e-5);
    // (another caller's LayerNorm, then the other class the line may build: GroupNorm's eps)
    assert.deepEqual(l.effective.eps.alternatives, [1e-6, 1e-4]);
  });

  it("a user class's own defaults passed on to its base are unsure when the call gives it a **mapping", () => {
    // PyTorch: a gets eps=1e-3, momentum=0.01 from norm_kwargs; b eps=1e-3; c momentum=0.05 and the class's eps
    const src = [
      'import torch.nn as nn',
      'class BNAct(nn.BatchNorm2d):',
      '    def __init__(self, num_features, eps=1e-5, momentum=0.1):',
      '        super().__init__(num_features, eps=eps, momentum=momentum)',
      'class Block(nn.Module):',
      '    def __init__(self, c, norm_kwargs=None):',
      '        super().__init__()',
      '        norm_kwargs = norm_kwargs or {}',
      '        self.a = BNAct(c, **norm_kwargs)',
      '        self.b = BNAct(c, eps=1e-3)',
      '        dd = {"momentum": 0.05}',
      '        self.c = BNAct(c, **dd)',
      'm = Block(4, norm_kwargs=dict(eps=1e-3, momentum=0.01))',
    ].join('\n');
    const [a, b, c] = recognize(src);
    // a mapping whose keys the code fixes sets only those
    assert.deepEqual([c.effective.eps.maySetBy, c.effective.momentum.maySetBy], [undefined, '**dd']);
    assert.deepEqual([a.effective.eps.maySetBy, a.effective.momentum.maySetBy], ['**norm_kwargs', '**norm_kwargs']);
    assert.match(compactHover(a, { decimals: 4, seed: 0, diagnostics: [] }).markdown, /`eps=1e-05` added to var, unless `\*\*norm_kwargs` sets it/);
    // without a mapping, the class's defaults are what the base gets
    assert.deepEqual([b.effective.eps.value, b.effective.eps.maySetBy, b.effective.momentum.maySetBy], [1e-3, undefined, undefined]);
  });

  it("a dict changed in place is told by its own scope: another function's local of the same name does not count", () => {
    const src = [
      'import torch.nn as nn',
      'KW = {"eps": 1e-3}',
      'def build(c):',
      '    return nn.BatchNorm2d(c, **KW)',
      'def other():',
      '    KW = {}',
      '    KW["eps"] = 0.5',
      '    return KW',
    ].join('\n');
    const m = new PythonModule(src);
    for (const layers of [m.wholeLayers(), new PythonModule(src).layersByBlock()]) {
      assert.equal(layers.length, 1);
      assert.deepEqual(layers[0].effective.eps, { value: 1e-3, isDefault: false });
    }
  });

  it('a large registry looked up by a key nobody fixes gives no answer; a small one gives each of its classes', () => {
    const src = [
      'import torch.nn as nn',
      'NORMS = dict(bn=nn.BatchNorm2d, ln=nn.LayerNorm, gn=nn.GroupNorm, inorm=nn.InstanceNorm2d, bn1=nn.BatchNorm1d)',
      'def make(kind, c):',
      '    return NORMS[kind](c)',
      'def make_get(kind, c):',
      '    return NORMS.get(kind, nn.BatchNorm2d)(c)',
      'def make_small(kind, c):',
      '    return {"bn": nn.BatchNorm2d, "ln": nn.LayerNorm}[kind](c)',
    ].join('\n');
    const found = recognize(src).map((l) => [line(l), classesOf(l)]);
    // five classes and a key from unknown callers: "unknown", not five guesses; `.get`'s default is still one of them
    assert.deepEqual(found, [
      [6, ['torch.nn.BatchNorm2d']],
      [8, ['torch.nn.BatchNorm2d', 'torch.nn.LayerNorm']],
    ]);
  });

  it('dicts built with `**other`: its entries when known, later entries win, an unknown spread may hold any key', () => {
    const src = [
      'import torch.nn as nn',
      'BASE = {"bn": nn.BatchNorm2d, "ln": nn.LayerNorm}',
      'MORE = {**BASE, "ln": nn.GroupNorm}',
      'def make(extra):',
      '    OPEN = {"bn": nn.BatchNorm2d, **extra}',
      '    a = OPEN["bn"](8)',
      '    b = OPEN.get("in", nn.InstanceNorm2d)(8)',
      '    return a, b',
      'x = MORE["bn"](8)',
      'y = MORE["ln"](2, 8)',
      'z = MORE.get("gn", nn.InstanceNorm1d)(8)',
    ].join('\n');
    const found = recognize(src).map((l) => [line(l), classesOf(l)]);
    assert.deepEqual(found, [
      // `extra` may also hold "bn" or "in": the classes the code shows, and an unknown one (which names no class)
      [6, ['torch.nn.BatchNorm2d']],
      [7, ['torch.nn.InstanceNorm2d']],
      [9, ['torch.nn.BatchNorm2d']],
      [10, ['torch.nn.GroupNorm']],
      [11, ['torch.nn.InstanceNorm1d']],
    ]);
  });

  it('a factory in another file of the project is evaluated with the caller’s own arguments', async () => {
    const files: Record<string, string> = {
      '/p/pkg/__init__.py': '',
      '/p/pkg/norms.py': FIXTURE,
      '/p/pkg/model.py': [
        'import torch.nn as nn',
        'from .norms import norm_class, norm_act_class',
        'class Net(nn.Module):',
        '    def __init__(self, c, norm="layer"):',
        '        super().__init__()',
        '        self.a = norm_class("batch")(c)',
        '        self.b = norm_class(norm)(c)',
        '        self.c = norm_act_class(nn.LayerNorm)(c)',
        '',
      ].join('\n'),
    };
    const disk: ProjectFiles = { read: (p) => files[p] };
    const graph = new ProjectGraph(disk, 1000);
    const got = new Map<string, ResolvedLayer[]>();
    await solveSeeds(Object.keys(files), (batch) => {
      const out = new Map<string, Seed[]>();
      for (const b of batch) {
        const me = moduleNameOf(b.file, disk);
        const exchange = new SeedExchange(graph, b.file, b.file, b.seeds);
        got.set(b.file, recognize(files[b.file], { host: graph.hostFor(b.file), moduleName: me.name, isPackage: me.isPackage, path: b.file, exchange }));
        out.set(b.file, exchange.outgoing);
      }
      return out;
    });
    const model = (got.get('/p/pkg/model.py') ?? []).map((l) => [line(l), classesOf(l), l.origin?.definedBy?.name ?? null]);
    assert.deepEqual(model, [
      [6, ['torch.nn.BatchNorm2d'], null],
      [7, ['torch.nn.LayerNorm'], null],
      [8, ['torch.nn.LayerNorm'], 'LayerNormRelu'],
    ]);
  });
});
