/**
 * The semantic model against its baselines, on the 20,000-line model file of the recognizer
 * bench with indirect norms mixed in (norm_layer parameters, partials, a subclass, a custom
 * RMSNorm): Lezer's parse against CPython's `ast.parse` of the same text (when /usr/bin/python3
 * exists), the whole model against the scanner's full scan, the editor path over a stream of
 * thousands of edits (NORMLENS_BENCH_EDITS, default 3,000: typing, backspace, pasted lines and
 * methods, deleted lines, jumps, and broken states held for a while: a call left open and a
 * docstring left open above the place being typed), each followed by what the editor then needs
 * (the layers, the rules' diagnostics, the layer under the cursor), with the first against the
 * last thousand edits (growth); the same editing generated from two other seeds (their p50, p99
 * and slow edits); and the hover.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PythonModule } from '../src/python/index';
import { DocumentIndex } from '../src/python/document';
import { parsePython } from '../src/python/semantic/syntax';
import { ModuleModel } from '../src/python/semantic/model';
import { explainLayer } from '../src/explain/hover';
import { generateModel } from './recognizer';
import { ModuleDiagnostics } from '../src/checks/incremental';
import { loadavg } from 'node:os';

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
    const script =
      'import ast,sys,time\nt=open(sys.argv[1]).read()\nr=[]\nfor _ in range(5):\n a=time.perf_counter();ast.parse(t);r.append(time.perf_counter()-a)\nr.sort();print(r[2]*1000)';
    try {
      cpython = Number(execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' }).trim());
    } catch {
      cpython = null;
    }
  }
  rows.push({
    name: 'semantic: Lezer parse, 20k lines',
    ms: pct(parse, 50),
    baselineMs: cpython,
    note: "baseline: CPython's ast.parse of the same text (median of 5)",
  });

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
  rows.push({
    name: 'semantic: layers found (direct + indirect)',
    ms: 0,
    baselineMs: null,
    note: `${layers.length} layers, ${layers.filter((l) => l.origin).length} indirect`,
  });

  // The editor path: a stream of edits, each followed by what the editor then needs (layers,
  // the rules' diagnostics, the layer under the cursor for a hover).
  const edits = Number(process.env.NORMLENS_BENCH_EDITS) || 3000;
  const stream = editStream(text, edits);
  rows.push(...stream.rows);
  // (the same editing generated from other seeds: where a bracket is left open in a class body, say)
  const others = OTHER_SEEDS.map((seed) => ({ seed, ...editStream(text, edits, seed).summary }));
  rows.push({
    name: `editor: edit → diagnostics + hover data, other streams`,
    ms: Math.max(...others.map((o) => o.p50)),
    baselineMs: null,
    note: others
      .map((o) => `seed ${o.seed}: p50 ${o.p50.toFixed(2)}, p99 ${o.p99.toFixed(2)} ms, ${o.over} edits over 50 ms, ${o.whole} analyzing a large block whole`)
      .join('; '),
  });

  // Hover: explain each indirect layer.
  const hover = time(50, (i) => {
    const l = layers[(i < 0 ? 0 : i) % layers.length];
    sink += explainLayer(l, { decimals: 4, seed: 0 }).markdown.length;
  });
  rows.push({
    name: 'semantic: hover of a layer (explainLayer)',
    ms: pct(hover, 50),
    baselineMs: null,
    note: `p95 ${pct(hover, 95).toFixed(2)} ms; budget 2 ms p95`,
  });
  if (sink === -1) rows.push({ name: 'unreachable', ms: 0, baselineMs: null });
  return rows;
}

/** One edit: replace [from, to) by text; the cursor ends at `cursor`. */
interface Edit {
  from: number;
  to: number;
  text: string;
  kind: string;
}

/**
 * Realistic editing of a large file, generated as it goes (each edit depends on the text the
 * previous ones left): words typed a character at a time, backspaces, a pasted method, a deleted
 * line, jumps to other places, and broken states held for a while: a call left open (`x = foo(`
 * typed above, then arguments on the next lines, closed only later) and a docstring left open.
 * As in an editor, a line opened or pasted gets the indentation of where it lands (auto-indent),
 * and typing goes on where the cursor then is: at the end of what was opened, pasted or closed.
 */
export class EditStream {
  private seed: number;
  private cursor: number;
  private open: { kind: 'paren' | 'string'; left: number } | null = null;
  private word = '';
  constructor(
    private readonly textOf: () => string,
    seed = 7,
  ) {
    this.seed = seed;
    // (at the end of the first line of a method's body past the middle of the file)
    const text = textOf();
    const body = /\n {8}\S[^\n]*/g;
    body.lastIndex = Math.floor(text.length / 2);
    const m = body.exec(text);
    this.cursor = m ? m.index + m[0].length : text.length;
  }
  private rnd(n: number): number {
    this.seed = (this.seed * 1664525 + 1013904223) >>> 0;
    return this.seed % n;
  }
  /** Start of the line after a random offset (a place an editor's user jumps to). */
  private lineStart(text: string, at: number): number {
    const nl = text.indexOf('\n', at);
    return nl < 0 ? text.length : nl + 1;
  }
  /**
   * The indentation an editor gives a line opened at line start `at` (VS Code's auto-indent: that
   * of the line above, one level deeper after a line ending in `:`; the line below when the one
   * above is blank).
   */
  private indentAt(text: string, at: number): string {
    const lineOf = (s: number) => {
      const e = text.indexOf('\n', s);
      return text.slice(s, e < 0 ? text.length : e);
    };
    const above = at > 0 ? lineOf(text.lastIndexOf('\n', at - 2) + 1) : '';
    const base = above.trim() ? above : lineOf(at);
    const indent = /^[ \t]*/.exec(base)![0];
    return base === above && above.trimEnd().endsWith(':') ? indent + '    ' : indent;
  }
  /** `lines` (indented from column 0) indented as a new line at line start `at` is. */
  private indented(text: string, at: number, lines: string): string {
    const indent = this.indentAt(text, at);
    return lines.replace(/^(?=.)/gm, indent);
  }
  next(): Edit {
    const text = this.textOf();
    const c = Math.min(this.cursor, text.length);
    // a broken state is closed after a while (the user finishes the line, and goes on at its end)
    if (this.open) {
      if (--this.open.left <= 0) {
        const kind = this.open.kind;
        this.open = null;
        return this.at(c, c, kind === 'paren' ? ')' : '"""', 'close ' + kind);
      }
    }
    if (this.word.length) {
      const ch = this.word[0];
      this.word = this.word.slice(1);
      return this.at(c, c, ch, 'type');
    }
    const r = this.rnd(100);
    if (r < 8 && !this.open) {
      // jump elsewhere and open a line there (not while a bracket or string is left open: the
      // user finishes that line first, so it is closed where it was opened)
      const at = this.lineStart(text, this.rnd(text.length));
      this.word = 'self.norm' + this.rnd(100) + ' = nn.LayerNorm(' + (16 << this.rnd(4)) + ')';
      return this.opened(at, this.indentAt(text, at) + '\n', 'jump');
    }
    if (r < 11 && !this.open) {
      // a call left open above what follows: `x = foo(` on a line opened there, its arguments
      // typed on the next, closed only later
      this.open = { kind: 'paren', left: 20 + this.rnd(60) };
      const at = this.lineStart(text, Math.max(0, c - 400 + this.rnd(300)));
      this.word = 'a, b,';
      return this.opened(at, this.indented(text, at, 'x = foo(\n    \n'), 'open paren');
    }
    if (r < 13 && !this.open) {
      this.open = { kind: 'string', left: 10 + this.rnd(40) };
      const at = this.lineStart(text, c);
      this.word = 'Docs';
      return this.opened(at, this.indented(text, at, '"""\n\n'), 'open string');
    }
    // (while a bracket or string is open, the user only types in it, until closing it)
    if (r < 16 && !this.open) {
      const at = this.lineStart(text, c);
      return this.opened(at, this.indented(text, at, 'self.extra = nn.BatchNorm2d(64, eps=1e-3)\n'), 'paste line');
    }
    if (r < 18 && !this.open) {
      const at = this.lineStart(text, c);
      const block = 'def helper(self, x, norm_layer=nn.LayerNorm):\n    n = norm_layer(64)\n    return n(x)\n\n';
      return this.opened(at, this.indented(text, at, block), 'paste method');
    }
    if (r < 21 && !this.open) {
      // (typing goes on at the end of the line above)
      const s0 = this.lineStart(text, c);
      const e0 = text.indexOf('\n', s0);
      const e = this.at(s0, e0 < 0 ? s0 : e0 + 1, '', 'delete line');
      this.cursor = Math.max(0, s0 - 1);
      return e;
    }
    if (r < 45 && c > 0 && text[c - 1] !== '\n') return this.at(c - 1, c, '', 'backspace');
    if (r < 60) {
      this.word = ['x', 'y', 'planes', 'self.bn', 'nn.ReLU()', ' + 1', ', eps=1e-5', '  # note'][this.rnd(8)];
      return this.next();
    }
    return this.at(c, c, 'abcdefghijklmnopqrstuvwxyz_'[this.rnd(27)], 'type');
  }
  /** Lines opened or pasted at a line start: the cursor ends on the last of them, after its code (where typing goes on). */
  private opened(at: number, text: string, kind: string): Edit {
    const e = this.at(at, at, text, kind);
    this.cursor = at + text.replace(/\n+$/, '').length;
    return e;
  }
  private at(from: number, to: number, text: string, kind: string): Edit {
    this.cursor = from + text.length;
    return { from, to, text, kind };
  }
}

const p = (xs: number[], q: number) => pct(xs, q);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** V8's heap in use after a full collection (what the edit stream keeps alive). */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

/** Seeds of the other edit streams the bench runs besides the first (seed 7): each its own 3,000 edits. */
const OTHER_SEEDS = [21, 33];

function editStream(text: string, n: number, seed = 7): { rows: Row[]; summary: { p50: number; p99: number; over: number; whole: number } } {
  // what the extension's file analysis does after an edit (src/extension/fileAnalysis.ts): the
  // diagnostics of every check (per block, ../src/checks/incremental.ts) and the layer under the
  // cursor (the hover's data)
  // (opened as the extension opens a file: read block by block from the start, see PythonModule's editor option)
  const o0 = performance.now();
  const m = new PythonModule(text, {}, { editor: true });
  const checks = new ModuleDiagnostics(m);
  void checks.diagnostics();
  const openMs = performance.now() - o0;
  const o1 = performance.now();
  void new ModuleDiagnostics(new PythonModule(text)).diagnostics();
  const openWholeMs = performance.now() - o1;
  // the baseline of the same run: a full rescan of the text (a fresh index) and a fresh module's layers
  const fullScan = time(5, () => void new DocumentIndex(text).callCount);
  const edits = new EditStream(() => m.text, seed);
  const applyMs: number[] = [];
  const totalMs: number[] = [];
  const layersMs: number[] = [];
  const rulesMs: number[] = [];
  const hoverMs: number[] = [];
  const allMs: number[] = [];
  const broken: number[] = [];
  // edits that analyzed a large block whole again (the classes that all call the file's
  // LayerNorm2d, RMSNorm and BN form one block: names shared at module level join statements),
  // those that analyzed only the edited leaves of a kept one (PythonModule.hubStats), the others
  const big: number[] = [];
  const fromHub: number[] = [];
  const small: number[] = [];
  let checked = 0;
  const blocks = { analyzed: 0, moved: 0, reused: 0 };
  const phases: Record<string, number> = {};
  const checkPhases: Record<string, number> = {};
  let sink = 0;
  const heap0 = heapAfterGc();
  const load0 = loadavg()[0];
  for (let i = 0; i < n; i++) {
    const e = edits.next();
    const hubs = { ...m.hubStats };
    const t0 = performance.now();
    m.applyEdit(e.from, e.to, e.text);
    const t1 = performance.now();
    const analyzed = m.blocks();
    const t2 = performance.now();
    const diagnostics = checks.diagnostics();
    const t3 = performance.now();
    // hover data: the layer under the cursor
    const at = m.layerAt(e.from + e.text.length);
    const t4 = performance.now();
    const st = m.stats;
    for (const k of Object.keys(blocks) as (keyof typeof blocks)[]) blocks[k] += st[k];
    for (const [k, v] of Object.entries(m.phases)) phases[k] = (phases[k] ?? 0) + v;
    for (const [k, v] of Object.entries(checks.phases)) checkPhases[k] = (checkPhases[k] ?? 0) + v;
    sink += analyzed.length + diagnostics.length + (at ? 1 : 0);
    applyMs.push(t1 - t0);
    layersMs.push(t2 - t1);
    rulesMs.push(t3 - t2);
    hoverMs.push(t4 - t3);
    totalMs.push(t4 - t0);
    if (/open|close/.test(e.kind) || m.index.errors.length) broken.push(t4 - t0);
    checked += checks.stats.checked;
    (m.hubStats.whole > hubs.whole ? big : m.hubStats.fromHub > hubs.fromHub ? fromHub : small).push(t4 - t0);
    // every layer as a list (what `layers` builds for a reader of them all), apart from the budget
    if (i % 10 === 0) {
      const t5 = performance.now();
      sink += m.layers.length;
      allMs.push(performance.now() - t5);
    }
  }
  const load1 = loadavg()[0];
  const heap1 = heapAfterGc();
  const k = Math.min(1000, Math.floor(n / 3));
  const growth = `first ${k} p50 ${p(totalMs.slice(0, k), 50).toFixed(2)} ms, last ${k} p50 ${p(totalMs.slice(-k), 50).toFixed(2)} ms`;
  const fresh = time(2, () => void new PythonModule(m.text).wholeLayers().length);
  const note = `load average ${load0.toFixed(1)} → ${load1.toFixed(1)}`;
  if (sink === -1) throw new Error('unreachable');
  return {
    summary: { p50: p(totalMs, 50), p99: p(totalMs, 99), over: totalMs.filter((t) => t > 50).length, whole: big.length },
    rows: [
      {
        name: `editor: applyEdit (${n} edits, 20k lines)`,
        ms: p(applyMs, 50),
        baselineMs: p(fullScan, 50),
        note: `p99 ${p(applyMs, 99).toFixed(2)} ms; baseline: full rescan; ${note}`,
      },
      {
        name: 'editor: edit → blocks analyzed',
        ms: p(layersMs, 50),
        baselineMs: p(fresh, 50),
        note:
          `p99 ${p(layersMs, 99).toFixed(2)} ms; per edit ${(blocks.analyzed / n).toFixed(1)} blocks analyzed, ${(blocks.moved / n).toFixed(0)} moved, ${(blocks.reused / n).toFixed(0)} reused; ` +
          `mean ms by phase ${Object.entries(phases)
            .map(([k, v]) => `${k} ${(v / n).toFixed(1)}`)
            .join(', ')}; baseline: a fresh PythonModule's layers`,
      },
      {
        name: 'editor: edit → diagnostics (checks per block)',
        ms: p(rulesMs, 50),
        baselineMs: null,
        note: `p99 ${p(rulesMs, 99).toFixed(2)} ms; mean ms by phase ${Object.entries(checkPhases)
          .map(([k, v]) => `${k} ${(v / n).toFixed(1)}`)
          .join(', ')}`,
      },
      { name: 'editor: edit → hover data (layer at the cursor)', ms: p(hoverMs, 50), baselineMs: null, note: `p99 ${p(hoverMs, 99).toFixed(2)} ms` },
      {
        name: 'editor: edit → diagnostics + hover data',
        ms: p(totalMs, 50),
        baselineMs: p(fresh, 50),
        note: `p99 ${p(totalMs, 99).toFixed(2)} ms (budget 16 ms p50, 50 ms p99); opening the file (diagnostics of every block) ${openMs.toFixed(0)} ms, ${openWholeMs.toFixed(0)} ms analyzed whole; ${growth}; heap in use ${mb(heap0)} before the stream, ${mb(heap1)} after (text ${mb(m.text.length)}); in broken states (${broken.length} edits) p50 ${p(broken, 50).toFixed(2)} p99 ${p(broken, 99).toFixed(2)} ms`,
      },
      {
        name: 'editor: edits analyzing a large block whole again',
        ms: big.length ? p(big, 50) : 0,
        baselineMs: small.length ? p(small, 50) : null,
        note:
          `${big.length} of ${n} edits, p99 ${big.length ? p(big, 99).toFixed(2) : '-'} ms; ` +
          `${fromHub.length} edits analyzed only the edited leaves of a kept one, with the statements they read (p50 ${fromHub.length ? p(fromHub, 50).toFixed(2) : '-'}, p99 ${fromHub.length ? p(fromHub, 99).toFixed(2) : '-'} ms); ` +
          `checks ran on ${(checked / n).toFixed(1)} blocks or pieces per edit; baseline: the other ${small.length} edits, p99 ${small.length ? p(small, 99).toFixed(2) : '-'} ms`,
      },
      {
        name: 'editor: every layer as one list, after an edit',
        ms: p(allMs, 50),
        baselineMs: p(fresh, 50),
        note: `p99 ${p(allMs, 99).toFixed(2)} ms over every 10th edit (built only when read: inspect, the panel's list)`,
      },
    ],
  };
}
