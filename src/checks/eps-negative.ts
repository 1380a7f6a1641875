/** eps-negative: a negative eps makes the square root NaN for small variances. */
import type { NormDiagnostic } from './types';
import { diagnostic, numberOf, refusedByTorch, role, shortName, type DiagnosticCheck } from './check';
import { pyNumber } from './format';

export const epsNegative: DiagnosticCheck = {
  code: 'eps-negative',
  severity: 'warning',
  title: 'Negative eps',
  explanation:
    'eps is added to the variance before the square root. A negative eps makes variance + eps negative whenever the ' +
    'variance is smaller than |eps| (a nearly constant slice, or a channel with tiny activations), and the square ' +
    'root of a negative number is NaN: the whole output of that slice becomes NaN. eps must be positive; a sign typo ' +
    '(-1e-5 for 1e-5) is the usual cause.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of [...ctx.layers, ...ctx.partials]) {
      const eb = role(layer, 'eps');
      const v = numberOf(eb?.effective.value);
      const at = eb?.written ?? eb?.mapped;
      if (!eb || !at || v === undefined || !(v < 0)) continue;
      const positive = pyNumber(-v);
      out.push(
        diagnostic(
          this,
          `${eb.name}=${pyNumber(v)} is negative: where the variance is below ${positive} the square root is taken of a ` +
            `negative number and ${shortName(layer)} returns NaN.${refusedByTorch(layer)}`,
          at.valueRange,
          eb.written ? [{ title: `Use ${eb.name}=${positive}`, edits: [{ range: eb.written.valueRange, newText: positive }] }] : [],
        ),
      );
    }
    return out;
  },
};
