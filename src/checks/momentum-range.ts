/**
 * momentum-range: a running-statistics momentum outside [0, 1]. No framework refuses it (checked:
 * torch 2.13 BatchNorm2d, Keras 3.15.1 BatchNormalization and Flax 0.12.8 linen BatchNorm run a
 * training step with momentum=1.5 and -0.1 without an error), so it is a warning: the "average"
 * then extrapolates (a negative weight on the past or on the batch) and the running statistics
 * oscillate or run away from the data instead of following it.
 */
import type { NormDiagnostic, QuickFix } from './types';
import { defaultOf, diagnostic, numberOf, role, type DiagnosticCheck } from './check';
import { pyNumber, pyRepr } from './format';

export const momentumRange: DiagnosticCheck = {
  code: 'momentum-range',
  severity: 'warning',
  title: 'Momentum outside [0, 1]',
  explanation:
    'The running statistics are a weighted average of the old value and the batch: running = (1 - m) * running + ' +
    'm * batch in PyTorch, m * running + (1 - m) * batch in Keras and Flax. A weight outside [0, 1] makes one of ' +
    'the two weights negative, so the update extrapolates: the running mean and variance overshoot, oscillate from ' +
    'batch to batch and can turn negative (a negative running variance gives NaN in evaluation). PyTorch, Keras and ' +
    'Flax accept such a value without an error. Use a momentum between 0 and 1; the fix offers the default.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of [...ctx.layers, ...ctx.partials]) {
      const b = role(layer, 'momentum');
      const m = numberOf(b?.effective.value);
      const at = b?.written ?? b?.mapped;
      if (!b || !at || m === undefined || (m >= 0 && m <= 1) || !Number.isFinite(m)) continue;
      const info = ctx.framework(layer.spec.framework);
      if (!info?.momentumConvention) continue;
      const def = defaultOf(layer, b.name);
      const range = at.valueRange;
      const fixes: QuickFix[] =
        b.written && typeof def === 'number' ? [{ title: `Use ${b.name}=${pyRepr(def)} (the default)`, edits: [{ range, newText: pyRepr(def) }] }] : [];
      const weights =
        info.momentumConvention === 'new-weight'
          ? `the new batch gets weight ${pyNumber(m)} and the old average ${pyNumber(Number((1 - m).toPrecision(12)))}`
          : `the old average keeps weight ${pyNumber(m)} and the new batch gets ${pyNumber(Number((1 - m).toPrecision(12)))}`;
      out.push(
        diagnostic(
          this,
          `${b.name}=${pyNumber(m)} is outside [0, 1]: in ${info.name} ${weights}, so the running statistics ` +
            `extrapolate instead of averaging (they overshoot and oscillate; the variance can turn negative).`,
          range,
          fixes,
        ),
      );
    }
    return out;
  },
};
