/**
 * `normlens explain PATH:LINE[:COL] [--full] [--json]`: what the editor's hover shows for the
 * normalization layer at that place of a Python file, for terminals, CI and tests. The compact
 * hover by default (without its links, which only the editor can follow), the full explanation
 * with --full; --json prints the sections as JSON. Lines and columns are 1-based (columns in
 * UTF-16 units, as the editor counts them); without a column the line's first layer is explained.
 *
 * Exit codes: 0 explained, 1 no normalization layer at that place, 2 unusable input.
 */
import * as path from 'node:path';
import { analyzeDocument } from '../checks';
import { importedModules, moduleNameOf, preloadPaths, ProjectGraph, SeedExchange, seedsByTarget, type ProjectFiles, type Seed } from '../python';
import { readdirSync } from 'node:fs';
import type { ResolvedLayer } from '../python/types';
import { compactHover } from '../explain/compact';
import { explainLayer } from '../explain/hover';
import { truncateText, visibleText } from '../core/visible';
import { diskFiles, MAX_SOURCE_CHARS, readSource, shownPath, type InspectIO } from './inspect';
import { terminalSafeJson } from '../core/visible';

export const EXPLAIN_USAGE = `Usage: normlens explain PATH:LINE[:COL] [--full] [--json]

Explains the normalization layer at LINE (and COL) of a Python file as NormLens's hover in
VS Code does: what the line builds, what it normalizes over, the arguments that matter, the
parameter count, the checks that hold for it in this code, and a line of numbers computed on a
seeded sample. Lines and columns start at 1; without COL the line's first layer is explained.
What the other files of its folder that import it pass to its classes and functions is
taken into account (as the editor does with the files it has open).

  --full      the full explanation (formula, modes, every argument, other frameworks, advice,
              worked example)
  --json      the sections as one JSON object
  --decimals N  decimals of computed numbers (0 to 10, default 4)
  -h, --help  this text

Exit status: 0 explained, 1 no normalization layer there, 2 a bad argument or unreadable file.
`;

const shown = (s: string) => truncateText(visibleText(s), 200);

export async function runExplain(argv: string[], io: InspectIO): Promise<number> {
  let full = false;
  let json = false;
  let decimals = 4;
  let target: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--full') full = true;
    else if (a === '--json') json = true;
    else if (a === '-h' || a === '--help') {
      io.stdout(EXPLAIN_USAGE);
      return 0;
    } else if (a === '--decimals') {
      const v = argv[++i];
      if (v === undefined || !/^\d+$/.test(v) || Number(v) > 10) {
        io.stderr(`normlens explain: --decimals takes a whole number from 0 to 10${v === undefined ? '' : ` (got ${shown(v)})`}\n`);
        return 2;
      }
      decimals = Number(v);
    } else if (a.startsWith('-')) {
      io.stderr(`normlens explain: unknown option ${shown(a)}\n${EXPLAIN_USAGE}`);
      return 2;
    } else if (target !== undefined) {
      // (`model.py: 18`: the shell split one target at the space)
      const split = /:$/.test(target) && /^\d+(?::\d+)?$/.test(a);
      io.stderr(
        split
          ? `normlens explain: ${shown(target)} has no line number; write PATH:LINE without a space (${shown(target + a)})\n`
          : `normlens explain: one PATH:LINE[:COL] at a time (got also ${shown(a)})\n`,
      );
      return 2;
    } else target = a;
  }
  if (target === undefined) {
    io.stderr(`normlens explain: no PATH:LINE given\n${EXPLAIN_USAGE}`);
    return 2;
  }
  const m = /^(.+?):(\d+)(?::(\d+))?$/.exec(target);
  if (!m) {
    io.stderr(`normlens explain: expected PATH:LINE or PATH:LINE:COL with 1-based numbers, got ${shown(target)}\n`);
    return 2;
  }
  const file = m[1];
  const line = Number(m[2]);
  const col = m[3] === undefined ? undefined : Number(m[3]);
  if (line < 1 || (col !== undefined && col < 1)) {
    io.stderr(`normlens explain: lines and columns start at 1, got ${shown(target)}\n`);
    return 2;
  }
  if (/\.ipynb$/i.test(file)) {
    io.stderr(`normlens explain: ${shown(file)} is a notebook; normlens explain reads .py files (normlens inspect lists a notebook's layers)\n`);
    return 2;
  }
  const text = await readSource(file);
  if (typeof text !== 'string') {
    // (`model.py:2:1:5`: one number too many, read as the path `model.py:2`, which is not there)
    const extra = /^(.+?)(?::\d+)+$/.exec(file);
    if (extra && typeof (await readSource(extra[1])) === 'string') {
      io.stderr(`normlens explain: expected PATH:LINE or PATH:LINE:COL, got ${shown(target)} (more numbers than a line and a column)\n`);
      return 2;
    }
    io.stderr(`normlens explain: ${visibleText(text.problem)}\n`);
    return 2;
  }
  if (text.length > MAX_SOURCE_CHARS) {
    io.stderr(
      `normlens explain: ${shown(file)} has ${text.length} characters of source; normlens explain reads files of up to ${MAX_SOURCE_CHARS} characters (8 Mi)\n`,
    );
    return 2;
  }
  const lines = text.split(/\r\n|\r|\n/);
  if (line > lines.length) {
    // (the line as written: a number past 2^53 would print as 1e+22)
    io.stderr(`normlens explain: ${shown(file)} has ${lines.length} lines, no line ${shown(m[2].replace(/^0+(?=\d)/, ''))}\n`);
    return 2;
  }
  // (a column may point just past the line's last character, where an editor's cursor can be)
  if (col !== undefined && col > lines[line - 1].length + 1) {
    io.stderr(`normlens explain: line ${line} of ${shown(file)} has ${lines[line - 1].length} characters, no column ${col}\n`);
    return 2;
  }
  const files = diskFiles();
  const display = (p: string) => shownPath(p, process.cwd());
  const graph = new ProjectGraph(files, 64, display);
  const abs = path.resolve(file).split(path.sep).join('/');
  const me = moduleNameOf(abs, files);
  const exchange = new SeedExchange(graph, abs, file, callerSeeds(abs, graph, files, display));
  const report = analyzeDocument(text, { semantic: { host: graph.hostFor(abs), moduleName: me.name, isPackage: me.isPackage, path: file, exchange } });

  const layer = pick(report.layers, line - 1, col === undefined ? undefined : col - 1);
  if (!layer) {
    const near = report.layers.map((l) => l.call.range.start.line + 1).filter((l, i, a) => a.indexOf(l) === i);
    io.stderr(
      `normlens explain: no normalization layer at ${shown(file)}:${line}${col === undefined ? '' : `:${col}`}${near.length ? `; layers are on line${near.length > 1 ? 's' : ''} ${near.slice(0, 20).join(', ')}${near.length > 20 ? ', …' : ''}` : '; the file has none'}\n`,
    );
    return 1;
  }
  const others = col === undefined ? report.layers.filter((l) => l !== layer && l.call.range.start.line === line - 1).length : 0;
  if (others) io.stderr(`normlens explain: ${others + 1} layers start on line ${line}; explaining the first (give :COL to choose)\n`);
  const options = { decimals, seed: 0, diagnostics: report.diagnostics };
  const at = { path: file, line: layer.call.range.start.line + 1, column: layer.call.range.start.character + 1, qualifiedName: layer.qualifiedName };
  if (full) {
    const h = explainLayer(layer, { ...options, links: false });
    if (json) {
      const { exampleData, links, ...sections } = h.sections;
      void exampleData;
      void links;
      io.stdout(terminalSafeJson(JSON.stringify({ ...at, mode: 'full', sections, markdown: h.markdown }, null, 2)) + '\n');
    } else io.stdout(`${h.markdown}\n`);
  } else {
    const h = compactHover(layer, options);
    if (json) {
      const { links, ...sections } = h.sections;
      void links;
      io.stdout(terminalSafeJson(JSON.stringify({ ...at, mode: 'compact', sections, markdown: h.markdown }, null, 2)) + '\n');
    } else io.stdout(`${h.markdown}\n`);
  }
  return 0;
}

/** The layer at a 0-based line (and character): the innermost call there, else the line's first. */
function pick(layers: readonly ResolvedLayer[], line: number, character: number | undefined): ResolvedLayer | undefined {
  const covers = (l: ResolvedLayer) => {
    const { start, end } = l.call.range;
    if (line < start.line || line > end.line) return false;
    if (character === undefined) return true;
    if (line === start.line && character < start.character) return false;
    if (line === end.line && character > end.character) return false;
    return true;
  };
  const size = (l: ResolvedLayer) => l.call.range.endOffset - l.call.range.startOffset;
  const hits = layers.filter(covers);
  if (!hits.length) return undefined;
  if (character !== undefined) return hits.reduce((a, b) => (size(b) < size(a) ? b : a));
  // Without a column: the first call starting on this line, else the innermost covering it.
  const starting = hits.filter((l) => l.call.range.start.line === line).sort((a, b) => a.call.range.startOffset - b.call.range.startOffset);
  return starting[0] ?? hits.reduce((a, b) => (size(b) < size(a) ? b : a));
}

/** Most files of the folder read for their calls into the file explained. */
const MAX_CALLERS = 64;

/**
 * What the other Python files of the file's folder that import it pass to its functions and
 * classes (`Bottleneck(64, norm_layer=gn)` in net.py, for blocks.py): one round of the fixed point
 * `normlens inspect` solves over a folder, as the editor does over the files it holds open.
 */
function callerSeeds(abs: string, graph: ProjectGraph, files: ProjectFiles, display: (p: string) => string): Seed[] {
  const dir = abs.slice(0, abs.lastIndexOf('/')) || '/';
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.py'))
      .sort();
  } catch {
    return [];
  }
  const seeds: Seed[] = [];
  let callers = 0;
  for (const n of names) {
    if (callers >= MAX_CALLERS) break;
    const from = `${dir === '/' ? '' : dir}/${n}`;
    if (from === abs) continue;
    const text = files.read(from);
    if (text === undefined || !importedModules(text).some((w) => preloadPaths(w, from, files).includes(abs))) continue;
    callers++;
    const model = graph.modelOf(from);
    if (!model) continue;
    const exchange = new SeedExchange(graph, from, display(from));
    exchange.collect(model);
    seeds.push(...exchange.outgoing.filter((s) => s.target.path === abs));
  }
  return seedsByTarget([seeds]).get(abs) ?? [];
}
