/** Momentum conventions written out: the update equation (the weight of the new batch: core's newBatchWeight). */
import { newBatchWeight, type MomentumConvention } from '../core/conversions';
import { pyFloat } from './format';

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
