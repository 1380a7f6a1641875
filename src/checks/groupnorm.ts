/** GroupNorm facts shared by its checks: the group count and the channel count it splits, and the divisors near a count. */
import type { ResolvedLayer } from '../python/types';
import { intValue, layoutOf, onlyThrough, type ProducerCall, type RuleContext } from './context';
import { axisMoved, KEEP_CHANNELS, outCount, role, type Bound } from './check';

export interface GroupFacts {
  groups: Bound;
  groupCount: number;
  channels?: { count: number; bound?: Bound; from?: ProducerCall };
}

export function groupFacts(ctx: RuleContext, layer: ResolvedLayer): GroupFacts | undefined {
  const groups = role(layer, 'groups');
  if (!groups) return undefined;
  const groupCount = intValue(groups.effective.value);
  if (groupCount === undefined) return undefined;
  // A sentinel such as Keras's groups=-1 (one group per channel) divides any channel count.
  if (groupCount === layer.spec.groupsPerChannel) return undefined;
  // Flax sizes groups by group_size instead when it is given; the group count is then not in play.
  const groupSize = layer.effective.group_size;
  if (groupSize && !groupSize.isDefault && groupSize.value !== null) return undefined;
  const ch = role(layer, 'channels');
  if (ch) {
    const count = intValue(ch.effective.value);
    return { groups, groupCount, channels: count === undefined ? undefined : { count, bound: ch } };
  }
  // The class takes no channel count (e.g. it infers it from the input): use the layer that feeds it.
  // Only where the norm certainly receives that output (Sequential order or functional data flow), and
  // groups the producer's channels (Keras GroupNormalization(axis=1) after a channels-last Conv2D groups its rows).
  if (axisMoved(layer)) return { groups, groupCount };
  const feed = ctx.feeding.get(layer);
  if (feed && !onlyThrough(feed, KEEP_CHANNELS)) return { groups, groupCount };
  const out = feed && outCount(feed.producer);
  if (feed && out !== undefined && !layoutOf(feed.producer)) {
    return { groups, groupCount, channels: { count: out, from: feed.producer } };
  }
  return { groups, groupCount };
}

/** The divisors of n closest to g, one below and one above when they exist, nearest first. */
export function nearestDivisors(n: number, g: number): number[] {
  // Divisors come in pairs (d, n / d) with d <= sqrt(n); absurd channel counts get no suggestion.
  if (!Number.isSafeInteger(n) || n < 1 || n > 1e12) return [];
  let below: number | undefined;
  let above: number | undefined;
  const consider = (d: number) => {
    if (d < g && (below === undefined || d > below)) below = d;
    if (d > g && (above === undefined || d < above)) above = d;
  };
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    consider(d);
    consider(n / d);
  }
  const out = [below, above].filter((d): d is number => d !== undefined);
  return out.sort((a, b) => Math.abs(a - g) - Math.abs(b - g) || a - b);
}
