/**
 * The semantic model against its baselines, on the 20,000-line model file of the recognizer
 * bench with indirect norms mixed in (norm_layer parameters, partials, a subclass, a custom
 * RMSNorm): Lezer's parse against CPython's `ast.parse` of the same text (when /usr/bin/python3
 * exists), the whole model against the scanner's full scan, a stream of edits with the layers
 * read after each (as the editor reads them when a hover or the diagnostics ask), with an
 * unclosed bracket typed above the edits for part of the stream, and the hover.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonModule } from '../src/python/index';
import { DocumentIndex } from '../src/python/document';
import { parsePython } from '../src/python/semantic/syntax';
import { ModuleModel } from '../src/python/semantic/model';
import { explainLayer } from '../src/explain/hover';
import { generateModel } from './recognizer';

type Row = { name: string; ms: number; baselineMs: number | null; note?: string };

const pct = (xs: number[], p: number) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** The recognizer bench's model file with a block of indirect creations every 40 lines. */
export function indirectModel(lines: number): string {
  const base = generateModel(lines).split('\n');
  const head = [
    'from functools import partial',
    'import torch',
    'import torch.nn as nn',
    'BN = partial(nn.BatchNorm2d, eps=1e-3)',
    'class LayerNorm2d(nn.LayerNorm):',
    '    def __init__(self, c, eps=1e-6):',
    '        super().__init__(c, eps=eps)',
    'class RMSNorm(nn.Module):',
    '    def __init__(self, dim, eps=1e-6):',
    '        super().__init__()',
    '        self.eps = eps',
    '        self.weight = nn.Parameter(torch.ones(dim))',
    '    def forward(self, x):',
    '        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight',
  ];
  const out: string[] = [...head];
  let k = 0;
  for (let i = 0; i < base.length && out.length < lines; i++) {
    // indirect blocks go in before a class line (a statement boundary of the generated file)
    if (base[i].startsWith('class Block') && i % 40 < 18) {
      k++;
      out.push(
        `class Indirect${k}(nn.Module):`,
        '    def __init__(self, planes, norm_layer=None):',
        '        super().__init__()',
        '        if norm_layer is None:',
        '            norm_layer = nn.BatchNorm2d',
        '        self.bn = norm_layer(planes)',
        '        self.ln = LayerNorm2d(planes)',
        '        self.rms = RMSNorm(planes)',
        '        self.p = BN(planes)',
        '',
      );
    }
    out.push(base[i]);
  }
  // end at a class boundary, so that the file is valid Python (CPython parses it as the baseline)
  const kept = out.slice(0, lines);
  let end = kept.length;
  while (end > 0 && !/^class /.test(kept[end - 1])) end--;
  return kept.slice(0, Math.max(end - 1, 0)).join('\n') + '\n';
}

function time(reps: number, f: (i: number) => void): number[] {
  f(-1);
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f(i);
    t.push(performance.now() - t0);
  }
  return t;
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const text = indirectModel(20_000);
  let sink = 0;

  const parse = time(5, () => {
    sink += parsePython(text).length;
  });
  let cpython: number | null = null;
  if (existsSync('/usr/bin/python3')) {
    const dir = mkdtempSync(join(tmpdir(), 'normlens-bench-'));
    const file = join(dir, 'model.py');
    writeFileSync(file, text);
    const script = 'import ast,sys,time\nt=open(sys.argv[1]).read()\nr=[]\nfor _ in range(5):\n a=time.perf_counter();ast.parse(t);r.append(time.perf_counter()-a)\nr.sort();print(r[2]*1000)';
    try {
      cpython = Number(execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' }).trim());
    } catch {
      cpython = null;
    }
  }
  rows.push({ name: 'semantic: Lezer parse, 20k lines', ms: pct(parse, 50), baselineMs: cpython, note: "baseline: CPython's ast.parse of the same text (median of 5)" });

  const full = time(5, () => {
    sink += new DocumentIndex(text).callCount;
  });
  const tree = parsePython(text);
  let executions = 0;
  let units = 0;
  const model = time(3, () => {
    const m = new ModuleModel(text, tree);
    executions = m.executions;
    units = m.funcs.length + 1;
  });
  rows.push({
    name: 'semantic: model of 20k lines (scopes, fixed point)',
    ms: pct(model, 50),
    baselineMs: pct(full, 50),
    note: `${units} units evaluated ${executions} times (${(executions / units).toFixed(2)} passes' worth); baseline: the scanner's full scan`,
  });
  const module = new PythonModule(text);
  const layers = module.layers;
  rows.push({ name: 'semantic: layers found (direct + indirect)', ms: 0, baselineMs: null, note: `${layers.length} layers, ${layers.filter((l) => l.origin).length} indirect` });

  // An edit stream: typing, backspace, a pasted line, a deleted line, jumps; layers read after each.
  const m = new PythonModule(text);
  void m.layers;
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1664525 + 1013904223) >>> 0) % n);
  const editOnly: number[] = [];
  const withRead: number[] = [];
  let cursor = Math.floor(text.length / 2);
  const N = 40;
  for (let i = 0; i < N; i++) {
    const len = m.text.length;
    if (i % 10 === 0) cursor = rnd(len);
    const kind = rnd(5);
    const t0 = performance.now();
    if (i === N / 2) m.applyEdit(1000, 1000, 'x = foo(\n'); // an unclosed bracket above the rest of the stream
    else if (kind === 0) {
      m.applyEdit(cursor, cursor, 'a');
      cursor++;
    } else if (kind === 1 && cursor > 0) {
      m.applyEdit(cursor - 1, cursor, '');
      cursor--;
    }
    else if (kind === 2) m.applyEdit(cursor, cursor, '        self.extra = nn.LayerNorm(64)\n');
    else if (kind === 3) {
      const end = m.text.indexOf('\n', cursor);
      m.applyEdit(cursor, end < 0 ? cursor : end, '');
    } else m.applyEdit(cursor, cursor, ' ');
    const t1 = performance.now();
    sink += m.layers.length;
    const t2 = performance.now();
    editOnly.push(t1 - t0);
    withRead.push(t2 - t0);
  }
  rows.push({ name: `semantic: edit stream, applyEdit only (${N} edits)`, ms: pct(editOnly, 50), baselineMs: pct(full, 50), note: `p99 ${pct(editOnly, 99).toFixed(2)} ms; baseline: full scan` });
  rows.push({
    name: `semantic: edit stream, edit then layers read (${N} edits)`,
    ms: pct(withRead, 50),
    baselineMs: pct(full, 50),
    note: `p99 ${pct(withRead, 99).toFixed(1)} ms; first 10 p50 ${pct(withRead.slice(0, 10), 50).toFixed(1)}, last 10 p50 ${pct(withRead.slice(-10), 50).toFixed(1)}; budget 16 ms p50 (over: the model is rebuilt whole on each read); baseline: full scan`,
  });

  // Hover: explain each indirect layer.
  const hover = time(50, (i) => {
    const l = layers[(i < 0 ? 0 : i) % layers.length];
    sink += explainLayer(l, { decimals: 4, seed: 0 }).markdown.length;
  });
  rows.push({ name: 'semantic: hover of a layer (explainLayer)', ms: pct(hover, 50), baselineMs: null, note: `p95 ${pct(hover, 95).toFixed(2)} ms; budget 2 ms p95` });
  if (sink === -1) rows.push({ name: 'unreachable', ms: 0, baselineMs: null });
  return rows;
}
