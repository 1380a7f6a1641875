/** groupnorm-groups-positive: a GroupNorm with zero or negative groups (the constructor raises). */
import type { NormDiagnostic } from './types';
import { anchor, diagnostic, shortName, type DiagnosticCheck } from './check';
import { groupFacts } from './groupnorm';

export const groupsPositive: DiagnosticCheck = {
  code: 'groupnorm-groups-positive',
  severity: 'error',
  title: 'GroupNorm needs at least one group',
  explanation:
    'Group normalization splits the channels into groups and normalizes each group of each sample on its own. ' +
    'The number of groups must be a positive integer: zero groups divides by zero when the channels are split, ' +
    'and a negative count is meaningless. One group normalizes all channels together (like LayerNorm over C, H, W); ' +
    'as many groups as channels normalizes each channel on its own (like InstanceNorm).',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of ctx.layers) {
      const f = groupFacts(ctx, layer);
      if (!f || f.groupCount > 0) continue;
      out.push(diagnostic(this, `${shortName(layer)} needs a positive number of groups, got ${f.groups.name}=${f.groupCount}.`, anchor(layer, f.groups)));
    }
    return out;
  },
};
