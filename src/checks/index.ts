/**
 * Diagnostics for normalization layers: run every rule over a document or notebook.
 *
 * - `runRules(scan, layers)`: the rules over an existing scan (the editor keeps its scan up to date).
 * - `checkDocument(text)` / `checkNotebook(json)`: scan, resolve and check in one call.
 * - `analyzeDocument` / `analyzeNotebook`: the same, also returning the resolved layers (for `inspect`).
 */
import type { FrameworkId, FrameworkInfo } from '../frameworks/types';
import type { ResolvedLayer } from '../python/types';
import { buildContext, qualifier, type ScanInput } from './context';
import { frameworkInfo, recognize } from './recognizer';
import { NotebookError, recognizeNotebook, type NotebookResult, type SemanticOptions } from '../python';
import { BindingTimeline } from '../python/resolve';
import { NOTES, RULES } from './registry';
import type { NormDiagnostic, RuleInfo } from './types';

/** IPython magics and shell escapes, blanked before the rules look at a cell (as the recognizer does). */
const MAGIC = /^[ \t]*[%!].*$/gm;

export { CHECKS, NOTES, RULES } from './registry';
export { nearestDivisors } from './groupnorm';
export type { ScanInput } from './context';
export { qualifier } from './context';
export type { NormDiagnostic, RuleInfo } from './types';

/** Description of a diagnostic check by code (for the documentation behind a diagnostic's code link). */
export function ruleInfo(code: string): RuleInfo | undefined {
  const r = RULES.find((x) => x.code === code);
  return r && { code: r.code, severity: r.severity, title: r.title, explanation: r.explanation };
}

/** A note check's hover line about one layer. `text` marks code with backticks. */
export interface LayerNote {
  code: string;
  title: string;
  text: string;
}

/** The notes that hold for this layer (its own arguments make them true), in registry order. */
export function layerNotes(layer: ResolvedLayer): LayerNote[] {
  const out: LayerNote[] = [];
  for (const c of NOTES) {
    const text = c.note(layer);
    if (text !== undefined) out.push({ code: c.code, title: c.title, text });
  }
  return out;
}

export interface RuleOptions {
  /** Codes of rules to skip. */
  disabled?: readonly string[];
  /** How the semantic model reaches other files of the project (sibling imports). */
  semantic?: SemanticOptions;
  framework?: (id: FrameworkId) => FrameworkInfo | undefined;
}

/** Diagnostics in the order they are reported: by cell, place, then code. */
export const byPosition = (a: NormDiagnostic, b: NormDiagnostic) =>
  (a.cell ?? 0) - (b.cell ?? 0) ||
  a.range.startOffset - b.range.startOffset ||
  a.range.endOffset - b.range.endOffset ||
  (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

/** Run the rules over a scanned text and its resolved normalization layers. */
export function runRules(scan: ScanInput, layers: ResolvedLayer[], options: RuleOptions = {}): NormDiagnostic[] {
  const ctx = buildContext(scan, layers, options.framework ?? frameworkInfo);
  const disabled = new Set(options.disabled ?? []);
  const out: NormDiagnostic[] = [];
  for (const rule of RULES) {
    if (disabled.has(rule.code)) continue;
    // A loop, not push(...): a rule may report more problems than a call takes arguments.
    for (const d of rule.check(ctx)) out.push(d);
  }
  return out.sort(byPosition);
}

export interface DocumentReport {
  layers: ResolvedLayer[];
  diagnostics: NormDiagnostic[];
}

export function analyzeDocument(text: string, options?: RuleOptions): DocumentReport {
  const { scan, layers } = recognize(text, options?.semantic);
  // Every check looks at layers or at partials of norm classes: without either there is nothing
  // to check (and the data flow is never built).
  if (layers.length === 0 && !callsPartial(scan)) return { layers, diagnostics: [] };
  return { layers, diagnostics: runRules(scan, layers, options) };
}

/** Whether any call of the text is `functools.partial` (as the rules resolve callees). */
function callsPartial(scan: ScanInput): boolean {
  if (!scan.text.includes('partial')) return false;
  const rows = scan.rows;
  if (!rows) return true;
  const qualify = scan.qualify ?? qualifier(scan.imports, scan.rebinds);
  for (let k = 0; k < rows.count; k++) if (qualify(rows.callee(k), rows.start(k)) === 'functools.partial') return true;
  return false;
}

export function checkDocument(text: string, options?: RuleOptions): NormDiagnostic[] {
  return analyzeDocument(text, options).diagnostics;
}

export interface NotebookReport extends DocumentReport {
  /** Source of every cell up to the last code cell, by index (other cells as empty strings). */
  cellTexts: string[];
}

/**
 * A notebook's diagnostics, cell by cell: the recognizer scans each code cell (an import in one
 * cell serves the cells after it), and the rules run on each cell with that resolution. Pairs
 * such as a Conv followed by its norm are looked for within a cell. All positions are
 * cell-relative, with `cell` set to the cell's index in the notebook.
 */
export function analyzeNotebook(json: string, options?: RuleOptions & { maxSourceChars?: number }): NotebookReport | { error: string } {
  let nb: NotebookResult;
  try {
    nb = recognizeNotebook(json, { maxSourceChars: options?.maxSourceChars, semantic: options?.semantic });
  } catch (e) {
    if (e instanceof NotebookError) return { error: e.message };
    throw e;
  }
  const timeline = new BindingTimeline();
  for (const c of nb.cells) timeline.add(c.imports, c.rebinds, c.index);
  timeline.seal();

  const cellTexts: string[] = [];
  const diagnostics: NormDiagnostic[] = [];
  let affineNoted = false;
  // Layers by cell, once (a filter per cell would be O(cells × layers)).
  const layersByCell = new Map<number, ResolvedLayer[]>();
  for (const l of nb.layers) {
    const list = layersByCell.get(l.cell ?? 0);
    if (list) list.push(l);
    else layersByCell.set(l.cell ?? 0, [l]);
  }
  for (const c of nb.cells) {
    while (cellTexts.length < c.index) cellTexts.push('');
    cellTexts.push(c.source);
    const text = c.source.replace(MAGIC, (m) => ' '.repeat(m.length));
    const layers = layersByCell.get(c.index) ?? [];
    const scan: ScanInput = {
      text,
      calls: c.calls,
      imports: c.imports,
      qualify: (callee, at) => timeline.qualify(callee, c.index, at),
    };
    for (const d of runRules(scan, layers, options)) {
      // Once per notebook, as for a file.
      if (d.code === 'instancenorm-affine-default') {
        if (affineNoted) continue;
        affineNoted = true;
      }
      diagnostics.push({ ...d, cell: c.index });
    }
  }
  return { cellTexts, layers: nb.layers, diagnostics };
}

export function checkNotebook(json: string, options?: RuleOptions): NormDiagnostic[] {
  const r = analyzeNotebook(json, options);
  return 'error' in r ? [] : r.diagnostics;
}
