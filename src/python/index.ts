/**
 * The recognizer: where normalization layers are created or called in Python code, which
 * framework class each is, and with which effective arguments. Pure TypeScript (no editor or
 * Node APIs), linear in the text; see lexer.ts for why it is a hand-written scanner.
 */
import { BindingTimeline, resolveCalls } from './resolve';
import { scanRegion } from './scan';
import type { ResolvedLayer, ScanResult } from './types';

export { DocumentIndex } from './document';
export { recognizeNotebook, NotebookError } from './notebook';
export type { NotebookResult, NotebookCell } from './notebook';
export type * from './types';

/** Every call of a dotted name, every import, and lexical problems, in text order. */
export function scanPython(text: string): ScanResult {
  const r = scanRegion(text, 0, 0);
  return { calls: r.calls, imports: r.imports, errors: r.errors, rebinds: r.rebinds };
}

/** Layers of a scan, resolved through its imports. */
export function resolveScan(scan: ScanResult): ResolvedLayer[] {
  const t = new BindingTimeline();
  t.add(scan.imports, scan.rebinds);
  return resolveCalls(scan.calls, t.seal());
}

/** The normalization layers in a Python text. */
export function recognize(text: string): ResolvedLayer[] {
  return resolveScan(scanPython(text));
}
