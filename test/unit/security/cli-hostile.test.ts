/**
 * The command line against hostile input: terminal output that files cannot take over (escape
 * sequences, forged lines, bidi), files that are not files, huge and oddly encoded files,
 * old notebooks, and `compute` requests built to exhaust memory, time or the stack. Bounds are
 * checked on work done and on the size of what comes back, never on time.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, truncateSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { inspect } from '../cli/helpers';
import { compute, MAX_COMPUTE_ELEMENTS } from '../../../src/cli/compute';
import { decodeText } from '../../../src/cli/decode';
import { MAX_INSPECT_BYTES, MAX_SOURCE_CHARS } from '../../../src/cli/inspect';
import { simulateRunningStats, SIMULATION_BUDGET, MAX_SIMULATED_BATCH } from '../../../src/calc/simulate';
import { HIDDEN, pyString } from './mdcheck';

const TORCH = 'import torch.nn as nn\n';
/** Our own colour codes (SGR), the only escape sequences inspect may write, and only to a terminal. */
const SGR = /\u001b\[\d+m/g;

function assertClean(out: string, what: string) {
  assert.ok(!HIDDEN.test(out.replace(SGR, '')), `${what}: a control or bidi character reached the terminal: ${JSON.stringify(out.slice(0, 400))}`);
}

describe('security: normlens inspect terminal output', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'normlens-hostile-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes string literals and file names with control, bidi and newline characters as visible escapes', async () => {
    const name = 'evil\nFORGED.py:1:1  error  all good\u001b[2J\u001b]0;title\u0007\u202egnp.py';
    const file = path.join(dir, name);
    const lit = '\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202e\nFORGED line';
    writeFileSync(file, `${TORCH}bn = nn.BatchNorm2d(8, momentum=0.9, device=${pyString(lit)}, dtype="\u001b[31m\u2066x")\n`);
    for (const isTTY of [false, true]) {
      const r = await inspect([dir], { isTTY });
      assertClean(r.stdout + r.stderr, `isTTY=${isTTY}`);
      if (!isTTY) assert.ok(!r.stdout.includes('\u001b'), 'no colour when not a terminal');
      const lines = r.stdout.split('\n');
      assert.ok(
        lines.every((l) => !l.startsWith('FORGED')),
        'no forged line',
      );
      assert.match(r.stdout, /evil\\nFORGED\.py:1:1 {2}error {2}all good\\x1b\[2J\\x1b\]0;title\\x07\\u202egnp\.py/);
      assert.match(r.stdout, /device='\\x1b\[2J/);
      assert.match(r.stdout, /1 file, 1 layer/);
    }
    // JSON keeps the exact values (escaped by JSON, C1 and bidi too) and parses back to them.
    const j = await inspect(['--json', dir]);
    assertClean(j.stdout, 'json');
    const doc = JSON.parse(j.stdout);
    assert.equal(path.basename(doc.files[0].path), name);
    assert.equal(doc.files[0].layers[0].effective.device, lit);
  });

  it('fuzz: no file content or file name puts a control character or a forged line on the terminal', async function () {
    this.timeout(120_000);
    const piece = fc.constantFrom(
      '\u001b',
      '[2J',
      ']0;t',
      '\u0007',
      '\u009b',
      '\u0085',
      '\u202e',
      '\u2066',
      '\u200f',
      '\u2028',
      '\n',
      '\r',
      '\t',
      'FORGED',
      'x',
      ' ',
      '\u0000',
      '\u007f',
      '\ufeff',
    );
    const text = fc.array(piece, { minLength: 1, maxLength: 12 }).map((p) => p.join(''));
    let run = 0;
    await fc.assert(
      fc.asyncProperty(text, text, async (lit, rawName) => {
        const sub = path.join(dir, `r${run++}`);
        execFileSync('mkdir', [sub]);
        const name = `${rawName.replace(/[\u0000/]/g, '_').slice(0, 60)}.py`;
        writeFileSync(
          path.join(sub, name),
          `${TORCH}bn = nn.BatchNorm2d(8, momentum=0.9, device=${pyString(lit)})  # ${lit.replace(/[\n\r]/g, ' ')}\nx = ${pyString(lit)}\n`,
        );
        const r = await inspect([sub], { isTTY: true });
        assertClean(r.stdout + r.stderr, JSON.stringify([lit, name]));
        // A file header, indented detail lines, blank lines and the summary: nothing else.
        for (const line of r.stdout.replace(SGR, '').split('\n')) {
          assert.ok(line === '' || line.startsWith(sub) || line.startsWith('  ') || /^\d+ files?, /.test(line), `forged line ${JSON.stringify(line)}`);
        }
      }),
      { numRuns: 60, seed: 9 },
    );
  });
});

describe('security: normlens inspect reads only regular files, bounded, decoded like VS Code', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'normlens-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('skips a FIFO named *.py (given, or found in a folder) with a message instead of blocking', async () => {
    const fifo = path.join(dir, 'model.py');
    execFileSync('mkfifo', [fifo]);
    writeFileSync(path.join(dir, 'ok.py'), `${TORCH}bn = nn.BatchNorm2d(8)\n`);
    const given = await inspect([fifo]);
    assert.equal(given.code, 2);
    assert.match(given.stderr, /skipped .*model\.py: not a regular file \(a named pipe\)/);
    const walked = await inspect([dir]);
    assert.equal(walked.code, 2);
    assert.match(walked.stderr, /skipped .*model\.py: not a regular file/);
    assert.match(walked.stdout, /1 file, 1 layer/);
  });

  it('names /dev/zero as a device instead of reading it', async function () {
    if (!existsSync('/dev/zero')) this.skip();
    const r = await inspect(['/dev/zero']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'normlens inspect: skipped /dev/zero: not a regular file (a character device)\n');
  });

  it('skips files over the size limit with their size', async () => {
    const big = path.join(dir, 'big.py');
    writeFileSync(big, '');
    truncateSync(big, MAX_INSPECT_BYTES + 1); // sparse: nothing is written
    const r = await inspect([big]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`skipped .*big\\.py: ${MAX_INSPECT_BYTES + 1} bytes; normlens inspect reads files up to ${MAX_INSPECT_BYTES} bytes`));
  });

  it('names files and notebooks with more source than it checks (ten times the 200,000-layer file) and checks the others', async () => {
    const line = 'g = nn.GroupNorm(32, 80)\n';
    const big = TORCH + line.repeat(Math.ceil(MAX_SOURCE_CHARS / line.length));
    writeFileSync(path.join(dir, 'big.py'), big);
    const cells = [{ cell_type: 'code', source: big, metadata: {}, outputs: [] }];
    writeFileSync(path.join(dir, 'big.ipynb'), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
    writeFileSync(path.join(dir, 'ok.py'), TORCH + line);
    const r = await inspect([dir]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      new RegExp(`skipped .*big\\.py: ${big.length} characters of source; normlens inspect checks files of up to ${MAX_SOURCE_CHARS} characters \\(8 Mi\\)`),
    );
    assert.match(
      r.stderr,
      new RegExp(`cannot use .*big\\.ipynb: its code cells hold ${big.length} characters of source; at most ${MAX_SOURCE_CHARS} are checked`),
    );
    assert.match(r.stdout, /1 file, 1 layer, 1 error/);
  });

  it('decodes UTF-8 with a BOM, UTF-16LE and UTF-16BE files by their BOM, with the same layers and positions', async () => {
    const text = `${TORCH}# ünïcode ✓\nbn = nn.BatchNorm2d(8, momentum=0.9)\nln = nn.LayerNorm(16)\n`;
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be[0] = 0xfe;
    be[1] = 0xff;
    for (let i = 2; i < be.length; i += 2) [be[i], be[i + 1]] = [le[i + 1], le[i]];
    const files: Record<string, Buffer> = {
      'plain.py': Buffer.from(text, 'utf8'),
      'bom8.py': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]),
      'le.py': le,
      'be.py': be,
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(dir, name), bytes);
    const r = await inspect(['--json', dir]);
    assert.equal(r.code, 0, r.stderr);
    const byName = Object.fromEntries(JSON.parse(r.stdout).files.map((f: { path: string; layers: unknown[] }) => [path.basename(f.path), f.layers]));
    assert.equal((byName['plain.py'] as unknown[]).length, 2);
    for (const name of ['bom8.py', 'le.py', 'be.py']) assert.deepEqual(byName[name], byName['plain.py'], name);
    assert.equal(decodeText(new Uint8Array([0xfe, 0xff, 0x00, 0x41, 0x00])).text, 'A');
  });

  it('says which notebook versions it reads when given nbformat 3', async () => {
    const nb = path.join(dir, 'old.ipynb');
    writeFileSync(
      nb,
      JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [{ cells: [{ cell_type: 'code', input: [TORCH, 'nn.BatchNorm2d(8)'] }] }] }),
    );
    const r = await inspect([nb]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nbformat 3 notebook: NormLens reads nbformat 4 notebooks/);
  });

  it('lists 140,000 layers with their diagnostics in text mode (no stack overflow; one pass)', async function () {
    this.timeout(120_000);
    const n = 140_000; // more than a spread into a call takes (about 125,000 here)
    writeFileSync(path.join(dir, 'many.py'), TORCH + 'g = nn.GroupNorm(32, 80)\n'.repeat(n));
    const r = await inspect([path.join(dir, 'many.py')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`1 file, ${n.toLocaleString('en-US').replace(/,/g, '')} layers, ${n} errors`));
    // Each layer is listed once with its own diagnostic under it.
    assert.equal(r.stdout.split('\n').filter((l) => l.includes('torch.nn.GroupNorm')).length, n);
    assert.equal(r.stdout.split('\n').filter((l) => /^\s+error\s/.test(l)).length, n);
  });

  it('checks a notebook of 20,001 cells, each with a layer, cell by cell', async function () {
    this.timeout(120_000);
    const cells = [{ cell_type: 'code', source: TORCH, metadata: {}, outputs: [] }];
    for (let i = 0; i < 20_000; i++)
      cells.push({ cell_type: 'code', source: i % 2 ? 'g = nn.GroupNorm(3, 4)\n' : 'b = nn.BatchNorm2d(4)\n', metadata: {}, outputs: [] });
    writeFileSync(path.join(dir, 'big.ipynb'), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
    const r = await inspect(['--json', path.join(dir, 'big.ipynb')]);
    const f = JSON.parse(r.stdout).files[0];
    assert.equal(f.layers.length, 20_000);
    assert.deepEqual(
      f.layers.slice(0, 2).map((l: { cell: number }) => l.cell),
      [1, 2],
    );
    const errors = f.diagnostics.filter((d: { severity: string }) => d.severity === 'error');
    assert.equal(errors.length, 10_000);
    assert.ok(errors.every((d: { cell: number }) => d.cell % 2 === 0));
  });
});

describe('security: normlens compute bounds and messages', () => {
  const ok = { layer: 'torch.nn.BatchNorm1d', kwargs: { num_features: 2 }, mode: 'train', input: { shape: [2, 2], data: [1, 2, 3, 4] } };
  const err = (req: unknown) => {
    const a = compute(typeof req === 'string' ? req : JSON.stringify(req));
    assert.equal(a.code, 2, a.output);
    return JSON.parse(a.output).error as { type: string; message: string };
  };

  it('refuses a declared size larger than the limit before allocating anything, also for an empty input', () => {
    for (const n of [1e9, 1e10]) {
      const e = err({ ...ok, kwargs: { num_features: n }, input: { shape: [0, 2], data: [] } });
      assert.deepEqual(e, {
        type: 'InputError',
        message: `the layer's parameters and running statistics would hold ${n} values per tensor; normlens compute accepts at most ${MAX_COMPUTE_ELEMENTS}`,
      });
    }
    assert.match(
      err({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: [1e5, 1e5] }, mode: 'train', input: { shape: [0, 1e5, 1e5], data: [] } }).message,
      /accepts dimensions up to|at most/,
    );
    assert.match(
      err({ layer: 'torch.nn.LayerNorm', kwargs: { normalized_shape: [1e5, 1e5] }, mode: 'train', input: { shape: [0, 2], data: [] } }).message,
      /would hold 10000000000 values/,
    );
  });

  it('measures shapes exactly: overflowing products, zero-element shapes, huge dimensions, ranks', () => {
    assert.deepEqual(err({ ...ok, input: { shape: [1e308, 1e308, 0], data: [] } }), {
      type: 'InputError',
      message: `input.shape[0] is 1e+308; normlens compute accepts dimensions up to ${MAX_COMPUTE_ELEMENTS}`,
    });
    assert.deepEqual(err({ ...ok, input: { shape: [4096, 4096, 2], data: [] } }), {
      type: 'InputError',
      message: `input.shape [4096, 4096, 2] has 33554432 elements; normlens compute accepts at most ${MAX_COMPUTE_ELEMENTS}`,
    });
    assert.match(err({ ...ok, input: { shape: new Array(33).fill(1), data: [1] } }).message, /has 33 dimensions; normlens compute accepts at most 32/);
    assert.equal(
      err(JSON.stringify(ok).replace('"shape":[2,2]', '"shape":[1e309,0]')).message,
      'input.shape[0] must be a non-negative integer, got Infinity (a number too large for a double)',
    );
    // A zero-element input is an input like any other: computed, not "too many elements".
    const a = JSON.parse(compute(JSON.stringify({ ...ok, input: { shape: [0, 2], data: [] } })).output);
    assert.deepEqual(a.output, { shape: [0, 2], data: [] });
    const zero = JSON.parse(compute(JSON.stringify({ ...ok, input: { shape: [3, 2, 0], data: [] } })).output);
    assert.deepEqual(zero.output?.shape ?? zero.error.type, [3, 2, 0]);
  });

  it('echoes a 1 MB (and a 10 MB) layer name truncated and compares only short names', () => {
    for (const size of [1 << 20, 10 << 20]) {
      const e = err({ ...ok, layer: 'x'.repeat(size) });
      assert.equal(e.message, `unknown layer "${'x'.repeat(100)}"... (${size} characters)`);
    }
    assert.match(err({ ...ok, layer: 'torch.nn.BatchNorm' }).message, /did you mean "torch\.nn\.BatchNorm1d"/);
  });

  it('gives specific messages for kwargs nested 10,000 and 100,000 deep and for JSON errors deep inside', () => {
    for (const depth of [10_000, 100_000]) {
      const text = JSON.stringify(ok).replace('{"num_features":2}', `{"num_features":2,"x":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      assert.deepEqual(err(text), { type: 'InputError', message: 'kwargs.x is nested more than 32 lists deep; no layer argument is' });
      const broken = JSON.stringify(ok).replace('{"num_features":2}', `{"num_features":2,"x":${'['.repeat(depth)}${']'.repeat(depth - 1)}}`);
      assert.match(err(broken).message, /^invalid JSON: nested more than 1000 levels deep at line 1, column \d+/);
    }
  });

  it('bounds and escapes what an error message quotes from the request', () => {
    const key = `${'k'.repeat(100_000)}\u009b\u202e`;
    const a = compute(JSON.stringify({ ...ok, kwargs: { num_features: 2, [key]: 1 } }));
    assert.ok(a.output.length < 1200, `${a.output.length} characters`);
    assert.ok(!HIDDEN.test(a.output));
    assert.match(JSON.parse(a.output).error.message, /^BatchNorm1d\(\) got an unexpected keyword argument 'k+… \(\d+ characters\)$/);
    const bidi = compute(JSON.stringify({ ...ok, kwargs: { num_features: 2, 'a\u202eb': 1 } }));
    assert.ok(!HIDDEN.test(bidi.output));
    assert.equal(JSON.parse(bidi.output).error.message, "BatchNorm1d() got an unexpected keyword argument 'a\u202eb'");
  });

  it('rejects a __proto__ keyword like any other unknown keyword', () => {
    assert.deepEqual(err(JSON.stringify(ok).replace('{"num_features":2}', '{"num_features":2,"__proto__":5}')), {
      type: 'TypeError',
      message: "BatchNorm1d() got an unexpected keyword argument '__proto__'",
    });
    // An object value is refused for what it is, under its own name (not merged into the prototype).
    assert.deepEqual(err(JSON.stringify(ok).replace('{"num_features":2}', '{"num_features":2,"__proto__":{"eps":1}}')), {
      type: 'InputError',
      message: 'kwargs.__proto__ must be a number, string, boolean, null or a list, not an object',
    });
    assert.equal(err(JSON.stringify(ok).replace('{"layer"', '{"__proto__":1,"layer"')).message.startsWith('unknown request field "__proto__"'), true);
  });

  it('reads a request with a UTF-8 BOM, and UTF-16 bytes by their BOM', () => {
    const text = JSON.stringify(ok);
    const expected = compute(text).output;
    assert.equal(compute(`\ufeff${text}`).output, expected);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    assert.equal(compute(decodeText(le).text).output, expected);
    const be = Buffer.from(le);
    for (let i = 0; i < be.length; i += 2) [be[i], be[i + 1]] = [le[i + 1], le[i]];
    assert.equal(compute(decodeText(be).text).output, expected);
    assert.equal(compute(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])).text).output, expected);
  });
});

describe('security: Simulate Running Statistics is bounded whatever is typed', () => {
  const base = { convention: 'new-weight' as const, storedVariance: 'unbiased' as const, dataMean: 0.5, dataVar: 4, batchSize: 32 };

  it('momentum 1e-12 with a 1e-9 % tolerance (and 10× smaller both) stops early and says so', () => {
    for (const [momentum, tolerancePct] of [
      [1e-12, 1e-9],
      [1e-13, 1e-10],
    ]) {
      for (const noise of [false, true]) {
        const r = simulateRunningStats({ ...base, momentum, tolerancePct, noise });
        assert.ok(r.ok);
        if (!r.ok) continue;
        assert.ok(r.value.steps * base.batchSize <= SIMULATION_BUDGET, `work ${r.value.steps} × ${base.batchSize}`);
        assert.equal(r.value.stoppedEarly, true);
        assert.ok(r.value.mean.closedForm! > 1e12, 'the closed form still answers');
        assert.match(r.markdown, /stopped early, after \d+ steps/);
        assert.match(r.markdown, /not within \d+ steps \(stopped early\)/);
        assert.ok(r.value.trajectory.length <= 202);
      }
    }
  });

  it('bounds work by steps × batch size and refuses batches beyond the limit', () => {
    const r = simulateRunningStats({ ...base, momentum: 1e-6, tolerancePct: 1, batchSize: MAX_SIMULATED_BATCH });
    assert.ok(r.ok);
    if (r.ok) {
      assert.equal(r.value.steps, SIMULATION_BUDGET / MAX_SIMULATED_BATCH);
      assert.equal(r.value.limitedBy, 'work');
      assert.match(r.markdown, /work limit of 8,000,000 values for batches of 1000000/);
    }
    for (const batchSize of [1e9, 1e10]) {
      const big = simulateRunningStats({ ...base, momentum: 0.1, tolerancePct: 1, batchSize });
      assert.ok(!big.ok && /larger than the 1,000,000 values per channel/.test(big.message));
    }
    const steps = simulateRunningStats({ ...base, momentum: 0.1, tolerancePct: 1, maxSteps: 1e12 });
    assert.ok(steps.ok && steps.value.steps <= 1_000_000);
  });
});
