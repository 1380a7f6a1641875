/**
 * Whole-folder `normlens inspect` on the unpacked sources of the five libraries of the corpus
 * (.cache/corpus: torchvision, timm, transformers, Keras, Flax; scripts/corpus/unpack.sh), side
 * by side with ruff (`ruff check --select E,F`, the fastest Python linter, installed from the
 * local wheels by scripts/setup-bench.sh) on the same folders, in the same run, alternating:
 * inspect on one thread (`--jobs 1`) and on all cores (the default). Each row says the machine's
 * load average when it ran. Skipped, with a line saying why, when ruff or the corpus is absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';

type Row = { name: string; ms: number; baselineMs: number | null; note?: string };

const REPO = join(__dirname, '..');
const LIBRARIES = ['torchvision', 'timm', 'transformers', 'keras', 'flax'];

/** ruff from .venv-bench, else on PATH; null when neither runs. */
function findRuff(): { cmd: string; version: string } | null {
  for (const cmd of [join(REPO, '.venv-bench/bin/ruff'), 'ruff']) {
    const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return { cmd, version: r.stdout.trim() };
  }
  return null;
}

/** The corpus folders, one per library (the newest unpacked version of each). */
function corpusFolders(): string[] | string {
  const root = process.env.NORMLENS_CORPUS_DIR ?? join(REPO, '.cache/corpus');
  if (!existsSync(root)) return `no corpus at ${root} (run: bash scripts/corpus/unpack.sh)`;
  const names = readdirSync(root);
  const out: string[] = [];
  for (const lib of LIBRARIES) {
    const dir = names
      .filter((n) => n.startsWith(lib + '-') && statSync(join(root, n)).isDirectory())
      .sort()
      .pop();
    if (!dir) return `${lib} is not unpacked in ${root} (run: bash scripts/corpus/unpack.sh)`;
    out.push(dir);
  }
  return out.map((d) => join(root, d));
}

function countLines(dirs: string[]): { files: number; lines: number } {
  let files = 0;
  let lines = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.py')) {
        files++;
        const t = readFileSync(join(d, e.name), 'utf8');
        for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) lines++;
      }
    }
  };
  dirs.forEach(walk);
  return { files, lines };
}

/** Wall time of a command (output discarded), in ms; throws when it fails to run. */
function timed(cmd: string, args: string[], cwd: string, okStatus: number[]): { ms: number; load: number } {
  const load = loadavg()[0];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error || r.status === null || !okStatus.includes(r.status))
    throw new Error(`${cmd} ${args.join(' ')} failed (status ${r.status}): ${String(r.stderr ?? r.error).slice(0, 300)}`);
  return { ms, load };
}

export async function run(): Promise<Row[]> {
  const ruff = findRuff();
  if (!ruff)
    return [
      {
        name: 'inspect vs ruff: skipped',
        ms: 0,
        baselineMs: null,
        note: 'ruff is not installed (run: bash scripts/setup-bench.sh, which installs it from the local wheels)',
      },
    ];
  const dirs = corpusFolders();
  if (typeof dirs === 'string') return [{ name: 'inspect vs ruff: skipped', ms: 0, baselineMs: null, note: dirs }];
  const cli = join(REPO, 'dist/cli.js');
  if (!existsSync(cli)) return [{ name: 'inspect vs ruff: skipped', ms: 0, baselineMs: null, note: 'dist/cli.js is not built (npm run build)' }];
  const { files, lines } = countLines(dirs);
  const cwd = join(dirs[0], '..');
  const rel = dirs.map((d) => d.slice(cwd.length + 1));
  const cores = availableParallelism();
  const ruffRun = () => timed(ruff.cmd, ['check', '--select', 'E,F', '--no-cache', '--exit-zero', '--output-format', 'concise', ...rel], cwd, [0]);
  // exit status 1: an error diagnostic was found (a finding, not a failure)
  const inspectRun = (jobs: number) => timed(process.execPath, [cli, 'inspect', '--jobs', String(jobs), ...rel], cwd, [0, 1]);
  const r1 = ruffRun();
  const single = inspectRun(1);
  const r2 = ruffRun();
  const multi = inspectRun(cores);
  const r3 = ruffRun();
  const ruffMs = [r1.ms, r2.ms, r3.ms].sort((a, b) => a - b)[1];
  const what = `${files} files, ${lines} lines of ${LIBRARIES.join(', ')}`;
  return [
    {
      name: `inspect, 1 thread vs ${ruff.version} (E,F)`,
      ms: single.ms,
      baselineMs: ruffMs,
      note: `${what}; load ${single.load.toFixed(1)}; baseline: ruff on ${cores} cores, median of 3 runs around these`,
    },
    {
      name: `inspect, ${cores} threads vs ${ruff.version} (E,F)`,
      ms: multi.ms,
      baselineMs: ruffMs,
      note: `load ${multi.load.toFixed(1)}; budget: no slower than ruff`,
    },
  ];
}
