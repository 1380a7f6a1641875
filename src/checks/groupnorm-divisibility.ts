/** groupnorm-divisibility: channels that the group count does not divide. */
import type { NormDiagnostic, QuickFix } from './types';
import { anchor, diagnostic, producerName, setArgument, type DiagnosticCheck } from './check';
import { channelMismatchOf } from './channel-mismatch';
import { groupFacts, nearestDivisors } from './groupnorm';

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
