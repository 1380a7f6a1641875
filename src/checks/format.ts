/** How the rules write Python values into messages and fixes (Python's own spelling, shared with hovers). */
export { pyFloat as pyNumber, pyRepr, isExpr } from '../frameworks/read';

/** A float from arithmetic, cleaned of binary noise: 1 - 0.99 gives 0.01, not 0.010000000000000009. */
export function tidy(x: number): number {
  return Number(x.toPrecision(12));
}
