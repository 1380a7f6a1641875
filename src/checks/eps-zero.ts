/** eps-zero: eps=0 leaves the division unguarded. */
import type { NormDiagnostic, QuickFix } from './types';
import { defaultOf, diagnostic, refusedByTorch, role, shortName, type DiagnosticCheck } from './check';
import { pyRepr } from './format';

const divisionKinds = new Set(['layer_norm', 'rms_norm', 'group_norm']);

export const epsZero: DiagnosticCheck = {
  code: 'eps-zero',
  severity: 'warning',
  title: 'eps=0 divides by zero on constant input',
  explanation:
    'Normalization divides by sqrt(variance + eps); eps exists to keep that division finite. With eps=0 a slice with ' +
    'zero variance (a constant or all-zero input, a padded region, a dead channel) divides 0 by 0: LayerNorm, ' +
    'GroupNorm and RMSNorm return NaN, and the NaN then spreads through the whole network. BatchNorm in evaluation ' +
    'divides by a running variance that can be exactly 0 for a channel that never varied. Use a small positive eps ' +
    '(the framework default is a good choice).',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of [...ctx.layers, ...ctx.partials]) {
      const eb = role(layer, 'eps');
      const at = eb?.written ?? eb?.mapped;
      if (!eb || !at || eb.effective.value !== 0) continue;
      const def = defaultOf(layer, eb.name);
      const fixes: QuickFix[] =
        eb.written && def !== undefined && (typeof def === 'number' ? def > 0 : def === null)
          ? [{ title: `Use ${eb.name}=${pyRepr(def)} (the default)`, edits: [{ range: eb.written.valueRange, newText: pyRepr(def) }] }]
          : [];
      const what = divisionKinds.has(layer.spec.kind)
        ? `a constant input gives 0/0 = NaN in ${shortName(layer)}`
        : `a channel with zero variance divides by zero in ${shortName(layer)}`;
      out.push(diagnostic(this, `${eb.name}=0 leaves nothing to guard the division: ${what}.${refusedByTorch(layer)}`, at.valueRange, fixes));
    }
    return out;
  },
};
