/**
 * Reading effective arguments (Python values as the recognizer or `normlens compute` bound them)
 * into the plain numbers and flags the core needs. A value that cannot be used raises
 * ArgumentProblem; `guard` turns it into the `{ error }` that toCore returns.
 */
import type { CoreLayerSpec } from '../core/spec';
import type { PyValue } from './types';

export class ArgumentProblem extends Error {}

/** Whether a value is an expression NormLens could not evaluate (`{ expr: 'planes * 4' }`). */
export function isExpr(v: PyValue | undefined): v is { expr: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Python's repr of a float: exponent form below 1e-4 and from 1e16, with two exponent digits; nan, inf. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(x);
}

/**
 * A Python value as it would be written in source, the one spelling of every message, hover and
 * snippet: None, True/False, floats as `pyFloat`, strings quoted and escaped, sequences as tuples
 * (`(64,)`, `(1, 2)`: the recognizer keeps no list/tuple distinction), expressions as written.
 */
export function pyRepr(v: PyValue | undefined): string {
  if (v === undefined) return '<missing>';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyFloat(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(', ')}${v.length === 1 ? ',' : ''})`;
  return v.expr;
}

function literal(args: Record<string, PyValue>, name: string): PyValue {
  const v = args[name];
  if (v === undefined) throw new ArgumentProblem(`argument '${name}' is required`);
  if (isExpr(v)) {
    throw new ArgumentProblem(`${name}=${v.expr} is not a literal value; NormLens computes only with literal arguments`);
  }
  return v;
}

export function num(args: Record<string, PyValue>, name: string): number {
  const v = literal(args, name);
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ArgumentProblem(`${name} must be a number, got ${pyRepr(v)}`);
  return v;
}

export function numOrNone(args: Record<string, PyValue>, name: string): number | null {
  return args[name] === null ? null : num(args, name);
}

export function int(args: Record<string, PyValue>, name: string, min = 0): number {
  const v = literal(args, name);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ArgumentProblem(`${name} must be an integer, got ${pyRepr(v)}`);
  if (v < min) throw new ArgumentProblem(`${name} must be at least ${min}, got ${v}`);
  return v;
}

export function bool(args: Record<string, PyValue>, name: string): boolean {
  const v = literal(args, name);
  if (typeof v !== 'boolean') throw new ArgumentProblem(`${name} must be True or False, got ${pyRepr(v)}`);
  return v;
}

/** An int or a sequence of ints (PyTorch normalized_shape, Keras axis). */
export function ints(args: Record<string, PyValue>, name: string): number[] {
  const v = literal(args, name);
  const list = Array.isArray(v) ? v : [v];
  return list.map((e, i) => {
    if (typeof e !== 'number' || !Number.isInteger(e)) {
      throw new ArgumentProblem(`${name}${Array.isArray(v) ? `[${i}]` : ''} must be an integer, got ${pyRepr(e)}`);
    }
    return e;
  });
}

/** True when an optional tensor/attribute argument is given (anything but None). */
export function given(args: Record<string, PyValue>, name: string): boolean {
  return args[name] !== null && args[name] !== undefined;
}

export function fail(message: string): never {
  throw new ArgumentProblem(message);
}

export function guard(f: () => CoreLayerSpec): CoreLayerSpec | { error: string } {
  try {
    return f();
  } catch (e) {
    if (e instanceof ArgumentProblem) return { error: e.message };
    throw e;
  }
}

/**
 * Resolve axis arguments against an input rank: the set of axes, sorted, non-negative.
 * Duplicates and out-of-range axes are problems.
 */
export function resolveAxes(axes: number[], rank: number, name: string): number[] {
  const out = axes.map((a) => {
    if (a < -rank || a >= rank) fail(`${name}=${a} is out of range for a ${rank}-D input`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(out).size !== out.length) fail(`${name} repeats an axis`);
  return out.sort((a, b) => a - b);
}

/** The trailing dims of `shape` named by `axes`, which must be the last k axes. */
export function trailingShape(axes: number[], shape: readonly number[], name: string, layer: string): number[] {
  const rank = shape.length;
  const resolved = resolveAxes(axes, rank, name);
  const k = resolved.length;
  for (let i = 0; i < k; i++) {
    if (resolved[i] !== rank - k + i) {
      fail(
        `${layer} over ${name}=${pyRepr(axes.length === 1 ? axes[0] : axes)} is not over the trailing axes of a ${rank}-D input; NormLens computes it only over trailing axes`,
      );
    }
  }
  return shape.slice(rank - k);
}
