/**
 * `normlens inspect PATH... [--json]`: every normalization layer in Python files and notebooks,
 * with its qualified name, effective arguments and diagnostics.
 *
 * Exit codes: 0 clean (warnings and infos allowed), 1 at least one error diagnostic, 2 unusable
 * input (bad option, missing or unreadable path, malformed notebook; the other paths are still
 * inspected and reported).
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, promises as fs, readFileSync, readSync, statSync, type Dirent } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import * as path from 'node:path';
import type { Range, ResolvedLayer } from '../python/types';
import { analyzeDocument, analyzeNotebook, type DocumentReport } from '../checks';
import { placementText } from '../explain/placement';
import { givenAtCall, otherClasses } from '../explain/context';
import { mayPatch, moduleNameOf, ProjectGraph, SeedExchange, solveSeeds, type ProjectFiles, type Seed, type SemanticOptions } from '../python';
import type { NormDiagnostic, Severity } from '../checks/types';
import { pyRepr } from '../checks/format';
import { terminalSafeJson, truncateText, visibleText } from '../core/visible';
import { decodeText } from './decode';

/**
 * Most characters of Python source checked in one file (or in a notebook's code cells): the
 * recognizer's memory grows with the layers found (about 3 KB each), so this bounds it (about
 * 350,000 layers, 1 GB); larger files are named and skipped.
 */
export const MAX_SOURCE_CHARS = 8 * 1024 * 1024;
/** Largest file read (bytes; notebooks carry outputs besides their source); larger ones are named and skipped. */
export const MAX_INSPECT_BYTES = 64 * 1024 * 1024;
/** Most worker threads (`--jobs`). */
export const MAX_JOBS = 64;
/** Most files whose models one thread keeps in a run (each file's own model is shared with the files importing it). */
const MAX_PROJECT_FILES = 20000;

/**
 * Threads by default: the machine's cores but one, which V8's garbage collector keeps busy (on 2
 * cores two analysis threads took 56 s over the corpus of five libraries where one took 47 s; two
 * single-threaded runs side by side each ran 1.9 times as long as one alone).
 */
function defaultJobs(): number {
  return Math.max(1, Math.min(MAX_JOBS, availableParallelism() - 1));
}

/**
 * Source per thread when --jobs is not given. Each thread builds the modules its files import
 * again, so splitting one library costs more than it gains until the input is large (measured
 * on 2 cores: timm's 4 MB take 4.3 s on one thread and 6.0 s on two, timm and torchvision
 * together 5.1 and 6.4 s; transformers' 43 MB 20.7 and 17.9 s).
 */
const BYTES_PER_THREAD = 16 * 1024 * 1024;

/** Longest value or written argument shown in text output (characters). */
const MAX_SHOWN_VALUE = 60;

export interface InspectIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stdout is a terminal: colour only then. */
  isTTY: boolean;
  /**
   * The script worker threads run (the CLI bundle itself, which turns into a worker when started
   * as one); without it every file is analyzed on this thread, whatever --jobs says.
   */
  workerScript?: string;
  /** Environment for NO_COLOR; process.env when absent. */
  env?: Record<string, string | undefined>;
}

const USAGE = `Usage: normlens inspect PATH... [--json] [--jobs N]

Lists every normalization layer in the given Python files (.py) and notebooks (.ipynb), or in
the folders given (searched recursively, skipping hidden folders, virtual environments,
site-packages and node_modules), with its qualified name, its arguments (written and default)
and NormLens's diagnostics.

  --json     one JSON document on stdout (1-based lines and columns, columns in UTF-16 units)
  --jobs N   threads analyzing files (default: one per 16 MiB of source, at most one per
             core but one; 1: a single one); the output is the same for any N
  -h, --help this text

Only regular files are read (FIFOs and devices are skipped with a message), up to 64 MiB and
8 MiB characters of Python source each, decoded by their byte order mark (UTF-8, UTF-16LE/BE)
as VS Code does; notebooks must be nbformat 4.

Exit status: 0 no errors, 1 an error diagnostic was found, 2 a path could not be used.
`;

/** Folders never entered when searching (they hold installed packages, not the user's code). */
// (virtual environments are found by what they hold, not by name: a package may be called `env`)
const SKIPPED_FOLDERS = new Set(['site-packages', 'node_modules', '__pycache__']);

interface Found {
  /** The path as shown: as given, or joined below a given folder. */
  shown: string;
  notebook: boolean;
}

interface FileResult {
  path: string;
  report: DocumentReport;
  text: string[];
}

export async function runInspect(argv: string[], io: InspectIO): Promise<number> {
  const env = io.env ?? process.env;
  let json = false;
  let jobs: number | null = null;
  const paths: string[] = [];
  let optionsDone = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!optionsDone && a === '--') optionsDone = true;
    else if (!optionsDone && a === '--json') json = true;
    else if (!optionsDone && (a === '--jobs' || a.startsWith('--jobs='))) {
      const v = a === '--jobs' ? argv[++i] : a.slice('--jobs='.length);
      const n = v !== undefined && /^[0-9]+$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < 1 || n > MAX_JOBS) {
        io.stderr(
          `normlens inspect: --jobs takes a whole number of threads from 1 to ${MAX_JOBS}, not ${v === undefined ? 'nothing' : truncateText(visibleText(v), 40)}\n${USAGE}`,
        );
        return 2;
      }
      jobs = n;
    } else if (!optionsDone && (a === '-h' || a === '--help')) {
      io.stdout(USAGE);
      return 0;
    } else if (!optionsDone && a.startsWith('-') && a !== '-') {
      io.stderr(`normlens inspect: unknown option ${truncateText(visibleText(a), 200)}\n${USAGE}`);
      return 2;
    } else paths.push(a);
  }
  if (paths.length === 0) {
    io.stderr(`normlens inspect: no path given\n${USAGE}`);
    return 2;
  }

  let unusable = false;
  const problem = (message: string) => {
    unusable = true;
    // File names and messages quoting files are made one visible line (no escape sequences).
    io.stderr(`normlens inspect: ${visibleText(message)}\n`);
  };

  const found: Found[] = [];
  for (const p of paths) await collect(p, found, problem, (m) => io.stderr(`normlens inspect: ${visibleText(m)}\n`));

  // Files are analyzed on worker threads (or here, with --jobs 1), then analyzed again with what
  // other files' calls pass into their functions (the project-level fixed point), and written out
  // in the order found: the output does not depend on the number of threads.
  const colour = io.isTTY && !env.NO_COLOR;
  // (a file named twice, `a.py a.py` or `dir/../dir/a.py`, is analyzed and counted once, where first named)
  const named = new Set<string>();
  const tasks = found.map((f) => ({ ...f, file: realPath(f.shown) })).filter((t) => !named.has(t.file) && !!named.add(t.file));
  const patchers = tasks.filter((t) => !t.notebook && mayPatch(diskFiles().read(t.file) ?? '')).map((t) => t.file);
  const settings: InspectSettings = { json, colour, cwd: process.cwd(), patchers };
  const byFile = new Map<string, number[]>();
  tasks.forEach((t, i) => {
    const list = byFile.get(t.file);
    if (list) list.push(i);
    else byFile.set(t.file, [i]);
  });
  const outcomes: (FileOutcome | undefined)[] = new Array(tasks.length);
  // bytes of each file: how the pool balances its threads (the analysis is about linear in them)
  const sizes = tasks.map((t) => sizeOf(t.shown));
  const bytes = sizes.reduce((a, b) => a + b, 0);
  jobs ??= Math.max(1, Math.min(defaultJobs(), Math.floor(bytes / BYTES_PER_THREAD)));
  // worker threads (a single one too, for much source: it gets a larger young generation than this
  // thread has, see YOUNG_GENERATION_MB), or this thread
  const pooled = io.workerScript && tasks.length > 0 && (jobs > 1 ? tasks.length > 1 : bytes >= WORKER_FROM_BYTES);
  const runner = pooled ? startPool(io.workerScript!, Math.min(jobs, tasks.length), settings) : localRunner(settings);
  try {
    await solveSeeds([...byFile.keys()], async (batch) => {
      // files of one folder go to one thread together (they import the same modules, which each
      // thread's graph then builds once), at most CHUNK at a time; the pool keeps neighbouring
      // chunks on one thread too (see startPool)
      const list = batch.flatMap((b) =>
        byFile.get(b.file)!.map((i) => ({ i, task: { shown: tasks[i].shown, notebook: tasks[i].notebook, file: b.file, seeds: b.seeds } })),
      );
      const chunks: (typeof list)[] = [];
      for (const x of list) {
        const last = chunks[chunks.length - 1];
        if (last && last.length < CHUNK && path.dirname(last[0].task.file) === path.dirname(x.task.file)) last.push(x);
        else chunks.push([x]);
      }
      const outgoing = new Map<string, Seed[]>();
      const results = await runner.runAll(chunks.map((c) => ({ tasks: c.map((x) => x.task), weight: c.reduce((n, x) => n + sizes[x.i], 0) })));
      results.forEach((os, j) =>
        os.forEach((o, k) => {
          const c = chunks[j][k];
          outcomes[c.i] = o;
          outgoing.set(c.task.file, o.outgoing);
        }),
      );
      return outgoing;
    });
  } finally {
    await runner.close();
  }

  const totals: Totals = { files: 0, layers: 0, error: 0, warning: 0, info: 0, hint: 0 };
  if (json) io.stdout('{\n  "files": [');
  for (const o of outcomes) {
    if (!o) continue;
    if (o.problem !== undefined) {
      problem(o.problem);
      continue;
    }
    totals.layers += o.layers;
    for (const [k, n] of Object.entries(o.counts)) totals[k as Severity] += n;
    if (json) io.stdout(`${totals.files ? ',' : ''}\n    ${o.output}`);
    else io.stdout(o.output);
    totals.files++;
  }
  const hasError = totals.error > 0;
  if (json) io.stdout(totals.files ? '\n  ]\n}\n' : ']\n}\n');
  else io.stdout(summaryText(totals, colour));
  return unusable ? 2 : hasError ? 1 : 0;
}

/** What every thread of a run needs to know (plain data: it is sent to workers). */
export interface InspectSettings {
  json: boolean;
  colour: boolean;
  cwd: string;
  /** Files of the run that may replace a framework class (semantic/graph.ts mayPatch): their replacements count for every file. */
  patchers: string[];
}

/** One file to analyze: as shown, its path for the project graph, and what other files' calls pass into it. */
export interface FileTask {
  shown: string;
  notebook: boolean;
  file: string;
  seeds: Seed[];
}

/** A file's analysis, rendered: the text (or JSON) written for it, or the problem that stopped it. */
export interface FileOutcome {
  problem?: string;
  output: string;
  layers: number;
  counts: Record<Severity, number>;
  outgoing: Seed[];
}

/** Files of one folder sent to a thread together, at most. */
const CHUNK = 16;

/**
 * Young generation of an analysis thread, MiB (V8 splits it in three: 128 MiB semi-spaces). A
 * file's analysis allocates tens of MiB that live until it is done (its syntax trees, its model
 * while the fixed point runs); with V8's default of 16 MiB semi-spaces they are copied by
 * hundreds of scavenges (on the corpus, one thread: about 1,400 scavenges and 8.7 s of 41 s;
 * with these, about 200 and 4.6 s).
 */
const YOUNG_GENERATION_MB = 384;

/** Bytes of source from which one thread is a worker too (its young generation pays off; below, starting it costs more). */
const WORKER_FROM_BYTES = 4 * 1024 * 1024;

/** Files analyzed in order on one thread, and about how much work they are (bytes). */
interface Chunk {
  tasks: FileTask[];
  weight: number;
}

interface Runner {
  /** Analyzes every chunk (each chunk's files in order, on one thread); outcomes by chunk. */
  runAll(chunks: Chunk[]): Promise<FileOutcome[][]>;
  close(): Promise<void>;
}

/** Size of a file in bytes, 0 when it cannot be read (readSource then names the problem). */
function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

const realPath = (shown: string) => path.resolve(shown).split(path.sep).join('/');

/** A file as explanations name it: relative to the working folder when inside it, else as it is (`/tmp/...`, not `../../tmp/...`). */
export function shownPath(p: string, cwd: string): string {
  const rel = path.relative(cwd, p).split(path.sep).join('/');
  return !rel || rel.startsWith('../') || rel === '..' || path.isAbsolute(rel) ? p : rel;
}

/**
 * The analysis of files on one thread: one project graph (every file's model built once and
 * shared with the files that import it, kept while the run lasts).
 */
export class FileAnalyzer {
  private readonly graph: ProjectGraph;

  constructor(private readonly settings: InspectSettings) {
    this.graph = new ProjectGraph(
      diskFiles(),
      MAX_PROJECT_FILES,
      (p) => shownPath(p, settings.cwd),
      () => settings.patchers,
    );
  }

  async analyze(task: FileTask): Promise<FileOutcome> {
    try {
      return this.analyzeFile(task);
    } catch (e) {
      // a defect of ours on one file: name it, and go on with the others (as README promises)
      const none: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
      return { problem: `cannot analyze ${task.shown}: ${describe(e)}`, output: '', layers: 0, counts: none, outgoing: [] };
    }
  }

  private analyzeFile(task: FileTask): FileOutcome {
    const none: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
    const read = readSourceSync(task.shown);
    if (typeof read !== 'string') return { problem: read.problem, output: '', layers: 0, counts: none, outgoing: [] };
    let result: FileResult;
    let outgoing: Seed[] = [];
    if (task.notebook) {
      // (the files beside it: a cell's `import my_patch` runs that module)
      const semantic: SemanticOptions = { host: this.graph.hostFor(task.file), path: task.shown };
      const nb = analyzeNotebook(read, { maxSourceChars: MAX_SOURCE_CHARS, semantic });
      if ('error' in nb) return { problem: `cannot use ${task.shown}: ${nb.error}`, output: '', layers: 0, counts: none, outgoing: [] };
      result = { path: task.shown, report: nb, text: nb.cellTexts };
    } else {
      if (read.length > MAX_SOURCE_CHARS) {
        return {
          problem: `skipped ${task.shown}: ${read.length} characters of source; normlens inspect checks files of up to ${MAX_SOURCE_CHARS} characters (8 Mi)`,
          output: '',
          layers: 0,
          counts: none,
          outgoing: [],
        };
      }
      const me = moduleNameOf(task.file, diskFiles());
      const exchange = new SeedExchange(this.graph, task.file, this.graph.display(task.file), task.seeds);
      // without seeds, the graph's model of the file (shared with its importers) is the file's model
      const model = exchange.hasSeeds ? undefined : this.graph.modelOf(task.file);
      const semantic: SemanticOptions = {
        host: this.graph.hostFor(task.file),
        moduleName: me.name,
        isPackage: me.isPackage,
        path: task.shown,
        exchange,
        model,
      };
      result = { path: task.shown, report: analyzeDocument(read, { semantic }), text: [read] };
      outgoing = exchange.outgoing;
    }
    const counts = { ...none };
    for (const d of result.report.diagnostics) counts[d.severity]++;
    let output = '';
    if (this.settings.json) output = terminalSafeJson(JSON.stringify(fileJson(result), null, 2)).replace(/\n/g, '\n    ');
    else writeFileText(result, this.settings.colour, (s) => (output += s));
    return { output, layers: result.report.layers.length, counts, outgoing };
  }
}

function localRunner(settings: InspectSettings): Runner {
  const analyzer = new FileAnalyzer(settings);
  return {
    runAll: async (chunks) => {
      const out: FileOutcome[][] = [];
      for (const c of chunks) {
        const os: FileOutcome[] = [];
        for (const t of c.tasks) os.push(await analyzer.analyze(t));
        out.push(os);
      }
      return out;
    },
    close: async () => undefined,
  };
}

/**
 * Worker threads running FileAnalyzer (this same script, started with INSPECT_WORKER in its
 * workerData). Each thread builds the models of the files it imports in its own graph, so the
 * chunks (in the order found: neighbouring folders import the same modules) are cut into one
 * run of consecutive chunks per thread, of about equal bytes; a thread that is done takes chunks
 * from the end of the run with the most bytes left.
 */
function startPool(script: string, n: number, settings: InspectSettings): Runner {
  const workers = Array.from(
    { length: n },
    () => new Worker(script, { workerData: { [INSPECT_WORKER]: settings }, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }),
  );
  let failed: unknown = null;
  let stop: ((e: unknown) => void) | null = null;
  for (const w of workers)
    w.on('error', (e) => {
      failed ??= e;
      stop?.(e);
    });
  return {
    runAll: (chunks) =>
      new Promise((resolve, reject) => {
        if (failed) return reject(failed);
        stop = reject;
        const out: FileOutcome[][] = new Array(chunks.length);
        let left = chunks.length;
        if (left === 0) return resolve(out);
        // runs of consecutive chunks, one per thread, cut where the bytes so far pass k/n of the total
        const total = chunks.reduce((s, c) => s + c.weight, 0);
        const runs: { queue: number[]; weight: number }[] = workers.map(() => ({ queue: [], weight: 0 }));
        let sum = 0;
        chunks.forEach((c, j) => {
          const r = runs[Math.min(n - 1, total > 0 ? Math.floor((sum * n) / total) : Math.floor((j * n) / chunks.length))];
          r.queue.push(j);
          r.weight += c.weight;
          sum += c.weight;
        });
        // the next chunk for thread k: its own run's first, else the last of the run with the most bytes left
        const next = (k: number): number | undefined => {
          let from: (typeof runs)[number] | undefined = runs[k].queue.length ? runs[k] : undefined;
          if (!from) for (const r of runs) if (r.queue.length && (!from || r.weight > from.weight)) from = r;
          if (!from) return undefined;
          const j = from === runs[k] ? from.queue.shift()! : from.queue.pop()!;
          from.weight -= chunks[j].weight;
          return j;
        };
        const send = (k: number) => {
          const j = next(k);
          if (j === undefined) return;
          const w = workers[k];
          const done = (os: FileOutcome[]) => {
            w.off('message', done);
            out[j] = os;
            if (--left === 0) resolve(out);
            else send(k);
          };
          w.on('message', done);
          w.postMessage(chunks[j].tasks);
        };
        workers.forEach((_, k) => send(k));
      }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** The key of a worker's workerData that makes this script an inspect worker. */
export const INSPECT_WORKER = 'normlensInspectWorker';

/** The loop of an inspect worker thread: tasks in, outcomes out. */
export async function runInspectWorker(): Promise<void> {
  const analyzer = new FileAnalyzer((workerData as Record<string, InspectSettings>)[INSPECT_WORKER]);
  // one task at a time (the pool sends the next when this one is answered)
  parentPort!.on('message', (tasks: FileTask[]) => {
    (async () => {
      const out: FileOutcome[] = [];
      for (const t of tasks) out.push(await analyzer.analyze(t));
      return out;
    })().then(
      (o) => parentPort!.postMessage(o),
      (e) => {
        throw e;
      },
    );
  });
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/**
 * A file's text: only regular files are read (a FIFO or device named *.py would block or never
 * end), at most MAX_INSPECT_BYTES, decoded by its byte order mark as VS Code does.
 */
export async function readSource(file: string): Promise<string | { problem: string }> {
  return readSourceSync(file);
}

/**
 * readSource without waiting on the event loop: a run reads thousands of files one after another
 * on each thread, and six round trips to the thread pool per file left the thread idle between
 * them (about 2 s of the corpus run).
 */
function readSourceSync(file: string): string | { problem: string } {
  let fd: number | undefined;
  try {
    const st = statSync(file);
    if (!st.isFile()) return { problem: `skipped ${file}: not a regular file (${kindOf(st)})` };
    if (st.size > MAX_INSPECT_BYTES)
      return { problem: `skipped ${file}: ${st.size} bytes; normlens inspect reads files up to ${MAX_INSPECT_BYTES} bytes (64 MiB)` };
    // O_NONBLOCK: if the path became a FIFO since the stat, opening it must not wait for a writer;
    // the descriptor's own stat then decides.
    fd = openSync(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
    const opened = fstatSync(fd);
    if (!opened.isFile()) return { problem: `skipped ${file}: not a regular file (${kindOf(opened)})` };
    // Read at most one byte past the size found: a file that grows while it is read is named, not followed.
    const size = Math.min(opened.size, MAX_INSPECT_BYTES);
    if (opened.size > MAX_INSPECT_BYTES)
      return { problem: `skipped ${file}: ${opened.size} bytes; normlens inspect reads files up to ${MAX_INSPECT_BYTES} bytes (64 MiB)` };
    const buf = new Uint8Array(size + 1);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buf, length, buf.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buf.length) break;
    }
    if (length > size) return { problem: `skipped ${file}: it changed while being read` };
    return decodeText(buf.subarray(0, length)).text;
  } catch (e) {
    return { problem: `cannot read ${file}: ${describe(e)}` };
  } finally {
    if (fd !== undefined)
      try {
        closeSync(fd);
      } catch {
        // already closed or gone: nothing to release
      }
  }
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a file';
}

const isNotebookName = (name: string) => name.toLowerCase().endsWith('.ipynb');
const isSourceName = (name: string) => /\.(py|ipynb)$/i.test(name);

async function collect(given: string, out: Found[], problem: (m: string) => void, note: (m: string) => void): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(given);
  } catch (e) {
    problem(`cannot read ${given}: ${describe(e)}`);
    return;
  }
  if (!stat.isDirectory()) {
    // A file named explicitly is inspected whatever its extension: notebooks by extension, else Python
    // (a script without one), said so. (readSource skips anything that is not a regular file, with a message.)
    if (!isSourceName(given) && stat.isFile()) note(`${given} is not named .py or .ipynb: read as Python`);
    out.push({ shown: given, notebook: isNotebookName(given) });
    return;
  }
  await walk(given, out, problem);
}

async function walk(dir: string, out: Found[], problem: (m: string) => void): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    problem(`cannot read ${dir}: ${describe(e)}`);
    return;
  }
  // A virtual environment's root holds pyvenv.cfg (venv, virtualenv), a conda environment's
  // conda-meta, whatever the folder is called.
  if (entries.some((e) => (e.name === 'pyvenv.cfg' && !e.isDirectory()) || (e.name === 'conda-meta' && e.isDirectory()))) return;
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name.startsWith('.') || SKIPPED_FOLDERS.has(e.name)) continue;
      await walk(full, out, problem);
    } else if (isSourceName(e.name) && !e.name.startsWith('.')) {
      // Symbolic links to files are followed; links to folders are not (no cycles).
      if (e.isSymbolicLink()) {
        const target = await fs.stat(full).catch(() => undefined);
        if (!target?.isFile()) continue;
      } else if (!e.isFile()) {
        // A FIFO, socket or device named like a source file: never opened (it could block forever).
        problem(`skipped ${full}: not a regular file`);
        continue;
      }
      out.push({ shown: full, notebook: isNotebookName(e.name) });
    }
  }
}

/** Python files of the disk, read once each (other modules of the project, for sibling imports). */
export function diskFiles(): ProjectFiles {
  const cache = (diskFiles.cache ??= new Map<string, string | undefined>());
  return {
    read(p: string): string | undefined {
      if (cache.has(p)) return cache.get(p);
      let text: string | undefined;
      try {
        const st = statSync(p);
        // regular files of sensible size only (never a FIFO or a device)
        text = st.isFile() && st.size <= 8 * 1024 * 1024 ? readFileSync(p, 'utf8') : undefined;
      } catch {
        text = undefined;
      }
      cache.set(p, text);
      return text;
    },
  };
}
diskFiles.cache = undefined as Map<string, string | undefined> | undefined;

// ---------------------------------------------------------------------------------------------
// JSON

interface JsonPosition {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** 1-based lines and columns; the end column is the one just past the last character. */
function jsonPosition(r: Range): JsonPosition {
  return { line: r.start.line + 1, column: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 };
}

function fileJson(r: FileResult) {
  return {
    path: r.path,
    layers: r.report.layers.map((l) => ({
      ...jsonPosition(l.call.range),
      callee: l.call.callee,
      qualifiedName: l.qualifiedName,
      framework: l.spec.framework,
      kind: l.spec.kind,
      cell: l.cell ?? null,
      arguments: l.arguments,
      effective: Object.fromEntries(Object.entries(l.effective).map(([k, v]) => [k, v.value])),
      via: l.origin?.via ?? 'import',
      ...(l.origin ? { how: l.origin.how } : {}),
      ...(l.origin?.definedBy
        ? { definedBy: { name: l.origin.definedBy.name, path: l.origin.definedBy.path ?? r.path, line: l.origin.definedBy.line + 1 } }
        : {}),
      ...(l.origin?.candidates ? { candidates: l.origin.candidates } : {}),
      ...(l.origin?.classes ? { classes: l.origin.classes } : {}),
      ...(l.origin?.computes ? { computes: l.origin.computes } : {}),
      // a caller passes something NormLens cannot follow: the classes given may not be all
      ...(l.origin?.unfollowed ? { unfollowed: { text: l.origin.unfollowed.text, line: l.origin.unfollowed.line + 1 } } : {}),
      ...(l.kwargsUnpacked ? { kwargsUnpacked: l.kwargsUnpacked } : {}),
      ...(l.argsUnpacked ? { argsUnpacked: l.argsUnpacked } : {}),
      // values a user class passes on from its own defaults, which a mapping of the call may replace
      ...(Object.values(l.effective).some((e) => e.maySetBy)
        ? { maySetBy: Object.fromEntries(Object.entries(l.effective).flatMap(([k, e]) => (e.maySetBy ? [[k, e.maySetBy]] : []))) }
        : {}),
      ...(Object.values(l.effective).some((e) => e.alternatives)
        ? { alternatives: Object.fromEntries(Object.entries(l.effective).flatMap(([k, e]) => (e.alternatives ? [[k, e.alternatives]] : []))) }
        : {}),
      // an expression the code gives several numbers at this call (a loop over a literal list)
      ...(Object.values(l.effective).some((e) => e.oneOf)
        ? { oneOf: Object.fromEntries(Object.entries(l.effective).flatMap(([k, e]) => (e.oneOf ? [[k, e.oneOf]] : []))) }
        : {}),
      ...(l.placement ? { placement: l.placement.kind, residualAddLine: l.placement.addLine + 1 } : {}),
      // γ or β a user class removes once built: by tensor, the statement and whether it certainly runs
      ...(l.removed ? { removed: l.removed } : {}),
      // γ or β a user class puts back once built where the arguments left it out
      ...(l.restored ? { restored: l.restored } : {}),
      // track_running_stats = False set once built with it True: the statement and whether it certainly runs
      ...(l.untracked ? { untracked: l.untracked } : {}),
    })),
    diagnostics: r.report.diagnostics.map((d) => ({
      ...jsonPosition(d.range),
      severity: d.severity,
      code: d.code,
      message: d.message,
      cell: d.cell ?? null,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Text

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', blue: '\x1b[34m', cyan: '\x1b[36m' };

const SEVERITY_COLOUR: Record<Severity, string> = { error: ANSI.red, warning: ANSI.yellow, info: ANSI.blue, hint: ANSI.dim };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

interface Totals extends Record<Severity, number> {
  files: number;
  layers: number;
}

const paintWith = (colour: boolean) => (style: string, s: string) => (colour ? style + s + ANSI.reset : s);

/** One file's text, written in pieces of at most 10,000 lines (no single string of the whole output). */
function writeFileText(r: FileResult, colour: boolean, write: (s: string) => void): void {
  const paint = paintWith(colour);
  const lines: string[] = [];
  const flush = () => {
    if (lines.length) write(lines.join('\n') + '\n');
    lines.length = 0;
  };
  {
    const { layers, diagnostics } = r.report;
    if (layers.length === 0 && diagnostics.length === 0) return;
    lines.push(paint(ANSI.bold, visibleText(r.path)));

    // (cells counted from 1 like lines, markdown cells included; JSON gives the 0-based index)
    const where = (range: Range, cell: number | undefined) =>
      `${cell === undefined ? '' : `cell ${cell + 1} `}${range.start.line + 1}:${range.start.character + 1}`;
    // Diagnostics inside a layer's call are listed under it; others (e.g. on the Conv before a
    // BatchNorm) take their own line in position order.
    const { owner, owned } = owners(layers, diagnostics);
    type Item = { at: [number, number]; layer?: ResolvedLayer; diagnostic?: NormDiagnostic };
    const items: Item[] = [
      ...layers.map((l): Item => ({ at: [l.cell ?? 0, l.call.range.startOffset], layer: l })),
      ...diagnostics.filter((d) => !owner.has(d)).map((d): Item => ({ at: [d.cell ?? 0, d.range.startOffset], diagnostic: d })),
    ].sort((a, b) => a.at[0] - b.at[0] || a.at[1] - b.at[1]);

    // A loop, not Math.max(...array): hundreds of thousands of arguments overflow the stack.
    let width = 0;
    for (const l of layers) width = Math.max(width, where(l.call.range, l.cell).length);
    for (const d of diagnostics) if (!owner.has(d)) width = Math.max(width, where(d.range, d.cell).length);
    const pad = ' '.repeat(width + 4);
    const severity = (d: NormDiagnostic) => paint(SEVERITY_COLOUR[d.severity], d.severity.padEnd(7));
    /**
     * A diagnostic's message and code, wrapped before 100 columns: `plainHead` measures the first
     * line's prefix, `head` is what is printed (possibly coloured), continuation lines are indented.
     */
    const message = (d: NormDiagnostic, plainHead: string, head: string, indent: number): string[] => {
      const words = `${visibleText(d.message, 'space')} [${d.code}]`.split(' ');
      const out: string[] = [];
      let line = '';
      let room = Math.max(100 - plainHead.length, 40);
      for (const w of words) {
        if (line && line.length + 1 + w.length > room) {
          out.push(line);
          line = w;
          room = Math.max(100 - indent, 40);
        } else line = line ? `${line} ${w}` : w;
      }
      out.push(line);
      const last = out.length - 1;
      out[last] = out[last].replace(`[${d.code}]`, paint(ANSI.dim, `[${d.code}]`));
      return out.map((t, i) => (i === 0 ? head : ' '.repeat(indent)) + t);
    };

    for (const item of items) {
      if (lines.length >= 10_000) flush();
      const d = item.diagnostic;
      if (d) {
        const head = `  ${where(d.range, d.cell).padEnd(width)}  `;
        lines.push(...message(d, head, `${head}${severity(d)} `, head.length + 8));
        continue;
      }
      const l = item.layer!;
      lines.push(
        `  ${where(l.call.range, l.cell).padEnd(width)}  ${paint(ANSI.bold, l.qualifiedName)}  ${paint(ANSI.dim, `${l.spec.framework} ${l.spec.kind}`)}`,
      );
      if (l.origin) {
        const others = otherClasses(l, true).map((x) => (x.userClass ? `user class ${x.name}` : x.name));
        const also = others.length ? `  (may also be ${others.join(', ')})` : '';
        // names and paths come from the user's files: shown as one visible line
        for (const line of wrap('found     ', [visibleText(`\`${l.call.callee}\`: ${l.origin.how}${also}`, 'space')], pad.length)) lines.push(pad + line);
      }
      const text = r.text[l.cell ?? 0] ?? '';
      const written: string[] = [];
      const elsewhere: string[] = [];
      const defaults: string[] = [];
      // (a value given outside the call: a user class's default, a partial's keyword, a caller's argument)
      // A hand-written module has none of the framework class's other fields (Flax's parent, promote_dtype...): only
      // the defaults of what it computes with are its own; framework plumbing (nnx rngs) is no value.
      const custom = l.origin?.computes !== undefined;
      const roleNames = new Set<string>(Object.values(l.spec.roles).filter((v): v is string => typeof v === 'string'));
      // (a frozen BatchNorm has no momentum and keeps no statistics up to date)
      if (l.origin?.frozen) for (const r of [l.spec.roles.momentum, l.spec.roles.trackRunningStats]) if (r) roleNames.delete(r);
      for (const [name, arg] of Object.entries(l.effective)) {
        if (custom && (l.spec.params.find((q) => q.name === name)?.plumbing || (arg.isDefault && !roleNames.has(name)))) continue;
        if (arg.isDefault) defaults.push(`${name}=${shownValue(pyRepr(arg.value))}`);
        else if (givenAtCall(l, name)) written.push(`${visibleText(name)}=${writtenText(l, text, arg.range) ?? shownValue(pyRepr(arg.value))}`);
        else elsewhere.push(`${visibleText(name)}=${shownValue(pyRepr(arg.value))}`);
      }
      for (const line of wrap('written   ', written, pad.length)) lines.push(pad + line);
      for (const line of wrap('elsewhere ', elsewhere, pad.length)) lines.push(pad + line);
      for (const line of wrap('defaults  ', defaults, pad.length)) lines.push(pad + paint(ANSI.dim, line));
      // a `**mapping` that may replace a default that matters (eps, momentum ...), said once
      const u = l.kwargsUnpacked;
      const roles = new Set<string>(Object.values(l.spec.roles).filter((v): v is string => typeof v === 'string'));
      const unsure = u ? Object.keys(l.effective).filter((n) => l.effective[n].isDefault && (!u.keys || u.keys.includes(n))) : [];
      if (u && unsure.some((n) => roles.has(n)))
        lines.push(`${pad}unpacked  ${visibleText(u.text)} may set ${u.keys ? unsure.join(', ') : 'any of the defaults'}`);
      // the parameters a `*sequence` the code fixes gives
      if (l.argsUnpacked) lines.push(`${pad}unpacked  ${visibleText(l.argsUnpacked.text)} gives ${l.argsUnpacked.names.join(', ')}`);
      // values a user class passes on from its own defaults, which a mapping of the call may replace
      const through = Object.keys(l.effective).filter((n) => l.effective[n].maySetBy?.startsWith('*') && roles.has(n));
      if (through.length) lines.push(`${pad}unpacked  ${visibleText(l.effective[through[0]].maySetBy!)} may set ${through.join(', ')}`);
      // attributes set on the layer once it is built (`self.f.eps = 1e-3`)
      for (const [n, e] of Object.entries(l.effective))
        if (e.maySetBy && !e.maySetBy.startsWith('*') && roles.has(n)) lines.push(`${pad}changed   ${visibleText(e.maySetBy)}`);
      // γ or β a user class removes once built (`self.weight = None`), or may remove
      for (const [t, r] of Object.entries(l.removed ?? {}))
        lines.push(`${pad}${r.definite ? 'removed  ' : 'changed  '} ${visibleText(r.definite ? `${t}: ${r.code}` : r.code)}`);
      for (const [t, r] of Object.entries(l.restored ?? {}))
        lines.push(`${pad}${r.definite ? 'restored ' : 'changed  '} ${visibleText(r.definite ? `${t}: ${r.code}` : r.code)}`);
      // running statistics no longer tracked once built (`self.track_running_stats = False`), or maybe
      if (l.untracked) lines.push(`${pad}${l.untracked.definite ? 'untracked' : 'changed  '} ${visibleText(l.untracked.code)}`);
      // the same class from other callers, with other values
      const varies = Object.entries(l.effective).filter(([, e]) => e.alternatives);
      for (const line of wrap(
        'varies    ',
        varies.map(([k, e]) => `${visibleText(k)}=${[e.value, ...e.alternatives!].map((v) => shownValue(pyRepr(v))).join('|')}`),
        pad.length,
      ))
        lines.push(pad + line);
      // an expression the code gives several numbers here
      for (const line of wrap(
        'one of    ',
        Object.entries(l.effective)
          .filter(([, e]) => e.oneOf)
          .map(([k, e]) => `${visibleText(k)}=${e.oneOf!.map((v) => shownValue(pyRepr(v))).join('|')}`),
        pad.length,
      ))
        lines.push(pad + line);
      if (l.placement) lines.push(`${pad}placed    ${placementText({ kind: l.placement.kind, addLine: l.placement.addLine + 1 })}`);
      for (const x of owned.get(l) ?? []) {
        const at = where(x.range, x.cell);
        lines.push(...message(x, `${pad}${'x'.repeat(8)}${at}  `, `${pad}${severity(x)} ${paint(ANSI.dim, at)}  `, pad.length + 8));
      }
    }
    lines.push('');
  }
  flush();
}

function summaryText(totals: Totals, colour: boolean): string {
  const paint = paintWith(colour);
  const summary = [
    plural(totals.files, 'file'),
    plural(totals.layers, 'layer'),
    plural(totals.error, 'error'),
    plural(totals.warning, 'warning'),
    `${totals.info} info`,
  ].join(', ');
  return (totals.error ? paint(ANSI.red, summary) : summary) + '\n';
}

/** A value for the terminal: one visible line (no control or bidi characters), at most MAX_SHOWN_VALUE characters. */
function shownValue(s: string): string {
  const v = visibleText(s, 'space');
  return v.length > MAX_SHOWN_VALUE ? v.slice(0, MAX_SHOWN_VALUE - 3) + '...' : v;
}

/**
 * The layer whose call contains each diagnostic (innermost when calls nest), in O((L + D) log(L + D)):
 * a sweep in position order keeping the stack of calls open at the current position.
 */
function owners(
  layers: readonly ResolvedLayer[],
  diagnostics: readonly NormDiagnostic[],
): { owner: Map<NormDiagnostic, ResolvedLayer>; owned: Map<ResolvedLayer, NormDiagnostic[]> } {
  const owner = new Map<NormDiagnostic, ResolvedLayer>();
  const owned = new Map<ResolvedLayer, NormDiagnostic[]>();
  type Event = { cell: number; start: number; end: number; layer?: ResolvedLayer; diagnostic?: NormDiagnostic };
  const events: Event[] = [
    ...layers.map((l): Event => ({ cell: l.cell ?? -1, start: l.call.range.startOffset, end: l.call.range.endOffset, layer: l })),
    ...diagnostics.map((d): Event => ({ cell: d.cell ?? -1, start: d.range.startOffset, end: d.range.endOffset, diagnostic: d })),
  ];
  // Same start: the layer first (so that it is open for its own diagnostics), outer calls before inner ones.
  events.sort((a, b) => a.cell - b.cell || a.start - b.start || (a.layer ? 0 : 1) - (b.layer ? 0 : 1) || b.end - a.end);
  const open: Event[] = [];
  let cell = NaN;
  for (const e of events) {
    if (e.cell !== cell) {
      open.length = 0;
      cell = e.cell;
    }
    while (open.length && open[open.length - 1].end < e.start) open.pop();
    if (e.layer) {
      open.push(e);
      continue;
    }
    const d = e.diagnostic!;
    for (let i = open.length - 1; i >= 0; i--) {
      if (open[i].end >= e.end) {
        const l = open[i].layer!;
        owner.set(d, l);
        const list = owned.get(l);
        if (list) list.push(d);
        else owned.set(l, [d]);
        break;
      }
    }
  }
  return { owner, owned };
}

/** Items after a label, two spaces apart, wrapped before 100 columns with a hanging indent. */
function wrap(label: string, items: string[], indent: number): string[] {
  if (items.length === 0) return [];
  const limit = Math.max(100 - indent, 40);
  const out: string[] = [];
  let line = label;
  for (const item of items) {
    if (line.length > label.length && line.length + 2 + item.length > limit) {
      out.push(line);
      line = ' '.repeat(label.length) + item;
    } else line += (line.length > label.length ? '  ' : '') + item;
  }
  out.push(line);
  return out;
}

/** What the user wrote for an argument's value, on one line. */
function writtenText(l: ResolvedLayer, text: string, r: Range | undefined): string | undefined {
  if (!r) return undefined;
  const arg = l.call.args.find((a) => a.valueRange.startOffset === r.startOffset || a.range.startOffset === r.startOffset);
  // an argument that reached the layer from elsewhere (a partial, a subclass's __init__) is shown by value
  if (!arg && l.origin) return undefined;
  const v = arg ? arg.valueRange : r;
  return shownValue(text.slice(v.startOffset, Math.min(v.endOffset, v.startOffset + 4 * MAX_SHOWN_VALUE)));
}
