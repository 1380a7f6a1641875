/** channel-mismatch: a norm whose channel count differs from the output of the layer feeding it. */
import { frameworkInfo } from '../frameworks/index';
import type { NormDiagnostic, QuickFix } from './types';
import { intValue, layoutOf, onlyThrough, type Adjacency } from './context';
import { axisMoved, diagnostic, KEEP_CHANNELS, outCount, producerName, role, shortName, type Bound, type DiagnosticCheck } from './check';

/** The norm's channel count and where it is written, when it can be compared with a producer's output. */
function normChannels(a: Adjacency): { count: number; bound: Bound; shape: 'int' | 'list' } | undefined {
  const { layer, producer } = a;
  const kind = layer.spec.kind;
  const channelKinds = ['batch_norm', 'group_norm', 'instance_norm'];
  if (axisMoved(layer)) return undefined;
  const ch = role(layer, 'channels');
  if (ch?.written) {
    if (producer.spec.kind === 'linear' && kind === 'instance_norm') return undefined;
    if (!channelKinds.includes(kind) && producer.spec.channels !== 'last') return undefined;
    const count = intValue(ch.effective.value);
    return count === undefined ? undefined : { count, bound: ch, shape: 'int' };
  }
  const ns = role(layer, 'normalizedShape');
  if (ns?.written && (producer.spec.kind === 'linear' || producer.spec.channels === 'last')) {
    const v = ns.effective.value;
    if (intValue(v) !== undefined) return { count: v as number, bound: ns, shape: 'int' };
    if (Array.isArray(v) && v.length === 1 && intValue(v[0]) !== undefined) return { count: v[0] as number, bound: ns, shape: 'list' };
  }
  return undefined;
}

export const channelMismatch: DiagnosticCheck = {
  code: 'channel-mismatch',
  severity: 'error',
  title: 'Norm channel count differs from the layer before it',
  explanation:
    "A normalization layer that directly follows a convolution or linear layer normalizes that layer's output, so " +
    "its channel (feature) count must equal the producer's output count: out_channels of a convolution, " +
    'out_features of a linear layer. A mismatch fails at the first forward pass (for BatchNorm: "running_mean should ' +
    'contain N elements"). NormLens compares integer literals where the code applies the norm to the producer\'s output ' +
    '(in forward, in a Sequential container, in a Keras functional graph), with at most activations, dropout or pooling ' +
    'between; a concatenation or a reshape between changes the count, and the rule then says nothing. A Linear before a ' +
    'norm that reads dim 1 (BatchNorm1d, GroupNorm) is an error only on a 2-D input, which the code does not fix: said as info.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const a of ctx.adjacent) {
      const m = channelMismatchOf(a);
      if (!m) continue;
      const { produced, norm, fix, onDimOne } = m;
      const written = norm.bound.written!;
      const said = `${shortName(a.layer)} expects ${norm.bound.name}=${norm.count}, but the ${producerName(a.producer)} before it produces ${a.producer.spec.outParam}=${produced}`;
      out.push(
        onDimOne
          ? diagnostic(
              this,
              `${said} on the last dim: on a 2-D input (N, features) this fails; on (N, ${norm.count}, L) the Linear acts on L and it runs.`,
              written.valueRange,
              [fix],
              'info',
            )
          : diagnostic(this, `${said}.`, written.valueRange, [fix]),
      );
    }
    return out;
  },
};

export interface ChannelMismatch {
  /** The producer's output count. */
  produced: number;
  norm: NonNullable<ReturnType<typeof normChannels>>;
  /** Write the producer's count in the norm: the fix both this check and groupnorm-divisibility offer first. */
  fix: QuickFix;
  /**
   * A Linear before a norm that reads its channels on dim 1 (BatchNorm1d, GroupNorm): a Linear acts on the last dim, the
   * same one only on a 2-D input; on (N, C, L) (TSMixer's time mixing, MLP-Mixer's token mixing) it is not, and the code
   * runs. Which it gets, the code does not say: not an error.
   */
  onDimOne: boolean;
}

/** The predicate: the norm fed by this producer expects another channel count than it produces. */
export function channelMismatchOf(a: Adjacency): ChannelMismatch | undefined {
  if (a.producer.opaque && !a.producer.args.get(a.producer.spec.outParam)) return undefined;
  if (layoutOf(a.producer)) return undefined;
  // only what keeps the channel count may sit between (not a concatenation with a skip)
  if (!onlyThrough(a, KEEP_CHANNELS)) return undefined;
  const produced = outCount(a.producer);
  const norm = normChannels(a);
  if (produced === undefined || !norm || norm.count === produced) return undefined;
  const written = norm.bound.written!;
  const newText = norm.shape === 'int' ? String(produced) : written.text.replace(/-?\d+/, String(produced));
  const onDimOne =
    a.producer.spec.kind === 'linear' &&
    frameworkInfo(a.layer.spec.framework)?.channels === 'first' &&
    norm.bound.name !== role(a.layer, 'normalizedShape')?.name;
  return { produced, norm, fix: { title: `Use ${norm.bound.name}=${newText}`, edits: [{ range: written.valueRange, newText }] }, onDimOne };
}
