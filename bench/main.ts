/**
 * `npm run bench`: the core's norm layers beside a memory-copy bound and single-thread PyTorch,
 * then the recognizer and panel benchmarks against their baselines. `--json` prints one JSON
 * line {"results": [...]}; otherwise an aligned table. `--quick` runs fewer repetitions,
 * `--no-torch` skips PyTorch.
 */
import { cpus, loadavg } from 'node:os';
import { runCoreBench, TorchTimer, type CoreRow } from './core';

interface OtherRow {
  name: string;
  ms: number;
  baselineMs: number | null;
  note?: string;
}

type Row = CoreRow | OtherRow;

/** Benchmarks of other parts, each `run()` returning rows with their own baselines. */
const others: { label: string; load: () => Promise<{ run(): Promise<OtherRow[]> }> }[] = [
  { label: 'recognizer', load: () => import('./recognizer') },
  { label: 'panel', load: () => import('./panel') },
  { label: 'semantic', load: () => import('./semantic') },
  { label: 'inspect vs ruff', load: () => import('./inspect') },
];

const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const ratio = (a: number, b: number | null | undefined) => (b ? `${(a / b).toFixed(2)}×` : '—');

function table(rows: Row[], header: string): string {
  const lines: string[][] = [['benchmark', 'ms', 'torch ms', 'vs torch', 'bound ms', 'vs bound', 'baseline ms', 'vs baseline', 'note']];
  for (const r of rows) {
    if ('copyBoundMs' in r) {
      lines.push([r.name, fmt(r.ms), fmt(r.torchMs), ratio(r.ms, r.torchMs), fmt(r.copyBoundMs), ratio(r.ms, r.copyBoundMs), '', '', r.note ?? '']);
    } else {
      lines.push([r.name, fmt(r.ms), '', '', '', '', fmt(r.baselineMs), ratio(r.ms, r.baselineMs), r.note ?? '']);
    }
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const out = lines.map((l) =>
    l
      .map((cell, i) => (i === 0 || i === l.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
  out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return `${header}\n${out.join('\n')}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const scale = args.includes('--quick') ? 0.3 : 1;
  const log = (s: string) => {
    if (!json) process.stderr.write(s + '\n');
  };

  const t = args.includes('--no-torch') ? { timer: null, reason: 'skipped (--no-torch)' } : await TorchTimer.start();
  log(`core${t.timer ? ' and PyTorch (1 thread), alternating' : ''}...`);
  let rows: Row[];
  try {
    rows = await runCoreBench(t.timer, scale);
  } finally {
    t.timer?.close();
  }
  const problems: string[] = [];
  for (const o of others) {
    log(`${o.label}...`);
    try {
      rows.push(...(await (await o.load()).run()));
    } catch (e) {
      problems.push(`${o.label} bench failed: ${(e as Error).message}`);
    }
  }

  if (json) {
    const line: Record<string, unknown> = { results: rows, loadAverage: loadavg()[0], cpus: cpus().length };
    if (!t.timer) line.torchUnavailable = t.reason;
    if (problems.length) line.errors = problems;
    process.stdout.write(JSON.stringify(line) + '\n');
  } else {
    const torchLine = t.timer ? `PyTorch ${t.timer.version}, 1 thread` : `PyTorch: ${t.reason}`;
    const machine = `${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)} (other processes share the CPUs)`;
    process.stdout.write(table(rows, `NormLens bench — medians; Node ${process.version}; ${torchLine}; ${machine}`) + '\n');
    for (const p of problems) process.stdout.write(p + '\n');
  }
  if (problems.length) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
