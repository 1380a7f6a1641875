import * as assert from 'node:assert/strict';
import { checkDocument, runRules } from '../../../src/checks';
import { astScan } from './astScan';
import type { NormDiagnostic, TextEdit } from '../../../src/checks/types';

/** The source text a diagnostic underlines. */
export const underlined = (src: string, d: NormDiagnostic) => src.slice(d.range.startOffset, d.range.endOffset);

/** Apply edits (non-overlapping) to a text. */
export function applyEdits(src: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.range.startOffset - a.range.startOffset);
  let out = src;
  for (const e of sorted) out = out.slice(0, e.range.startOffset) + e.newText + out.slice(e.range.endOffset);
  return out;
}

/** 0-based line/character of an offset, computed independently of the code under test. */
export function positionOf(src: string, offset: number): { line: number; character: number } {
  const before = src.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1].length };
}

/** Check that a diagnostic's line/character positions agree with its offsets. */
export function assertConsistent(src: string, d: NormDiagnostic): void {
  assert.deepEqual(d.range.start, positionOf(src, d.range.startOffset));
  assert.deepEqual(d.range.end, positionOf(src, d.range.endOffset));
  for (const f of d.fixes) {
    for (const e of f.edits) {
      assert.deepEqual(e.range.start, positionOf(src, e.range.startOffset));
      assert.deepEqual(e.range.end, positionOf(src, e.range.endOffset));
    }
  }
}

/** Diagnostics of a snippet, with every range checked for consistency. */
const scans = new Map<string, ReturnType<typeof astScan>>();

export function check(src: string): NormDiagnostic[] {
  let scanned = scans.get(src);
  if (!scanned) scans.set(src, (scanned = astScan(src)));
  const { scan, layers } = scanned;
  const ds = runRules(scan, layers);
  for (const d of ds) assertConsistent(src, d);
  // The product's own recognizer must lead to exactly the same diagnostics as CPython's parse.
  const strip = (x: NormDiagnostic[]) => JSON.parse(JSON.stringify(x));
  assert.deepEqual(strip(checkDocument(src)), strip(ds));
  return ds;
}

/** Codes of a snippet's diagnostics, in order. */
export const codes = (src: string) => check(src).map((d) => d.code);

/** The only diagnostic of a snippet with the given code. */
export function only(src: string, code: string): NormDiagnostic {
  const ds = check(src).filter((d) => d.code === code);
  assert.equal(ds.length, 1, `expected one ${code}, got ${JSON.stringify(check(src).map((d) => [d.code, d.message]))}`);
  return ds[0];
}

/** Apply the fix with the given index and return the new text. */
export const fixed = (src: string, d: NormDiagnostic, index = 0) => applyEdits(src, d.fixes[index].edits);

export const TORCH = 'import torch\nimport torch.nn as nn\n';
export const KERAS = 'import keras\nfrom keras import layers\n';
export const FLAX = 'import flax.linen as nn\n';
