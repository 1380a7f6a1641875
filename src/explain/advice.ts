/**
 * General advice about a kind of layer, for the full explanation's "Good to know": facts that
 * hold for every layer of its kind (train/eval mismatch, batch size 1, freezing), never about
 * this code. What this code makes true is the checks' (src/checks): the hover shows their
 * diagnostics and notes, never these.
 */
import type { FrameworkId } from '../frameworks/types';
import type { LayerContext } from './context';
import { roleValue } from './context';
import { Md, md } from './markdown';

export interface Advice {
  id: string;
  /** Short bold lead-in. */
  title: string;
  appliesTo(ctx: LayerContext): boolean;
  text(ctx: LayerContext): Md;
}

// (a frozen BatchNorm, detectron2's FrozenBatchNorm2d, has no batch statistics, modes or running updates to advise on)
const isBatchNorm = (c: LayerContext) => c.layer.spec.kind === 'batch_norm' && !c.layer.origin?.frozen;
const fw = (c: LayerContext, ...ids: FrameworkId[]) => ids.includes(c.layer.spec.framework);
const tracks = (c: LayerContext) => {
  const v = roleValue(c, 'trackRunningStats');
  return v === undefined ? true : v === true;
};

export const ADVICE: Advice[] = [
  {
    id: 'train-eval-mismatch',
    title: 'Train/eval mismatch',
    appliesTo: (c) => (isBatchNorm(c) || (c.layer.spec.kind === 'instance_norm' && roleValue(c, 'trackRunningStats') === true)) && tracks(c),
    text: (c) =>
      Md.raw(
        `Training normalizes with ${isBatchNorm(c) ? "the current batch's statistics" : "each instance's own statistics"}, inference with the running averages. ` +
          'Forgetting to switch, or running statistics that do not match the data (too few steps, a changed input pipeline), makes results differ between the two modes.',
      ),
  },
  {
    id: 'batch-size-one',
    title: 'Batch size 1 in training',
    appliesTo: (c) => isBatchNorm(c),
    text: (c) =>
      Md.raw(
        (fw(c, 'pytorch')
          ? `A training batch with a single value per channel, e.g. shape (1, C), raises "Expected more than 1 value per channel when training". `
          : 'A training batch with a single value per channel has zero variance: every output collapses to β. ') +
          'Small batches give noisy statistics in general (below about 8 per device BatchNorm degrades); drop the last incomplete batch, or use GroupNorm for small batches.',
      ),
  },
  {
    id: 'freeze-when-finetuning',
    title: 'Freezing it when fine-tuning',
    appliesTo: (c) => isBatchNorm(c) && tracks(c),
    text: (c) =>
      Md.raw(
        (() => {
          if (fw(c, 'keras', 'tf_keras')) {
            return 'For BatchNormalization, trainable=False does more than freeze γ and β: the layer then runs in inference mode (running statistics). When fine-tuning, also call the frozen base with training=False so it stays in inference mode after unfreezing.';
          }
          if (fw(c, 'pytorch', 'mlx', 'paddle')) {
            return 'Setting requires_grad=False (or freezing parameters) stops γ and β only; the running statistics keep updating whenever the module is in training mode. Call .eval() on the BatchNorm modules after model.train(), or replace them with torchvision.ops.FrozenBatchNorm2d.';
          }
          if (fw(c, 'flax_linen')) {
            return 'Freeze it with use_running_average=True and do not pass batch_stats as mutable; freezing parameters in the optimizer leaves the statistics moving.';
          }
          return 'Freezing the parameters does not freeze the running statistics: run the layer in inference mode while fine-tuning with small batches.';
        })(),
      ),
  },
  {
    id: 'flax-batch-stats',
    title: 'use_running_average and batch_stats',
    appliesTo: (c) => isBatchNorm(c) && fw(c, 'flax_linen', 'flax_nnx'),
    text: (c) =>
      Md.raw(
        fw(c, 'flax_linen')
          ? 'use_running_average must be given, in the constructor or at the call. In training, apply the model with mutable=["batch_stats"] and keep the returned batch_stats; without it Flax refuses to update the immutable "batch_stats" collection.'
          : c.values.use_running_average === true
            ? 'Built with use_running_average=True, it normalizes with its running statistics until model.train() switches it to batch statistics (model.train() / model.eval() set use_running_average on every BatchNorm).'
            : 'nnx.BatchNorm switches with model.train() / model.eval() (use_running_average); evaluating without model.eval() keeps using batch statistics.',
      ),
  },
  {
    id: 'layernorm-nchw',
    title: 'LayerNorm normalizes the last dimensions',
    // (not for a LayerNorm whose own forward moves the channels last: it takes (N, C, H, W))
    appliesTo: (c) => c.layer.spec.kind === 'layer_norm' && fw(c, 'pytorch') && !c.layer.origin?.channelsFirst,
    text: (c) => {
      const ns = roleValue(c, 'normalizedShape');
      const d = typeof ns === 'number' ? ns : Array.isArray(ns) && typeof ns[ns.length - 1] === 'number' ? (ns[ns.length - 1] as number) : Md.raw('C');
      return md`normalized_shape must match the input's trailing dimensions: on an (N, C, H, W) image it fails with "Given normalized_shape=[${d}], expected input with shape [*, ${d}]" or silently normalizes the wrong axes. Permute to channels-last first, or use GroupNorm(1, C) for a LayerNorm over (C, H, W).`;
    },
  },
];

/** The general advice for this layer's kind and framework. */
export function adviceFor(ctx: LayerContext): { id: string; title: string; text: Md }[] {
  return ADVICE.filter((a) => a.appliesTo(ctx)).map((a) => ({ id: a.id, title: a.title, text: a.text(ctx) }));
}
