/**
 * Pitfalls as data: each says when it applies to a layer with its arguments, and what to tell
 * the person. They come from the ways people most often get hurt by normalization layers.
 */
import { convertMomentum, FLOAT32_EPS } from '../core/index';
import type { FrameworkId } from '../frameworks/types';
import { newBatchWeight } from '../core/conversions';
import { roundShort } from './convention';
import type { LayerContext } from './context';
import { infoOf, num, roleName, roleValue, roleWritten } from './context';
import { code, pyFloat } from './format';
import { pyRepr } from '../frameworks/read';
import { Md, md } from './markdown';

export interface Pitfall {
  id: string;
  /** Short bold lead-in. */
  title: string;
  /**
   * True when the advice holds for every layer of its kind (train/eval mismatch, batch size 1,
   * freezing): the full explanation gives it, the compact hover does not (it shows only what
   * this layer's arguments or this code make true).
   */
  generic?: true;
  /** Set when the advice follows from a check on the code (a rule): it applies only when that rule reported it on this layer. */
  rule?: string;
  appliesTo(ctx: LayerContext): boolean;
  text(ctx: LayerContext): Md;
  /** One line for the compact hover (situational pitfalls only). */
  short?(ctx: LayerContext): Md;
}

const isBatchNorm = (c: LayerContext) => c.layer.spec.kind === 'batch_norm';
const fw = (c: LayerContext, ...ids: FrameworkId[]) => ids.includes(c.layer.spec.framework);
const tracks = (c: LayerContext) => {
  const v = roleValue(c, 'trackRunningStats');
  return v === undefined ? true : v === true;
};

/** A framework using the other convention, for examples ("Keras-style"). */
function otherConventionFramework(c: LayerContext): string {
  const conv = c.framework.momentumConvention;
  return conv === 'new-weight' ? infoOf('keras').name : infoOf('pytorch').name;
}

export const PITFALLS: Pitfall[] = [
  {
    id: 'momentum-convention',
    title: 'Momentum in the other convention?',
    appliesTo: (c) => {
      const m = num(roleValue(c, 'momentum'));
      const conv = c.framework.momentumConvention;
      if (m === null || !conv || !roleWritten(c, 'momentum')) return false;
      return conv === 'new-weight' ? m >= 0.5 : m <= 0.5;
    },
    text: (c) => {
      const m = num(roleValue(c, 'momentum'))!;
      const conv = c.framework.momentumConvention!;
      const name = roleName(c, 'momentum')!;
      const other = conv === 'new-weight' ? 'old-weight' : 'new-weight';
      const fixedValue = roundShort(convertMomentum(m, other, conv));
      const keep = roundShort(1 - newBatchWeight(m, conv));
      const newW = roundShort(newBatchWeight(m, conv));
      const fwName = Md.raw(c.framework.name);
      const meaning = conv === 'new-weight'
        ? md`In ${fwName}, ${code(`${name}=${pyFloat(m)}`)} is the weight of the *new* batch: the running statistics keep only ${pyFloat(keep)} of their past and follow the last batch or two.`
        : md`In ${fwName}, ${code(`${name}=${pyFloat(m)}`)} is the weight kept from the *old* average: each batch replaces ${pyFloat(newW)} of it.`;
      return md`${meaning} ${pyFloat(m)} is the usual value in ${Md.raw(otherConventionFramework(c))}'s convention; the same averaging here is ${code(`${name}=${pyFloat(fixedValue)}`)}.`;
    },
  },
  {
    id: 'train-eval-mismatch',
    generic: true,
    title: 'Train/eval mismatch',
    appliesTo: (c) => (isBatchNorm(c) || (c.layer.spec.kind === 'instance_norm' && roleValue(c, 'trackRunningStats') === true)) && tracks(c),
    text: (c) => Md.raw(
      `Training normalizes with ${isBatchNorm(c) ? "the current batch's statistics" : "each instance's own statistics"}, inference with the running averages. ` +
      'Forgetting to switch, or running statistics that do not match the data (too few steps, a changed input pipeline), makes results differ between the two modes.'),
  },
  {
    id: 'no-running-stats',
    short: (c) => md`${code(`${roleName(c, 'trackRunningStats')}=False`)}: inference also uses the batch's own statistics, so outputs depend on the rest of the batch.`,
    title: 'Batch statistics at inference too',
    appliesTo: (c) => isBatchNorm(c) && !tracks(c),
    text: (c) =>
      md`With ${code(`${roleName(c, 'trackRunningStats')}=False`)} there are no running statistics: inference also uses the batch's own mean and variance, so a sample's output depends on what else is in its batch and a batch of one cannot be normalized per channel.`,
  },
  {
    id: 'batch-size-one',
    generic: true,
    title: 'Batch size 1 in training',
    appliesTo: (c) => isBatchNorm(c),
    text: (c) => Md.raw(
      (fw(c, 'pytorch')
        ? `A training batch with a single value per channel, e.g. shape (1, C), raises "Expected more than 1 value per channel when training". `
        : 'A training batch with a single value per channel has zero variance: every output collapses to β. ') +
      'Small batches give noisy statistics in general (below about 8 per device BatchNorm degrades); drop the last incomplete batch, or use GroupNorm for small batches.'),
  },
  {
    id: 'syncbn-process-group',
    short: () => Md.raw('it all-reduces statistics only under an initialized torch.distributed process group (usually DistributedDataParallel); without one it computes as a plain BatchNorm (PyTorch 2.x).'),
    title: 'SyncBatchNorm only synchronizes under torch.distributed',
    appliesTo: (c) => c.layer.spec.name === 'SyncBatchNorm',
    text: () =>
      Md.raw(
        'In training under an initialized torch.distributed process group (usually DistributedDataParallel with convert_sync_batchnorm) it all-reduces batch statistics across processes; uneven participation across ranks can hang the collective. ' +
          'Without a process group, PyTorch 2.x (checked on 2.13) computes it as a plain BatchNorm in train and eval, also on CPU, which is what the numbers here show. ' +
          'PyTorch 1.x differs: torch 1.13 raises "SyncBatchNorm expected input tensor to be on GPU" for CPU input in both modes.',
      ),
  },
  {
    id: 'freeze-when-finetuning',
    generic: true,
    title: 'Freezing it when fine-tuning',
    appliesTo: (c) => isBatchNorm(c) && tracks(c),
    text: (c) => Md.raw((() => {
      if (fw(c, 'keras', 'tf_keras')) {
        return 'For BatchNormalization, trainable=False does more than freeze γ and β: the layer then runs in inference mode (running statistics). When fine-tuning, also call the frozen base with training=False so it stays in inference mode after unfreezing.';
      }
      if (fw(c, 'pytorch', 'mlx', 'paddle')) {
        return 'Setting requires_grad=False (or freezing parameters) stops γ and β only; the running statistics keep updating whenever the module is in training mode. Call .eval() on the BatchNorm modules after model.train() to freeze them.';
      }
      if (fw(c, 'flax_linen')) {
        return 'Freeze it with use_running_average=True and do not pass batch_stats as mutable; freezing parameters in the optimizer leaves the statistics moving.';
      }
      return 'Freezing the parameters does not freeze the running statistics: run the layer in inference mode while fine-tuning with small batches.';
    })()),
  },
  {
    id: 'flax-batch-stats',
    short: (c) => Md.raw(fw(c, 'flax_linen') ? 'give use_running_average; in training apply with mutable=["batch_stats"] and keep the returned batch_stats.' : 'switch with model.train() / model.eval(); without model.eval() it keeps using batch statistics.'),
    title: 'use_running_average and batch_stats',
    appliesTo: (c) => isBatchNorm(c) && fw(c, 'flax_linen', 'flax_nnx'),
    text: (c) => Md.raw(
      fw(c, 'flax_linen')
        ? 'use_running_average must be given, in the constructor or at the call. In training, apply the model with mutable=["batch_stats"] and keep the returned batch_stats; without it Flax refuses to update the immutable "batch_stats" collection.'
        : 'nnx.BatchNorm switches with model.train() / model.eval() (use_running_average); evaluating without model.eval() keeps using batch statistics.'),
  },
  {
    id: 'conv-bias-before-bn',
    rule: 'conv-bias-before-bn',
    title: 'Bias before BatchNorm is wasted',
    // Whether the layer before has a bias is known only from the code: the rule decides (see `rule`).
    appliesTo: (c) => isBatchNorm(c),
    text: () => Md.raw('A bias in the Conv/Linear layer right before is cancelled by the mean subtraction (β does its job): create that layer with bias=False / use_bias=False.'),
  },
  {
    id: 'layernorm-nchw',
    generic: true,
    title: 'LayerNorm normalizes the last dimensions',
    appliesTo: (c) => c.layer.spec.kind === 'layer_norm' && fw(c, 'pytorch'),
    text: (c) => {
      const ns = roleValue(c, 'normalizedShape');
      const d = typeof ns === 'number' ? ns : Array.isArray(ns) && typeof ns[ns.length - 1] === 'number' ? (ns[ns.length - 1] as number) : Md.raw('C');
      return md`normalized_shape must match the input's trailing dimensions: on an (N, C, H, W) image it fails with "Given normalized_shape=[${d}], expected input with shape [*, ${d}]" or silently normalizes the wrong axes. Permute to channels-last first, or use GroupNorm(1, C) for a LayerNorm over (C, H, W).`;
    },
  },
  {
    id: 'rmsnorm-eps-none',
    short: () => md`float32 inputs get ${pyFloat(FLOAT32_EPS)}, float16/bfloat16 the same float32 value; write an explicit ε such as 1e-6 when porting.`,
    title: 'ε = None is machine epsilon',
    appliesTo: (c) => c.layer.spec.kind === 'rms_norm' && roleName(c, 'eps') !== undefined && roleValue(c, 'eps') === null,
    text: () => Md.raw(
      `eps=None uses a machine epsilon rather than a fixed number: ${pyFloat(FLOAT32_EPS)} for float32 inputs, and float16/bfloat16 inputs get that same float32 value rather than their own much larger epsilon (float64 inputs get float64's). ` +
      'Models ported from elsewhere usually expect an explicit ε such as 1e-6; write it to get the same numbers everywhere.'),
  },
  {
    id: 'groupnorm-divisibility',
    title: 'Channels must divide into groups',
    appliesTo: (c) => {
      if (c.layer.spec.kind !== 'group_norm') return false;
      const g = num(roleValue(c, 'groups'));
      const ch = num(roleValue(c, 'channels'));
      if (g === null) return false;
      return g <= 0 || ch === null || ch % g !== 0;
    },
    text: (c) => {
      const g = num(roleValue(c, 'groups'))!;
      const ch = num(roleValue(c, 'channels'));
      if (g <= 0) return md`${Md.raw(roleName(c, 'groups') ?? 'groups')}=${g}: the number of groups must be at least 1.`;
      if (ch === null) return md`The input's channel count must be divisible by ${g}; narrow layers need fewer groups.`;
      return md`${ch} channels cannot be split into ${g} equal groups: the constructor raises "num_channels (${ch}) must be divisible by num_groups (${g})". Use a divisor of ${ch}, e.g. ${largestDivisorAtMost(ch, g)}.`;
    },
  },
  {
    id: 'instancenorm-affine-default',
    title: 'No learnable scale by default',
    appliesTo: (c) => c.layer.spec.kind === 'instance_norm' && fw(c, 'pytorch') && roleValue(c, 'affine') === false && !roleWritten(c, 'affine'),
    text: () => Md.raw(
      'PyTorch InstanceNorm defaults to affine=False (no γ, β) and track_running_stats=False (instance statistics at inference too), unlike Flax and Haiku whose InstanceNorm learns a scale and offset. Write affine=True when porting such a model.'),
  },
  {
    id: 'functional-batch-norm-training',
    short: (c) => md`without ${code(`${c.layer.spec.modeArg!.name}=${pyRepr(c.layer.spec.modeArg!.trainWhen)}`)} it uses the running statistics passed in, whatever the model's mode; pass ${code(`${c.layer.spec.modeArg!.name}=self.training`)}.`,
    title: 'training defaults to False',
    appliesTo: (c) => isBatchNorm(c) && c.layer.spec.form === 'function' && c.layer.spec.modeArg !== undefined &&
      c.values[c.layer.spec.modeArg.name] !== c.layer.spec.modeArg.trainWhen,
    text: (c) =>
      md`Without ${code(`${c.layer.spec.modeArg!.name}=${pyRepr(c.layer.spec.modeArg!.trainWhen)}`)} it normalizes with the running statistics passed in, whatever mode the surrounding model is in; pass ${code(`${c.layer.spec.modeArg!.name}=self.training`)} to follow model.train()/model.eval().`,
  },
  {
    id: 'eps-zero',
    title: 'ε = 0',
    appliesTo: (c) => num(roleValue(c, 'eps')) === 0,
    text: () => Md.raw('With ε = 0 a constant input (zero variance) divides by zero: NaN or inf outputs, and gradients blow up near it.'),
  },
];

function largestDivisorAtMost(n: number, k: number): number {
  for (let d = Math.min(n, k); d >= 1; d--) if (n % d === 0) return d;
  return 1;
}

/**
 * The pitfalls that hold for this layer. `ruleCodes`: codes of the diagnostics the rules reported
 * on this layer; a pitfall tied to a rule shows only when that rule fired (bias before BatchNorm
 * only when the layer before really has a bias).
 */
export function pitfallsFor(ctx: LayerContext, ruleCodes: ReadonlySet<string> = new Set()): { id: string; title: string; text: Md; generic: boolean }[] {
  return PITFALLS.filter((p) => (p.rule ? ruleCodes.has(p.rule) : true) && p.appliesTo(ctx))
    .map((p) => ({ id: p.id, title: p.title, text: p.text(ctx), generic: p.generic === true }));
}

/** Pitfalls that this layer's own arguments make true and no rule reports: one line each, for the compact hover. */
export function situationalPitfalls(ctx: LayerContext): { id: string; title: string; short: Md }[] {
  return PITFALLS.filter((p) => !p.generic && !p.rule && p.short && p.appliesTo(ctx)).map((p) => ({ id: p.id, title: p.title, short: p.short!(ctx) }));
}
