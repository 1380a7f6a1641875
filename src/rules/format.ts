/** How the rules write Python values into messages and fixes. */
import type { PyValue } from '../frameworks/types';

/** A number as Python's repr writes it: 0.1, 1e-05, 64. */
export function pyNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(x);
}

/** A float from arithmetic, cleaned of binary noise: 1 - 0.99 gives 0.01, not 0.010000000000000009. */
export function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

export function isExpr(v: PyValue | undefined): v is { expr: string } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A Python value as it would be written in source. */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return v.expr;
}
