/**
 * The panel's words: the exercise (why transformers normalize with LayerNorm rather than
 * BatchNorm) and short notes. The feedback quotes numbers the panel computed, so the
 * explanation points at what is on screen rather than asserting it.
 */
import type { Insights, NoiseView } from './viewModel';

export const EXERCISE = {
  question: 'Why do transformers use LayerNorm instead of BatchNorm? What problems would BatchNorm cause?',
  options: [
    {
      id: 'batch',
      text: "BatchNorm's statistics come from the other sequences in the batch (and their padding), so they are noisy for small batches, undefined for a single example, and different between training and inference.",
    },
    { id: 'speed', text: 'BatchNorm is much slower to compute than LayerNorm.' },
    { id: 'affine', text: 'BatchNorm has no learnable scale and shift, so it limits what the model can represent.' },
    { id: 'unit', text: 'Only LayerNorm produces outputs with mean 0 and variance 1.' },
  ],
  correct: 'batch',
} as const;

/** Title of the note that a layer's own pre-/post-norm placement follows. */
export const PLACEMENT_NOTE = 'Pre-norm and post-norm';

export const NOTES: { title: string; text: string }[] = [
  {
    title: 'RMSNorm',
    text: 'RMSNorm divides by the root mean square over the same elements LayerNorm uses, without subtracting the mean and without a shift β. It saves one reduction and keeps most of the stabilizing effect, which is why many recent language models use it. Its outputs are not centred: look at the RMSNorm histogram next to LayerNorm’s.',
  },
  {
    title: 'GroupNorm',
    text: 'GroupNorm splits the channels into groups and normalizes each group of each sample on its own, so it never looks across the batch and works the same for a batch of 1 as for 256. With one group it matches LayerNorm over (C, spatial); with one group per channel it is InstanceNorm. The channel count must divide evenly into the groups.',
  },
  {
    title: PLACEMENT_NOTE,
    text: 'The original Transformer normalized after each residual addition (post-norm: x = Norm(x + F(x))). Most current models normalize the input of each sublayer instead (pre-norm: x = x + F(Norm(x))), which leaves an unnormalized path through the residual stream and trains more stably in deep stacks, usually without a long learning-rate warm-up; a final norm after the last block is then needed.',
  },
  {
    title: 'Rule of thumb',
    text: 'Convolutional vision models with healthy batch sizes: BatchNorm. Small or variable batches (detection, segmentation, high-resolution inputs): GroupNorm. Transformers and recurrent networks: LayerNorm or RMSNorm.',
  },
];

export function exerciseFeedback(answer: string, ins: Insights, noise: NoiseView, fmt: (v: number) => string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
  const one = noise.points.find((p) => p.batch === 1)?.problem;
  const two = noise.points.find((p) => p.batch === 2)?.meanError;
  const big = noise.points[noise.points.length - 1];
  const evidence: string[] = [];
  if (ins.batchNormCrossTalk !== null && ins.layerNormCrossTalk !== null) {
    evidence.push(
      `Replacing every other sample in this batch changed BatchNorm's output for sample 0 by up to <strong>${fmt(ins.batchNormCrossTalk)}</strong>, and LayerNorm's by <strong>${fmt(ins.layerNormCrossTalk)}</strong>: a token's LayerNorm output depends only on that token.`,
    );
  }
  if (two !== undefined && two !== null && big.meanError !== null) {
    evidence.push(`The batch-size chart: the batch mean is off by ${fmt(two)} (RMS) at batch 2 and ${fmt(big.meanError)} at batch ${big.batch}.`);
  }
  if (one) evidence.push(`With a single example BatchNorm cannot train at all: “${esc(one)}”.`);
  evidence.push(
    'The train-vs-eval section shows the same input giving different outputs in training and in inference until the running statistics match the data — LayerNorm computes the same thing in both modes.',
  );
  const list = `<ul>${evidence.map((e) => `<li>${e}</li>`).join('')}</ul>`;
  switch (answer) {
    case 'batch':
      return `<p class="right"><strong>Right.</strong> Sequences vary in length and are padded, batches at inference are often a single prompt, and per-feature statistics across the batch mix unrelated sequences. What this panel just showed:</p>${list}`;
    case 'speed':
      return `<p class="wrong"><strong>Not the reason.</strong> Both are one pass for statistics and one elementwise pass; their cost is similar. The real problem is where BatchNorm takes its statistics from:</p>${list}`;
    case 'affine':
      return `<p class="wrong"><strong>No:</strong> BatchNorm has γ and β just like LayerNorm (the γ and β fields above apply to both). The problem is where its statistics come from:</p>${list}`;
    case 'unit':
      return `<p class="wrong"><strong>No:</strong> both produce mean 0 and variance 1 — over different sets of elements (compare the colours in the input grid). That difference is the problem:</p>${list}`;
    default:
      return '';
  }
}
