/**
 * The recognizer: where normalization layers are created or called in Python code, which
 * framework class each is, and with which effective arguments. Pure TypeScript (no editor or
 * Node APIs), linear in the text; see lexer.ts for why it is a hand-written scanner.
 */
import { BindingTimeline, bindLayer, specAt } from './resolve';
import { scanRegion } from './scan';
import { materialize, materializeAll, positionsOf } from './table';
import type { ResolvedLayer, ScanResult } from './types';
import { PythonModule } from './module';
import type { SemanticOptions } from './semantic/index';

export { DocumentIndex } from './document';
export { PythonModule, SHARED, type BlockAnalysis, type BlockPlace, type Move } from './module';
export type { SemanticOptions, Seed } from './semantic/index';
export { SeedExchange, solveSeeds, seedsByTarget } from './semantic/index';
export { ProjectGraph, moduleNameOf, importedModules, preloadPaths, mayPatch, type ProjectFiles } from './semantic/graph';
export { recognizeNotebook, NotebookError } from './notebook';
export type { NotebookResult } from './notebook';
export type * from './types';

/** Every call of a dotted name, every import, and lexical problems, in text order. */
export function scanPython(text: string): ScanResult {
  const r = scanRegion(text, 0, 0);
  return { calls: materializeAll(r.table, text, positionsOf(r.lines)), imports: r.imports, errors: r.errors, rebinds: r.rebinds };
}

/** The normalization layers written as direct calls of a framework class (no semantic model). */
export function recognizeDirect(text: string): ResolvedLayer[] {
  const r = scanRegion(text, 0, 0);
  const t = new BindingTimeline();
  t.add(r.imports, r.rebinds);
  t.seal();
  const out: ResolvedLayer[] = [];
  const table = r.table;
  const pos = positionsOf(r.lines);
  for (let k = 0; k < table.n; k++) {
    const spec = specAt(table.callee[k], table.start(k), t);
    if (spec) out.push(bindLayer(materialize(table, k, text, pos), spec));
  }
  return out;
}

/**
 * The normalization layers of a Python module: direct calls of framework classes, and those
 * built indirectly (parameters with norm defaults, partials, aliases, attributes, registries,
 * subclasses, hand-written norm modules), each with `origin` saying how it was found.
 */
export function recognize(text: string, options?: SemanticOptions): ResolvedLayer[] {
  return new PythonModule(text, options).layers;
}
