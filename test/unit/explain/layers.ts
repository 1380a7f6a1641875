/** Builds ResolvedLayer objects by hand, as the recognizer would for a call written in source. */
import { findByQualifiedName } from '../../../src/frameworks/index';
import type { BindingError } from '../../../src/frameworks/index';
import type { PyValue } from '../../../src/frameworks/types';
import type { CallArgument, Range, ResolvedLayer } from '../../../src/python/types';
import { pyRepr } from '../../../src/frameworks/read';

const range = (start: number, end: number): Range => ({
  start: { line: 0, character: start },
  end: { line: 0, character: end },
  startOffset: start,
  endOffset: end,
});

export function makeLayer(qualifiedName: string, callee: string, positional: PyValue[] = [], keywords: Record<string, PyValue> = {}): ResolvedLayer {
  const spec = findByQualifiedName(qualifiedName);
  if (!spec) throw new Error(`no table entry for ${qualifiedName}`);
  const args: CallArgument[] = [];
  const text = (v: PyValue) => pyRepr(v);
  positional.forEach((v) => args.push({ value: v, text: text(v), range: range(0, 0), valueRange: range(0, 0) }));
  Object.entries(keywords).forEach(([name, v]) => args.push({ name, value: v, text: text(v), range: range(0, 0), valueRange: range(0, 0) }));
  const bound: Record<string, PyValue> = {};
  positional.forEach((v, i) => (bound[spec.params[i].name] = v));
  Object.assign(bound, keywords);
  const effective: ResolvedLayer['effective'] = {};
  const bindingErrors: BindingError[] = [];
  for (const p of spec.params) {
    if (p.name in bound) effective[p.name] = { value: bound[p.name], isDefault: false };
    else if (p.default !== undefined) effective[p.name] = { value: p.default, isDefault: true };
    else bindingErrors.push({ problem: 'missing-required', callable: spec.name, param: p.name, names: [p.name], keywordOnly: !!p.keywordOnly });
  }
  return {
    call: { callee, calleeRange: range(0, callee.length), nameRange: range(0, callee.length), range: range(0, 40), args, complete: true },
    qualifiedName,
    spec,
    arguments: bound,
    effective,
    bindingErrors,
  };
}
