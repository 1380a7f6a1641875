/** Momentum conventions written out: the weight of the new batch and the update equation. */
import type { MomentumConvention } from '../frameworks/types';
import { pyFloat } from '../explain/format';

/** The weight a momentum gives the newest batch, in any convention. */
export function newBatchWeight(value: number, convention: MomentumConvention): number {
  return convention === 'new-weight' ? value : 1 - value;
}

/** The running-mean update written out with a momentum value, in that convention's own form. */
export function updateEquation(value: number, convention: MomentumConvention, stat = 'running_mean', batch = 'batch_mean'): string {
  const a = newBatchWeight(value, convention);
  const keepW = pyFloat(roundShort(1 - a));
  const newW = pyFloat(roundShort(a));
  const eq = `${stat} ← ${keepW}·${stat} + ${newW}·${batch}`;
  return convention === 'decay-debiased' ? `${eq}, then divided by (1 − ${pyFloat(value)}^t) when used` : eq;
}

/** Rounds away binary noise such as 1 − 0.9 = 0.09999999999999998. */
export function roundShort(x: number): number {
  return Number(x.toPrecision(12));
}

