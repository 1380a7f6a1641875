/**
 * The diagnostics of a module being edited, kept per block. A PythonModule read after edits is
 * analyzed block by block (../python/semantic/blocks.ts: top-level statements connected by
 * module-level names; an edit re-analyzes only the blocks whose statements changed or moved to
 * other lines). Most checks report on a layer from what lies in those statements (its arguments,
 * the calls and data flow around it), so their diagnostics are computed once per block analysis
 * and moved with it; the few that read the whole file (DiagnosticCheck.moduleScope) run over the
 * module each time, with only the layers they can report on. The result equals runRules over a
 * fresh analysis of the same text (a test holds it to that along streams of edits).
 */
import type { BlockAnalysis, BlockPlace, Move, PythonModule } from '../python';
import { SHARED } from '../python';
import { detachStrings } from '../python/detach';
import type { CallRows, Range, ResolvedLayer } from '../python/types';
import { buildContext, checkedLayers, type ScanInput } from './context';
import { frameworkInfo } from './recognizer';
import { RULES } from './registry';
import { ChunkedMask, LineIndex } from './text';
import { byPosition, runRules, type RuleOptions } from './index';
import type { NormDiagnostic } from './types';

const BLOCK_RULES = RULES.filter((r) => !r.moduleScope);
const MODULE_RULES = RULES.filter((r) => r.moduleScope);

/** The rows of calls starting in some ranges of rows, as one list. */
function rowsOf(all: CallRows, ranges: readonly [number, number][]): CallRows {
  const map: number[] = [];
  for (const [a, b] of ranges) for (let k = a; k < b; k++) map.push(k);
  return {
    count: map.length,
    start: (k) => all.start(map[k]),
    end: (k) => all.end(map[k]),
    complete: (k) => all.complete(map[k]),
    callee: (k) => all.callee(map[k]),
    call: (k) => all.call(map[k]),
  };
}

/** A range at a block's new place (as moveFound moves one; written out: every edit moves the diagnostics of the blocks below it). */
function moveRange(r: Range, m: Move): Range {
  return {
    start: { line: m.lineAt(r.start.line, r.startOffset), character: r.start.character },
    end: { line: m.lineAt(r.end.line, r.endOffset), character: r.end.character },
    startOffset: m.offset(r.startOffset),
    endOffset: m.offset(r.endOffset),
  };
}

/** A diagnostic at a block's new place: its ranges and its fixes' edits (messages name no line of the file). */
function moveDiagnostic(d: NormDiagnostic, m: Move): NormDiagnostic {
  const out: NormDiagnostic = {
    ...d,
    range: moveRange(d.range, m),
    fixes: d.fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, range: moveRange(e.range, m) })) })),
  };
  if (d.about) out.about = moveRange(d.about, m);
  return out;
}

/** A block's diagnostics, and where its statements were when they were found. */
interface Found {
  place: BlockPlace;
  diagnostics: NormDiagnostic[];
}

export class ModuleDiagnostics {
  /** What the block checks found in each block analysis (kept as long as the analysis is: a docstring closed again brings old ones back). */
  private found = new WeakMap<BlockAnalysis, Found>();
  private readonly mask = new ChunkedMask();
  /** What checks found chunk by chunk, by chunk id (ScanInput.chunks). */
  private readonly memo = new Map<string, unknown>();

  /** Milliseconds of the last call, by phase (for the bench). */
  phases = { mask: 0, blocks: 0, loose: 0, module: 0 };
  /** Block analyses (pieces of a large block each count) the last call checked, and those whose diagnostics it moved or kept (for the bench and tests). */
  stats = { checked: 0, moved: 0, kept: 0 };

  constructor(private readonly module: PythonModule) {}

  /** Every diagnostic of the module's current text, in position order. */
  diagnostics(options: RuleOptions = {}): NormDiagnostic[] {
    const m = this.module;
    const index = m.index;
    const text = index.text;
    let t0 = performance.now();
    const ph = { mask: 0, blocks: 0, loose: 0, module: 0 };
    const lap = (k: keyof typeof ph) => {
      const t = performance.now();
      ph[k] += t - t0;
      t0 = t;
    };
    const chunks = m.statementChunks();
    // (the whole masked text only when a check reads it: most look at the chunks near their calls)
    const mask = this.mask;
    let maskedText: string | undefined;
    const whole = () => (maskedText ??= mask.mask(text, chunks.starts, chunks.ids));
    const ids = chunks.ids;
    const masked = (i: number) => mask.chunk(text, chunks.starts, ids!, i);
    if (this.memo.size > 4 * chunks.starts.length + 1000) this.memo.clear();
    const imports = [...index.imports];
    const rebinds = [...index.rebinds];
    if (!m.analyzedByBlock) return runRules({ text, rows: index.callRows(), imports, rebinds, flow: m.flow(), masked: whole() }, m.layers, options);
    const blocks = m.blocks();
    lap('mask');
    const rows = index.callRows();
    const lines = new LineIndex(text, index.lineStartOffsets());
    // (the module's table of this text, made only when a check asks)
    const qualify = (callee: string, at: number) => m.qualifier()(callee, at);
    const framework = options.framework ?? frameworkInfo;
    const scanOf = (r: CallRows, edges: () => ReturnType<BlockAnalysis['edgesNow']>): ScanInput => ({
      text,
      rows: r,
      imports,
      rebinds,
      qualify,
      flow: { edges },
      get masked() {
        return whole();
      },
      lines,
      chunks: ids ? { starts: chunks.starts, ids, memo: this.memo, masked } : undefined,
    });
    const out: NormDiagnostic[] = [];
    const stats = { checked: 0, moved: 0, kept: 0 };
    for (const b of blocks) {
      let f = this.found.get(b);
      if (!f) {
        stats.checked++;
        const ctx = buildContext(
          scanOf(
            rowsOf(
              rows,
              b.own.map((o) => index.rowsIn(o.from, o.to)),
            ),
            () => b.edgesNow(),
          ),
          b.layersNow(),
          framework,
        );
        const diagnostics: NormDiagnostic[] = [];
        for (const rule of BLOCK_RULES) for (const d of rule.check(ctx)) diagnostics.push(d);
        // (kept across edits: its strings must not keep this version of the text)
        f = { place: b.place, diagnostics: detachStrings(diagnostics, SHARED) };
      } else if (f.place !== b.place) {
        stats.moved++;
        const move = b.move(f.place, b.place);
        f = { place: b.place, diagnostics: f.diagnostics.map((d) => moveDiagnostic(d, move)) };
      } else stats.kept++;
      this.found.set(b, f);
      for (const d of f.diagnostics) out.push(d);
    }
    this.stats = stats;
    lap('blocks');
    // calls outside every block's statements (in import statements a half-typed line ran into)
    const loose = m.looseLayers();
    const looseRows = rowsOf(
      rows,
      m.looseRanges().map(([a, b]) => index.rowsIn(a, b)),
    );
    if (looseRows.count || loose.length) {
      const ctx = buildContext(
        scanOf(looseRows, () => []),
        [...loose],
        framework,
      );
      for (const rule of BLOCK_RULES) for (const d of rule.check(ctx)) out.push(d);
    }
    lap('loose');
    // the checks that read the whole file, with the layers they report on (built only when read)
    for (const rule of MODULE_RULES) {
      const wanted = rule.moduleScope!;
      const holders = blocks.filter((b) => b.builds(wanted));
      if (!holders.length && !loose.some(wanted)) continue;
      let layers: ResolvedLayer[] | null = null;
      const ctx = buildContext(
        scanOf(rows, () => []),
        [],
        framework,
      );
      Object.defineProperty(ctx, 'layers', {
        get: () =>
          (layers ??= checkedLayers([...loose.filter(wanted), ...holders.flatMap((b) => b.layersOf(wanted))]).sort(
            (a, b) => a.call.range.startOffset - b.call.range.startOffset,
          )),
      });
      for (const d of rule.check(ctx)) out.push(d);
    }
    const disabled = new Set(options.disabled ?? []);
    const result = (disabled.size ? out.filter((d) => !disabled.has(d.code)) : out).sort(byPosition);
    lap('module');
    this.phases = ph;
    return result;
  }
}
