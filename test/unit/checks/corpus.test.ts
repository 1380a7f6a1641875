/**
 * The rules on the recognizer's corpora (generated models in every framework plus a file of
 * tricky cases): nothing is found that Python would not see (the recognizer and CPython's ast
 * lead to the same diagnostics), and every PyTorch finding that PyTorch can judge is confirmed
 * by running PyTorch 1.13 (/usr/bin/python3) on the very calls the diagnostic is about.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { buildContext } from '../../../src/checks/context';
import { frameworkInfo, recognize } from '../../../src/checks/recognizer';
import { runRules } from '../../../src/checks';
import type { Range, ResolvedLayer, ScannedCall } from '../../../src/python/types';
import { check } from './helpers';
import { PythonSyntaxError, astPython } from './astScan';

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'python');
const files = existsSync(FIXTURES)
  ? readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.py'))
      .sort()
  : [];
const TORCH_PYTHON = '/usr/bin/python3';

const inside = (outer: Range, inner: Range) => inner.startOffset >= outer.startOffset && inner.endOffset <= outer.endOffset;

/** The call's source with its callee replaced by the qualified name, so it evaluates with only `torch` bound. */
const qualifiedCall = (text: string, call: ScannedCall, qualifiedName: string) => qualifiedName + text.slice(call.calleeRange.endOffset, call.range.endOffset);

const INPUT_SHAPES: Record<string, (c: number) => number[]> = {
  Conv1d: (c) => [2, c, 16],
  Conv2d: (c) => [2, c, 8, 8],
  Conv3d: (c) => [2, c, 6, 6, 6],
  ConvTranspose1d: (c) => [2, c, 16],
  ConvTranspose2d: (c) => [2, c, 8, 8],
  ConvTranspose3d: (c) => [2, c, 6, 6, 6],
  Linear: (c) => [4, c],
};

interface Case {
  kind: 'construct' | 'mismatch' | 'bias';
  code?: string;
  producer?: string;
  norm?: string;
  shape?: number[];
  about: string;
}

describe('rules on the recognizer corpora', () => {
  it('the recognizer and CPython ast lead to exactly the same diagnostics on every corpus file', function () {
    if (files.length === 0) this.skip();
    this.timeout(120_000);
    let compared = 0;
    for (const f of files) {
      try {
        check(readFileSync(path.join(FIXTURES, f), 'utf8'));
        compared++;
      } catch (e) {
        // Only a Python older than 3.12 may reject a file (PEP 701 f-strings in the tricky cases).
        if (!(e instanceof PythonSyntaxError) || astPython() !== 'python3') throw e;
      }
    }
    assert.ok(compared >= files.length - 1, `${compared} of ${files.length} compared`);
  });

  it('every PyTorch error and bias finding is confirmed by running PyTorch', function () {
    const torchFiles = files.filter((f) => /torch|tricky/.test(f));
    const hasTorch = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
    if (torchFiles.length === 0 || !hasTorch) this.skip();
    this.timeout(120_000);

    const cases: Case[] = [];
    for (const f of torchFiles) {
      const text = readFileSync(path.join(FIXTURES, f), 'utf8');
      const { scan, layers } = recognize(text);
      const ctx = buildContext(scan, layers, frameworkInfo);
      const layerAt = (r: Range): ResolvedLayer | undefined => layers.find((l) => inside(l.call.range, r));
      for (const d of runRules(scan, layers)) {
        const about = `${f}:${d.range.start.line + 1} ${d.code}`;
        if (d.code === 'groupnorm-divisibility' || d.code === 'groupnorm-groups-positive') {
          const l = layerAt(d.range);
          if (l?.spec.framework === 'pytorch' && l.spec.form === 'module') {
            cases.push({ kind: 'construct', code: qualifiedCall(text, l.call, l.qualifiedName), about });
          }
        } else if (d.code === 'channel-mismatch' || d.code === 'conv-bias-before-bn') {
          const a = ctx.adjacent.find((x) => (d.code === 'channel-mismatch' ? inside(x.layer.call.range, d.range) : inside(x.producer.call.range, d.range)));
          assert.ok(a, about);
          if (a.producer.spec.framework !== 'pytorch' || !a.producer.spec.inParam) continue;
          const cin = a.producer.args.get(a.producer.spec.inParam)?.value;
          const shape = INPUT_SHAPES[a.producer.qualifiedName.split('.').pop()!];
          if (typeof cin !== 'number' || !shape) continue;
          cases.push({
            kind: d.code === 'channel-mismatch' ? 'mismatch' : 'bias',
            producer: qualifiedCall(text, a.producer.call, a.producer.qualifiedName),
            norm: qualifiedCall(text, a.layer.call, a.layer.qualifiedName),
            shape: shape(cin),
            about,
          });
        }
      }
    }
    const r = spawnSync(TORCH_PYTHON, [path.join(__dirname, 'torch_oracle.py')], { input: JSON.stringify(cases), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const verdicts = JSON.parse(r.stdout) as string[];
    const want = { construct: 'raised', mismatch: 'raised', bias: 'cancelled' } as const;
    const judged = cases.map((c, i) => ({ about: c.about, verdict: verdicts[i], want: want[c.kind] })).filter((x) => x.verdict !== 'skipped');
    for (const j of judged) assert.equal(j.verdict, j.want, j.about);
    // The corpora hold findings of each kind that PyTorch can judge.
    for (const kind of ['construct', 'mismatch', 'bias'] as const) {
      assert.ok(
        cases.some((c, i) => c.kind === kind && verdicts[i] !== 'skipped'),
        `no ${kind} case was judged`,
      );
    }
  });
});
