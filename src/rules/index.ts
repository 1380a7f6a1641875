/**
 * Diagnostics for normalization layers: run every rule over a document or notebook.
 *
 * - `runRules(scan, layers)`: the rules over an existing scan (the editor keeps its scan up to date).
 * - `checkDocument(text)` / `checkNotebook(json)`: scan, resolve and check in one call.
 * - `analyzeDocument` / `analyzeNotebook`: the same, also returning the resolved layers (for `inspect`).
 */
import type { FrameworkId, FrameworkInfo } from '../frameworks/types';
import type { Range, ResolvedLayer } from '../python/types';
import { buildContext, type ScanInput } from './context';
import { frameworkInfo, recognize } from './recognizer';
import { RULES, type Rule } from './rules';
import type { NormDiagnostic, RuleInfo } from './types';
import { LineIndex } from './text';

export { RULES, nearestDivisors } from './rules';
export type { Rule } from './rules';
export type { ScanInput, RuleContext, Adjacency, ProducerCall } from './context';
export { resolveCallee } from './context';
export type { NormDiagnostic, QuickFix, TextEdit, Severity, RuleInfo } from './types';

/** Description of a rule by code (for the documentation behind a diagnostic's code link). */
export function ruleInfo(code: string): RuleInfo | undefined {
  const r = RULES.find((x) => x.code === code);
  return r && { code: r.code, severity: r.severity, title: r.title, explanation: r.explanation };
}

export interface RuleOptions {
  /** Codes of rules to skip. */
  disabled?: readonly string[];
  framework?: (id: FrameworkId) => FrameworkInfo | undefined;
}

const byPosition = (a: NormDiagnostic, b: NormDiagnostic) =>
  (a.cell ?? 0) - (b.cell ?? 0) || a.range.startOffset - b.range.startOffset || a.range.endOffset - b.range.endOffset || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

/** Run the rules over a scanned text and its resolved normalization layers. */
export function runRules(scan: ScanInput, layers: ResolvedLayer[], options: RuleOptions = {}): NormDiagnostic[] {
  const ctx = buildContext(scan, layers, options.framework ?? frameworkInfo);
  const disabled = new Set(options.disabled ?? []);
  const out: NormDiagnostic[] = [];
  for (const rule of RULES as readonly Rule[]) {
    if (disabled.has(rule.code)) continue;
    out.push(...rule.check(ctx));
  }
  return out.sort(byPosition);
}

export interface DocumentReport {
  layers: ResolvedLayer[];
  diagnostics: NormDiagnostic[];
}

export function analyzeDocument(text: string, options?: RuleOptions): DocumentReport {
  const { scan, layers } = recognize(text);
  return { layers, diagnostics: runRules(scan, layers, options) };
}

export function checkDocument(text: string, options?: RuleOptions): NormDiagnostic[] {
  return analyzeDocument(text, options).diagnostics;
}

export interface NotebookReport extends DocumentReport {
  /** Source of every cell by index (markdown and raw cells as empty strings). */
  cellTexts: string[];
}

/** The cells of a notebook's JSON, or a message saying why it is not one. */
export function notebookCells(json: string): { cells: { kind: string; text: string }[] } | { error: string } {
  let nb: unknown;
  try {
    nb = JSON.parse(json);
  } catch (e) {
    return { error: `not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const cells = (nb as { cells?: unknown })?.cells;
  if (!Array.isArray(cells)) return { error: 'not a Jupyter notebook (no "cells" list)' };
  const out: { kind: string; text: string }[] = [];
  for (const c of cells) {
    const kind = typeof c?.cell_type === 'string' ? c.cell_type : '';
    const src = c?.source;
    const text = typeof src === 'string' ? src : Array.isArray(src) && src.every((s) => typeof s === 'string') ? src.join('') : null;
    if (text === null) return { error: `cell ${out.length} has no text source` };
    out.push({ kind, text });
  }
  return { cells: out };
}

/**
 * A notebook's code cells are one program (an import in one cell serves the cells after it):
 * they are joined with line breaks, scanned once, and every position is mapped back to its cell.
 * IPython magics and shell escapes (`%...`, `!...` lines) are blanked before scanning.
 */
export function analyzeNotebook(json: string, options?: RuleOptions): NotebookReport | { error: string } {
  return analyzeNotebookWith(recognize, json, options);
}

/** analyzeNotebook with a given recognizer (the tests also run it on CPython's own parse). */
export function analyzeNotebookWith(
  recognizeText: typeof recognize,
  json: string,
  options?: RuleOptions,
): NotebookReport | { error: string } {
  const parsed = notebookCells(json);
  if ('error' in parsed) return parsed;
  const cellTexts = parsed.cells.map((c) => (c.kind === 'code' ? c.text : ''));
  const parts: { cell: number; start: number; end: number; line: number }[] = [];
  let program = '';
  let line = 0;
  parsed.cells.forEach((c, cell) => {
    if (c.kind !== 'code') return;
    if (program.length) {
      program += '\n';
      line++;
    }
    const start = program.length;
    program += c.text.replace(/^([ \t]*[%!].*)$/gm, (m) => ' '.repeat(m.length));
    parts.push({ cell, start, end: program.length, line });
    line += new LineIndex(c.text).position(c.text.length).line;
  });

  const { scan, layers } = recognizeText(program);
  const diagnostics = runRules(scan, layers, options);

  const partOf = (offset: number) => {
    let p = parts[0];
    for (const q of parts) if (q.start <= offset) p = q;
    return p;
  };
  const localRange = (r: Range, p: (typeof parts)[number]): Range => ({
    start: { line: r.start.line - p.line, character: r.start.character },
    end: { line: r.end.line - p.line, character: r.end.character },
    startOffset: r.startOffset - p.start,
    endOffset: r.endOffset - p.start,
  });
  /** Copy of `v` with every range inside it made cell-relative. */
  const remap = <T>(v: T, p: (typeof parts)[number]): T => {
    if (Array.isArray(v)) return v.map((x) => remap(x, p)) as T;
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (typeof o.startOffset === 'number' && typeof o.endOffset === 'number' && o.start && o.end) return localRange(o as unknown as Range, p) as T;
    const copy: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) copy[k] = k === 'spec' ? x : remap(x, p);
    return copy as T;
  };

  return {
    cellTexts,
    layers: layers.map((l) => {
      const p = partOf(l.call.range.startOffset);
      return { ...remap(l, p), cell: p.cell };
    }),
    diagnostics: diagnostics.map((d) => {
      const p = partOf(d.range.startOffset);
      return { ...remap(d, p), cell: p.cell };
    }),
  };
}

export function checkNotebook(json: string, options?: RuleOptions): NormDiagnostic[] {
  const r = analyzeNotebook(json, options);
  return 'error' in r ? [] : r.diagnostics;
}
