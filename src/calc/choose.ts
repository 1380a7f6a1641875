/**
 * "Choose a normalization": the usual rule of thumb (convolutional nets → BatchNorm; transformers,
 * NLP and RNNs → LayerNorm) made concrete with the batch size per device, sequence lengths,
 * inference batch size and device count, each decision given with its reason.
 */
import { escapeMd } from '../explain/format';
import { Md, md } from '../explain/markdown';
import type { CalcOutcome } from './result';

export type Architecture = 'cnn' | 'transformer' | 'rnn' | 'mlp' | 'gan';

export const ARCHITECTURES: { id: Architecture; label: string; detail: string }[] = [
  { id: 'cnn', label: 'Convolutional network (vision)', detail: 'ResNet, U-Net, detection/segmentation backbones' },
  { id: 'transformer', label: 'Transformer', detail: 'language models, ViT, encoders/decoders with attention' },
  { id: 'rnn', label: 'Recurrent network', detail: 'LSTM, GRU, other step-by-step sequence models' },
  { id: 'mlp', label: 'MLP on tabular features', detail: 'fully connected layers on fixed-size vectors' },
  { id: 'gan', label: 'GAN / style transfer', detail: 'image generators and discriminators, image-to-image' },
];

export type Recommended = 'BatchNorm' | 'SyncBatchNorm' | 'GroupNorm' | 'LayerNorm' | 'RMSNorm' | 'InstanceNorm' | 'no normalization';

export interface ChooseRequest {
  architecture: Architecture;
  /** Training batch size on each device (what each BatchNorm actually sees). */
  batchPerDevice: number;
  /** Number of devices training together (data parallel). Default 1. */
  devices?: number;
  /** Inputs are sequences whose lengths vary (padding or packing). */
  variableLengths?: boolean;
  /** Batch size at inference time. Default: same as training. */
  inferenceBatch?: number;
}

export interface Choice {
  recommended: Recommended;
  /** Extra detail of the choice, e.g. "32 groups" or "pre-norm". */
  setting?: string;
  alternatives: { name: Recommended; when: string }[];
  /** One sentence per reason, in the order they matter. */
  reasons: string[];
  /** Things to watch for with this choice. */
  cautions: string[];
}

/** BatchNorm's statistics are reliable from about this many samples per device (Wu & He, Group Normalization, 2018). */
export const RELIABLE_BATCH = 16;
/** Below this per-device batch size BatchNorm's error grows quickly; GroupNorm is the usual answer. */
export const SMALL_BATCH = 8;

export function validateBatchSize(text: string, what = 'batch size'): string | null {
  const t = text.trim();
  if (t === '') return `enter the ${what}`;
  if (!/^\d+$/.test(t)) return `${what} must be a whole number (got '${t}')`;
  if (Number(t) < 1) return `${what} must be at least 1`;
  return null;
}

function sequenceReasons(req: ChooseRequest, what: string): string[] {
  const r = [
    `${what} normalizes each token (or time step) over its own features, so its statistics never depend on the batch size or on the other sequences in the batch.`,
  ];
  if (req.variableLengths) {
    r.push(
      'With sequences of different lengths, BatchNorm would mix padding into the batch statistics and see fewer and fewer samples at late positions; per-token normalization is unaffected by either.',
    );
  }
  r.push(
    'It computes the same thing in training and at inference (there are no running statistics), so there is no train/eval mismatch and a batch of one, as in step-by-step decoding, is fine.',
  );
  return r;
}

export function chooseNormalization(req: ChooseRequest): CalcOutcome<Choice> {
  const b = req.batchPerDevice;
  if (!Number.isInteger(b) || b < 1) return { ok: false, message: `batch size per device must be a whole number ≥ 1 (got ${b})` };
  const devices = req.devices ?? 1;
  if (!Number.isInteger(devices) || devices < 1) return { ok: false, message: `number of devices must be a whole number ≥ 1 (got ${devices})` };
  const inferBatch = req.inferenceBatch ?? b;
  if (!Number.isInteger(inferBatch) || inferBatch < 1) return { ok: false, message: `inference batch size must be a whole number ≥ 1 (got ${inferBatch})` };
  const global = b * devices;
  let choice: Choice;

  switch (req.architecture) {
    case 'cnn':
    case 'mlp': {
      const unit = req.architecture === 'cnn' ? 'N·H·W values per channel' : 'N values per feature';
      if (b >= RELIABLE_BATCH) {
        choice = {
          recommended: 'BatchNorm',
          alternatives: [{ name: 'GroupNorm', when: 'if the batch per device later drops below 8 (bigger images or models)' }],
          reasons: [
            `With ${b} samples per device, each channel's batch mean and variance come from ${unit} and are reliable.`,
            'BatchNorm keeps every layer\'s inputs centred and scaled as the weights change (the "internal covariate shift" it was designed against), which allows higher learning rates, and the batch noise acts as a mild regulariser.',
            'At inference it uses fixed running statistics, so it becomes a per-channel affine map that can be folded into the preceding convolution or linear layer at no cost.',
          ],
          cautions: [],
        };
      } else if (devices > 1 && global >= RELIABLE_BATCH) {
        choice = {
          recommended: 'SyncBatchNorm',
          alternatives: [{ name: 'GroupNorm', when: 'to avoid the cross-device communication in every normalization layer' }],
          reasons: [
            `Each device sees only ${b} samples, too few for stable batch statistics, but the ${devices} devices together see ${global}.`,
            'SyncBatchNorm computes the mean and variance over the whole global batch, at the cost of one all-reduce per normalization layer.',
          ],
          cautions: [
            'SyncBatchNorm synchronizes statistics only under an initialized process group (DistributedDataParallel); without one PyTorch 2.x computes it as a plain BatchNorm, while torch 1.x raised for CPU input.',
          ],
        };
      } else if (b < SMALL_BATCH && req.architecture === 'cnn') {
        choice = {
          recommended: 'GroupNorm',
          setting: '32 groups; fewer for narrow layers',
          alternatives: [
            { name: 'SyncBatchNorm', when: 'when several devices together reach a batch of 16 or more' },
            { name: 'LayerNorm', when: 'GroupNorm with a single group is LayerNorm over (C, H, W)' },
          ],
          reasons: [
            `With ${b} sample${b === 1 ? '' : 's'} per device, batch statistics are noisy: BatchNorm's accuracy drops quickly below about ${SMALL_BATCH} per device.`,
            'GroupNorm normalizes each sample over groups of channels and positions, so it does not depend on the batch at all and behaves the same in training and inference.',
            'It sits between LayerNorm (one group) and InstanceNorm (one channel per group), a compromise that works well for detection and segmentation with small batches.',
          ],
          cautions: ['The channel count of every layer must be divisible by the number of groups.'],
        };
      } else if (b < SMALL_BATCH) {
        choice = {
          recommended: 'LayerNorm',
          alternatives: [{ name: 'BatchNorm', when: 'if the batch per device can be raised to 16 or more' }],
          reasons: [
            `With ${b} sample${b === 1 ? '' : 's'} per device, BatchNorm's per-feature statistics are too noisy to be useful.`,
            'LayerNorm normalizes each sample over its own features, independent of the batch and identical in training and inference.',
          ],
          cautions: [],
        };
      } else {
        choice = {
          recommended: 'BatchNorm',
          alternatives: [
            { name: 'GroupNorm', when: 'if the training curves are noisy or eval accuracy lags training' },
            ...(devices > 1 ? [{ name: 'SyncBatchNorm' as Recommended, when: `to pool statistics over all ${global} samples across devices` }] : []),
          ],
          reasons: [
            `A batch of ${b} per device is workable for BatchNorm, though its statistics are noticeably noisier than with 16 or more.`,
            'Its running statistics make inference independent of the batch, so it can be folded into the preceding layer.',
          ],
          cautions: [],
        };
      }
      if (b === 1 && (choice.recommended === 'BatchNorm' || choice.recommended === 'SyncBatchNorm')) {
        choice.cautions.push('A batch of one cannot train BatchNorm without spatial positions: there is only one value per channel.');
      }
      break;
    }
    case 'transformer': {
      choice = {
        recommended: 'LayerNorm',
        setting: 'pre-norm',
        alternatives: [{ name: 'RMSNorm', when: 'for a cheaper layer with about the same quality (no mean subtraction, no β), as in LLaMA-style models' }],
        reasons: [
          ...sequenceReasons(req, 'LayerNorm'),
          'Place it before attention and the feed-forward block (pre-norm: x + F(LN(x))): the residual path stays an identity, which keeps deep stacks stable without a long learning-rate warmup; add one final LayerNorm after the last block.',
          'Post-norm (LN(x + F(x)), the original Transformer) can end slightly better but is harder to train as depth grows.',
        ],
        cautions: [],
      };
      break;
    }
    case 'rnn': {
      choice = {
        recommended: 'LayerNorm',
        alternatives: [],
        reasons: [
          ...sequenceReasons(req, 'LayerNorm'),
          'In a recurrent network BatchNorm would need separate statistics for every time step; LayerNorm applies the same computation at every step, which is what it was introduced for.',
        ],
        cautions: [],
      };
      break;
    }
    case 'gan': {
      choice = {
        recommended: 'InstanceNorm',
        setting: 'with a learnable scale and shift',
        alternatives: [
          { name: 'BatchNorm', when: `in a DCGAN-style generator trained with batches of ${RELIABLE_BATCH} or more` },
          { name: 'LayerNorm', when: 'in a critic trained with a gradient penalty, where samples must not be coupled through batch statistics' },
        ],
        reasons: [
          'InstanceNorm normalizes each image and channel over its own positions, removing per-image contrast and style, which is what style transfer and image-to-image generators want.',
          'It does not depend on the batch, so a batch of one works in training and at inference.',
        ],
        cautions: ["PyTorch's InstanceNorm has no learnable scale and shift unless affine=True is written (Flax's has them by default)."],
      };
      break;
    }
    default:
      return { ok: false, message: `unknown architecture ${String(req.architecture)}` };
  }

  if (
    req.variableLengths &&
    (req.architecture === 'cnn' || req.architecture === 'mlp') &&
    (choice.recommended === 'BatchNorm' || choice.recommended === 'SyncBatchNorm')
  ) {
    choice.cautions.push(
      "With variable-length inputs padded to a common size, the padding enters BatchNorm's statistics; mask it or prefer a per-sample normalization.",
    );
  }
  if (choice.recommended === 'BatchNorm' || choice.recommended === 'SyncBatchNorm') {
    if (inferBatch === 1) {
      choice.reasons.push("An inference batch of 1 is fine: in eval mode BatchNorm uses its running statistics, not the batch's.");
    }
    choice.cautions.push(
      'Switch to eval mode for inference; otherwise the output depends on the other samples in the batch (the classic train/eval mismatch).',
    );
    choice.cautions.push('When fine-tuning with small batches, freeze BatchNorm (running statistics and, often, γ/β).');
  }
  return { ok: true, value: choice, ...renderChoice(req, choice) };
}

export function renderChoice(req: ChooseRequest, c: Choice): { markdown: Md; text: string; copyText: string } {
  const arch = ARCHITECTURES.find((a) => a.id === req.architecture)!.label;
  const headline = `${c.recommended}${c.setting ? ` (${c.setting})` : ''}`;
  const situation =
    `${arch}, batch ${req.batchPerDevice} per device` +
    `${(req.devices ?? 1) > 1 ? ` × ${req.devices} devices` : ''}` +
    `${req.variableLengths ? ', variable sequence lengths' : ''}` +
    `${req.inferenceBatch !== undefined ? `, inference batch ${req.inferenceBatch}` : ''}`;
  const blank = Md.raw('');
  const out: Md[] = [
    md`### Use ${escapeMd(headline)}`,
    blank,
    md`*${escapeMd(situation)}*`,
    blank,
    Md.raw('**Why**'),
    ...c.reasons.map((r) => md`- ${escapeMd(r)}`),
  ];
  if (c.alternatives.length) out.push(blank, Md.raw('**Alternatives**'), ...c.alternatives.map((a) => md`- **${escapeMd(a.name)}** ${escapeMd(a.when)}`));
  if (c.cautions.length) out.push(blank, Md.raw('**Watch out**'), ...c.cautions.map((a) => md`- ${escapeMd(a)}`));
  const text: string[] = [`Use ${headline}`, situation, '', 'Why:', ...c.reasons.map((r) => `  - ${r}`)];
  if (c.alternatives.length) {
    text.push('', 'Alternatives:', ...c.alternatives.map((a) => `  - ${a.name}: ${a.when}`));
  }
  if (c.cautions.length) text.push('', 'Watch out:', ...c.cautions.map((a) => `  - ${a}`));
  const plain = text.filter((l, i, all) => !(l === '' && all[i - 1] === '')).join('\n');
  return { markdown: Md.join(out, '\n'), text: plain, copyText: plain };
}
