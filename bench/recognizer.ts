/**
 * The recognizer's editor budgets on a generated 20,000-line PyTorch file (warm): full scan
 * ≤ 10 ms, update after a one-character edit ≤ 0.5 ms, layer lookup at a cursor ≤ 0.05 ms.
 * Baselines from the same run: `text.split('\n')` of the same text and a JS loop reading every
 * character (the least a full scan can cost), building and reading the edited string (what an
 * edit would cost if it rebuilt the text; the index keeps the edited span apart instead), and a binary search over line starts (the least a lookup can cost). The rules run as the
 * user types (debounced): their rows take the full scan as baseline. The machine's load
 * is reported with the figures: on a shared machine every row slows down together.
 */
import { cpus, loadavg } from 'node:os';
import { DocumentIndex, PythonModule, recognize, scanPython } from '../src/python/index';
import { checkDocument } from '../src/checks/index';
import { ModuleDiagnostics } from '../src/checks/incremental';
import { maskPython } from '../src/python/mask';

type Row = { name: string; ms: number; baselineMs: number | null; note?: string };

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Deterministic model code with comments, strings, f-strings and multi-line calls. */
export function generateModel(lines: number, seed = 1): string {
  let s = seed >>> 0;
  const rnd = (n: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
  const norms = [
    (c: number) => `nn.BatchNorm2d(${c})`,
    (c: number) => `nn.BatchNorm2d(${c}, eps=1e-3, momentum=0.01)`,
    (c: number) => `nn.LayerNorm([${c}, 8, 8])`,
    (c: number) => `nn.GroupNorm(${c >> 3}, ${c})`,
    (c: number) => `nn.InstanceNorm2d(${c}, affine=True)`,
  ];
  const out = ['import torch', 'import torch.nn as nn', 'import torch.nn.functional as F', ''];
  let k = 0;
  while (out.length < lines) {
    k++;
    const c = 16 << rnd(4);
    out.push(`class Block${k}(nn.Module):`);
    out.push(`    """Block ${k}: conv, nn.BatchNorm2d(${c}) and an activation."""`);
    out.push('    def __init__(self, channels: int = 64) -> None:');
    out.push('        super().__init__()');
    out.push(`        self.conv = nn.Conv2d(${c}, ${c}, 3, padding=1, bias=False)  # then nn.BatchNorm2d(`);
    out.push(`        self.norm = ${norms[rnd(norms.length)](c)}`);
    out.push('        self.seq = nn.Sequential(');
    out.push(`            nn.Linear(${c}, ${c}),`);
    out.push(`            ${norms[rnd(norms.length)](c)},`);
    out.push('            nn.ReLU(inplace=True),');
    out.push('        )');
    out.push('');
    out.push('    def forward(self, x):');
    out.push(`        y = F.layer_norm(x, (${c},), eps=1e-5) if self.training else x`);
    out.push(`        print(f"block ${k}: {x.shape!r:>20} {self.norm(x).mean():.3f}")`);
    out.push('        return self.seq(self.norm(self.conv(y)))');
    out.push('');
  }
  return out.slice(0, lines).join('\n') + '\n';
}

function time(reps: number, f: (i: number) => void): number {
  for (let i = 0; i < Math.min(10, reps); i++) f(i);
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f(i);
    t.push(performance.now() - t0);
  }
  return median(t);
}

export async function run(): Promise<Row[]> {
  const text = generateModel(20_000);
  const rows: Row[] = [];
  let sink = 0;
  const load = loadavg()[0];
  const machine = `load average ${load.toFixed(1)} on ${cpus().length} CPUs`;

  // what any scan must at least do: read every character once
  const floor = time(30, () => {
    for (let i = 0; i < text.length; i++) sink += text.charCodeAt(i);
  });
  const split = time(30, () => {
    sink += text.split('\n').length;
  });
  rows.push({ name: 'recognizer: read every char (JS loop)', ms: floor, baselineMs: split, note: `calibration; baseline text.split('\\n'); ${machine}` });

  const full = time(30, () => {
    sink += new DocumentIndex(text).callCount;
  });
  const index = new DocumentIndex(text);
  rows.push({
    name: 'recognizer: full scan, 20k lines',
    ms: full,
    baselineMs: split,
    note: `budget 10 ms; tokens, ${index.callCount} calls, imports, ${index.layers.length} layers resolved; baseline text.split`,
  });

  const objects = time(10, () => {
    sink += scanPython(text).calls.length;
  });
  rows.push({
    name: 'recognizer: scanPython (every call as objects)',
    ms: objects,
    baselineMs: full,
    note: 'baseline: the full scan above (calls kept as rows)',
  });

  const layersOnly = time(10, () => {
    sink += recognize(text).length;
  });
  rows.push({ name: 'recognizer: recognize (layers as objects)', ms: layersOnly, baselineMs: full, note: 'baseline: the full scan above' });

  // typing in the middle of the file: insert a character, then delete it
  const doc = new DocumentIndex(text);
  const mid = text.indexOf('self.norm = ', text.length >> 1) + 'self.norm = nn.'.length;
  const edit = time(400, (i) => {
    if (i % 2 === 0) doc.applyEdit(mid, mid, 'x');
    else doc.applyEdit(mid, mid + 1, '');
  });
  const concat = time(400, (i) => {
    const t = i % 2 === 0 ? text.slice(0, mid) + 'x' + text.slice(mid) : text.slice(0, mid) + text.slice(mid + 1);
    sink += t.charCodeAt(mid);
  });
  rows.push({
    name: 'recognizer: update after 1-char edit',
    ms: edit,
    baselineMs: concat,
    note: 'budget 0.5 ms; baseline: building and reading the new string (the index avoids it: it keeps one replaced span apart)',
  });

  // an edit that adds a call, then removes it (rows move)
  const addCall = time(200, (i) => {
    if (i % 2 === 0) doc.applyEdit(mid - 3, mid - 3, 'f(1), ');
    else doc.applyEdit(mid - 3, mid + 3, '');
  });
  rows.push({ name: 'recognizer: update after adding a call', ms: addCall, baselineMs: concat, note: 'baseline: building the new string' });

  // hovers: the layer under the cursor at many places, after an edit (rows behind the gap shift lazily)
  const offsets = Array.from({ length: 1000 }, (_, i) => Math.floor((((i * 7919) % 1000) / 1000) * text.length));
  const lookup =
    time(50, () => {
      for (const o of offsets) if (doc.layerAt(o)) sink++;
    }) / offsets.length;
  const starts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const bsearch =
    time(50, () => {
      for (const o of offsets) {
        let lo = 0;
        let hi = starts.length - 1;
        while (lo < hi) {
          const m = (lo + hi + 1) >> 1;
          if (starts[m] <= o) lo = m;
          else hi = m - 1;
        }
        sink += lo;
      }
    }) / offsets.length;
  rows.push({ name: 'recognizer: layerAt lookup', ms: lookup, baselineMs: bsearch, note: 'budget 0.05 ms; baseline: line binary search' });
  // diagnostics: what the editor runs after an edit (the checks per block of the module it keeps,
  // src/checks/incremental.ts), and the one-call API
  const ruleModule = new PythonModule(text);
  const ruleChecks = new ModuleDiagnostics(ruleModule);
  ruleModule.applyEdit(mid, mid, 'x');
  sink += ruleChecks.diagnostics().length;
  const editorRules = time(10, (i) => {
    if (i % 2 === 0) ruleModule.applyEdit(mid, mid + 1, '');
    else ruleModule.applyEdit(mid, mid, 'x');
    sink += ruleChecks.diagnostics().length;
  });
  rows.push({
    name: 'rules: edit, then diagnostics (editor)',
    ms: editorRules,
    baselineMs: full,
    note: 'PythonModule and its checks per block kept up to date (a character typed, then removed), 20k lines; baseline: the full scan',
  });
  const check = time(10, () => {
    sink += checkDocument(text).length;
  });
  rows.push({ name: 'rules: checkDocument, 20k lines', ms: check, baselineMs: full, note: 'scan, layers and rules; baseline: the full scan' });
  // many quotes and comment marks: one pass whatever the text
  const adversarial = '"'.repeat(50_000) + "'''" + '#'.repeat(50_000) + '\\';
  const mask = time(10, () => {
    sink += maskPython(adversarial).length;
  });
  const advFloor = time(10, () => {
    for (let i = 0; i < adversarial.length; i++) sink += adversarial.charCodeAt(i);
  });
  rows.push({ name: 'rules: maskPython, 100k quotes and #', ms: mask, baselineMs: advFloor, note: 'linear; baseline: reading every char' });
  if (sink === -1) rows.push({ name: 'unreachable', ms: 0, baselineMs: null });
  return rows;
}
