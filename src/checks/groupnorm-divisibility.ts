/** groupnorm-divisibility: channels that the group count does not divide. */
import type { NormDiagnostic, QuickFix } from './types';
import { anchor, diagnostic, producerName, setArgument, type DiagnosticCheck } from './check';
import { channelMismatchOf } from './channel-mismatch';
import { groupFacts, nearestDivisors, type GroupFacts } from './groupnorm';
import { role } from './check';
import type { RuleContext } from './context';
import type { ResolvedLayer } from '../python/types';
import { pyRepr } from './format';

export const groupsDivide: DiagnosticCheck = {
  code: 'groupnorm-divisibility',
  severity: 'error',
  title: 'GroupNorm channels not divisible by the number of groups',
  explanation:
    'Group normalization splits the channels into groups of equal size, so the channel count must be a multiple of ' +
    'the number of groups. PyTorch refuses such a layer when it is constructed ("num_channels must be divisible by ' +
    'num_groups"); Keras and Flax fail when the layer first sees its input. Pick a group count that divides the ' +
    'channels; the quick fixes offer the nearest ones.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of ctx.layers) {
      const f = groupFacts(ctx, layer);
      if (f && !f.channels && f.groupCount > 0) {
        const d = mayNotDivide(this, ctx, layer, f);
        if (d) out.push(d);
      }
      if (!f || !f.channels || f.groupCount <= 0 || f.channels.count <= 0) continue;
      const { count } = f.channels;
      if (count % f.groupCount === 0) continue;
      const where = f.channels.bound
        ? `${f.channels.bound.name}=${count}`
        : `${count} channels (from the ${f.channels.from!.spec.qualifiedNames[0].split('.').pop()} before it)`;
      const choices = nearestDivisors(count, f.groupCount);
      // (a count that comes from a mapping or a sequence the call unpacks is not rewritten: a keyword beside it is a TypeError)
      const fixes: QuickFix[] = f.groups.mapped
        ? []
        : choices.map((d) => ({
            title: `Use ${f.groups.name}=${d}`,
            edits: [setArgument(ctx, layer.call, f.groups.name, String(d), f.groups.written)],
          }));
      // The layer feeding it produces another channel count: that count is the likelier bug, so its fix comes first.
      const feed = ctx.feeding.get(layer);
      const mismatch = feed && f.channels.bound ? channelMismatchOf(feed) : undefined;
      const producedFits = mismatch && mismatch.produced > 0 && mismatch.produced % f.groupCount === 0;
      if (mismatch && producedFits) fixes.unshift(mismatch.fix);
      out.push(
        diagnostic(
          this,
          `${where} cannot be split into ${f.groups.name}=${f.groupCount} equal groups` +
            (mismatch
              ? `; the ${producerName(feed!.producer)} before it produces ${mismatch.produced} channels` +
                (producedFits ? `, which ${f.groupCount} groups divide` : '') +
                (choices.length ? `; or group counts that divide ${count}: ${choices.join(', ')}.` : '.')
              : choices.length
                ? `; group counts that divide ${count} nearby: ${choices.join(', ')}.`
                : '.'),
          anchor(layer, f.groups),
          fixes,
        ),
      );
    }
    return out;
  },
};

/**
 * A channel count the code gives several numbers at this call (a loop over a literal list, a comprehension over a
 * literal tuple, a local function called with literals only) some of which the group count does not divide. Which
 * of them reaches the call depends on the run (a branch may skip one), so a warning, not an error; the fix is a
 * group count that divides them all.
 */
function mayNotDivide(rule: DiagnosticCheck, ctx: RuleContext, layer: ResolvedLayer, f: GroupFacts): NormDiagnostic | undefined {
  const ch = role(layer, 'channels');
  const oneOf = ch?.effective.oneOf;
  if (!ch || !oneOf) return undefined;
  const bad = oneOf.filter((c) => !Number.isSafeInteger(c) || c <= 0 || c % f.groupCount !== 0);
  // (a count that is no positive integer is size-not-integer's)
  if (!bad.length || bad.some((c) => !Number.isSafeInteger(c) || c <= 0)) return undefined;
  const expr = ch.written?.text.trim() ?? ch.name;
  const all = oneOf.reduce(gcd);
  const choices = nearestDivisors(all, f.groupCount);
  const fixes: QuickFix[] = f.groups.mapped
    ? []
    : choices.map((d) => ({
        title: `Use ${f.groups.name}=${d} (divides ${oneOf.join(', ')})`,
        edits: [setArgument(ctx, layer.call, f.groups.name, String(d), f.groups.written)],
      }));
  const values = oneOf.map((c) => pyRepr(c));
  return diagnostic(
    rule,
    `${ch.name}=${expr} may be ${bad.join(' or ')} here (the code gives it ${values.slice(0, -1).join(', ')} and ${values[values.length - 1]}), ` +
      `which ${f.groups.name}=${f.groupCount} does not split into equal groups` +
      (layer.spec.framework === 'pytorch' ? ': PyTorch refuses to build such a layer' : ': the layer fails on such an input') +
      (choices.length ? `; group counts that divide all of them nearby: ${choices.join(', ')}.` : '.'),
    anchor(layer, ch),
    fixes,
    'warning',
  );
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
