/** eps-large: an eps above 0.1 dominates small variances. */
import type { NormDiagnostic } from './types';
import { defaultOf, diagnostic, numberOf, role, type DiagnosticCheck } from './check';
import { pyNumber, pyRepr } from './format';

export const epsLarge: DiagnosticCheck = {
  code: 'eps-large',
  severity: 'info',
  title: 'eps larger than 0.1',
  explanation:
    'eps is added to the variance before the square root, so it should be negligible next to the variances the layer ' +
    'sees (defaults are 1e-5 to 1e-3). An eps above 0.1 dominates small variances: features with variance below eps ' +
    'are shrunk instead of scaled to unit variance, and the output is no longer normalized. Intentional in rare ' +
    'cases; usually a typo such as 1e-1 for 1e-5, or a value meant for another argument.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of [...ctx.layers, ...ctx.partials]) {
      const eb = role(layer, 'eps');
      const v = numberOf(eb?.effective.value);
      const at = eb?.written ?? eb?.mapped;
      if (!eb || !at || v === undefined || !(v > 0.1)) continue;
      const def = defaultOf(layer, eb.name);
      out.push(
        diagnostic(
          this,
          `${eb.name}=${pyNumber(v)} is large next to typical variances: features whose variance is below it are ` + `not scaled to unit variance.`,
          at.valueRange,
          eb.written && typeof def === 'number' && def > 0
            ? [{ title: `Use ${eb.name}=${pyRepr(def)} (the default)`, edits: [{ range: eb.written.valueRange, newText: pyRepr(def) }] }]
            : [],
        ),
      );
    }
    return out;
  },
};
