/** conv-bias-before-bn: a conv/linear bias that the BatchNorm right after it cancels. */
import type { NormDiagnostic } from './types';
import type { ResolvedLayer } from '../python/types';
import { intValue, layoutOf, maskedMatches, onlyThrough, sameCount, type ProducerCall, type RuleContext } from './context';
import { axisMoved, diagnostic, KEEP_BIAS, producerName, role, setArgument, shortName, type DiagnosticCheck } from './check';

/**
 * Whether the norm's written axis is the axis where the producer puts its channels in its default
 * layout, counted with the producer's output rank (known for N-d convolutions only).
 */
function onChannelAxis(layer: ResolvedLayer, p: ProducerCall): boolean {
  const rank = p.spec.rank;
  const ax = role(layer, 'axis')?.effective.value;
  const axis = Array.isArray(ax) && ax.length === 1 ? ax[0] : ax;
  if (rank === undefined || typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) return false;
  return (axis + rank) % rank === (p.spec.channels === 'last' ? rank - 1 : 1);
}

export const convBiasBeforeBn: DiagnosticCheck = {
  code: 'conv-bias-before-bn',
  severity: 'info',
  title: 'Bias cancelled by the BatchNorm that follows',
  explanation:
    'BatchNorm subtracts the per-channel mean, so a constant per-channel bias added by the convolution or linear ' +
    'layer just before it cancels out exactly in training (and is absorbed by the running mean in evaluation). The ' +
    "bias costs parameters and memory and receives zero gradient; BatchNorm's own shift (beta) already provides " +
    "the offset. Turn the producer's bias off. NormLens says so only where the code applies the BatchNorm to the " +
    "producer's output with nothing but permutes or reshapes between: an activation, a dropout or a residual add between " +
    'them keeps the bias from cancelling.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    // (one note per producer: the alternatives of one application are each adjacent to it)
    const reported = new Set<number>();
    for (const a of ctx.adjacent) {
      const { producer: p, layer } = a;
      if (layer.spec.kind !== 'batch_norm' || reported.has(p.call.range.startOffset)) continue;
      // a written axis must be the producer's channel axis (Keras `axis=3` after a Conv2D is its `-1`)
      if (axisMoved(layer) && !(onChannelAxis(layer, p) && onlyThrough(a, ['identity']))) continue;
      // only axis moves and reshapes between: an add, a dropout or an activation keep the bias from cancelling
      if (!onlyThrough(a, KEEP_BIAS)) continue;
      // and the output goes nowhere else (a feature map returned beside the normalized one keeps its bias)
      if (a.shared) continue;
      // and every module the code may apply there is a BatchNorm (NeMo's norm_type picks a LayerNorm or an Identity too)
      if (a.oneOf?.some((o) => !ctx.layers.some((l) => l.call.range.startOffset === o && l.spec.kind === 'batch_norm'))) continue;
      if (layoutOf(p)) continue;
      const act = p.spec.activationParam ? p.args.get(p.spec.activationParam) : undefined;
      if (act && !(act.value === null || act.value === 'linear')) continue;
      const bias = p.args.get(p.spec.bias.param);
      if (bias) {
        // Written: only a literal that keeps the bias on (True, or None for a bias attribute).
        if (!p.spec.bias.on.some((v) => v === bias.value)) continue;
      } else if (p.opaque) continue;
      // The norm must be the one that normalizes this output: counts agree, or are not both literals.
      const ch = role(layer, 'channels');
      const outArg = p.args.get(p.spec.outParam);
      if (ch?.written && outArg) {
        const known = intValue(ch.effective.value) !== undefined && intValue(outArg.value) !== undefined;
        const agree = sameCount(outArg, { value: ch.effective.value, text: ch.written.text });
        if (known && !agree) continue;
      }
      const edit = setArgument(ctx, p.call, p.spec.bias.param, p.spec.bias.off, bias);
      // (no fix where code reads that bias: `nn.init.zeros_(self.conv.bias)`, or an init loop that does not test for
      // None, fails once it is gone, PyTorch 2.13: 'NoneType' object has no attribute 'zero_')
      const readsBias = biasRead(ctx, p.call.target ?? ctx.assignmentTarget(p.call));
      reported.add(p.call.range.startOffset);
      out.push({
        about: layer.call.range,
        ...diagnostic(
          this,
          `The bias of this ${producerName(p)} is cancelled by the ${shortName(layer)} that follows ` +
            `(it subtracts the per-channel mean); ${p.spec.bias.param}=${p.spec.bias.off} saves the parameters.`,
          bias ? bias.valueRange : p.call.nameRange,
          readsBias ? [] : [{ title: `Set ${p.spec.bias.param}=${p.spec.bias.off}`, edits: [edit] }],
        ),
      });
    }
    return out;
  },
};

/**
 * Whether the file reads a producer's bias: through its own name (`self.conv.bias`), or in an init that takes any
 * module's `.bias` (`nn.init.zeros_(m.bias)`, `m.bias.data`) where nothing tests `bias is not None`.
 */
function biasRead(ctx: RuleContext, target: string | undefined): boolean {
  // (chunk by chunk, each chunk's answer kept: one context reports many pairs, and an edit changes few chunks)
  if (target) {
    const esc = target
      .split('.')
      .map((x) => x.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'))
      .join(String.raw`\s*\.\s*`);
    if (maskedMatches(ctx, `bias-read:${target}`, new RegExp(String.raw`(?<![\p{L}\p{N}_.])${esc}\s*\.\s*bias\b`, 'u'))) return true;
  }
  let init = initReads.get(ctx);
  if (init === undefined)
    initReads.set(
      ctx,
      (init =
        maskedMatches(
          ctx,
          'bias-read-init',
          /\binit\s*\.\s*\w+\s*\(\s*[\p{L}_][\p{L}\p{N}_]*\s*\.\s*bias\b|\b[\p{L}_][\p{L}\p{N}_]*\s*\.\s*bias\s*\.\s*data\b/u,
        ) && !/\.\s*bias\s+is\s+not\s+None|\.\s*bias\s+is\s+None|hasattr\s*\([^)]*['"]bias/.test(ctx.text)),
    );
  return init;
}
const initReads = new WeakMap<RuleContext, boolean>();
