/**
 * The command-palette calculators. Each command asks for its inputs with QuickPicks and input
 * boxes that validate as the person types, starts from the arguments of the layer under the
 * cursor when there is one, and shows the result (Markdown preview + "Copy").
 *
 * Every command also takes an optional argument object: fields given there are not asked for,
 * and `show: false` returns the outcome without opening anything (used by hover links and tests).
 */
import * as vscode from 'vscode';
import type { CalcOutcome } from '../calc/result';
import { parseNumbers, parseShape, parseScalar } from '../calc/parse';
import { NORMALIZE_KINDS, normalizeValues, validateEps, type NormalizeKind, type NormalizeRequest } from '../calc/normalize';
import { foldIntoConv, validateWeightShape, type FoldRequest } from '../calc/fold';
import { simulateRunningStats, validateTolerance, type SimulateRequest } from '../calc/simulate';
import { ARCHITECTURES, chooseNormalization, validateBatchSize, type Architecture, type ChooseRequest } from '../calc/choose';
import type { MomentumConvention, ParamRoles, PyValue } from '../frameworks/types';
import type { ResolvedLayer } from '../python/types';
import type { NormClassSpec } from '../frameworks/types';
import { FRAMEWORKS, NORM_CLASSES } from '../frameworks/table';
import { readSettings } from './config';
import type { ResultStore } from './results';
import { registerCommand, showInputBox, showQuickPick, showErrorMessage } from './vscodeapi';

/** What a calculator command returns (also to `executeCommand` callers). */
export interface CalcCommandResult {
  ok: boolean;
  message?: string;
  markdown?: string;
  text?: string;
  copyText?: string;
  value?: unknown;
  /** The document the result was shown in, when shown. */
  uri?: string;
}

export interface CalcArgs {
  show?: boolean;
  [key: string]: unknown;
}

/** Thrown when the person dismisses a prompt: the command ends quietly. */
class Cancelled extends Error {}

export type LayerAtCursor = () => ResolvedLayer | undefined;

// ---------------------------------------------------------------------------------------------
// Prompts

interface AskText {
  title: string;
  prompt: string;
  value?: string;
  placeHolder?: string;
  validate: (text: string) => string | null;
}

async function askText(o: AskText): Promise<string> {
  const r = await showInputBox({
    title: o.title,
    prompt: o.prompt,
    value: o.value,
    placeHolder: o.placeHolder,
    ignoreFocusOut: true,
    validateInput: (t) => o.validate(t) ?? undefined,
  });
  if (r === undefined) throw new Cancelled();
  return r;
}

async function askPick<T>(title: string, placeHolder: string, items: { label: string; detail?: string; description?: string; value: T }[], preferred?: T): Promise<T> {
  const ordered = preferred === undefined ? items : [...items].sort((a, b) => Number(b.value === preferred) - Number(a.value === preferred));
  const r = await showQuickPick(
    ordered.map((i) => ({ ...i, description: i.value === preferred ? `${i.description ?? ''} (from the layer at the cursor)`.trim() : i.description })),
    { title, placeHolder, ignoreFocusOut: true, matchOnDetail: true },
  );
  if (!r) throw new Cancelled();
  return r.value;
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const numOr = (x: unknown): number | undefined => (isNum(x) ? x : undefined);

/**
 * The layer a calculator starts from: the one under the cursor, or the one a hover link names
 * (`{ qualifiedName, args }`), with its effective arguments by parameter name.
 */
export interface LayerStart {
  spec: NormClassSpec;
  values: Record<string, PyValue>;
}

export function startFromLayer(layer: ResolvedLayer | undefined): LayerStart | undefined {
  if (!layer) return undefined;
  const values: Record<string, PyValue> = {};
  for (const [k, v] of Object.entries(layer.effective)) values[k] = v.value;
  return { spec: layer.spec, values };
}

/** A hover link's argument ({ qualifiedName, args }) as a start, or undefined when it is not one. */
export function startFromLink(args: CalcArgs): LayerStart | undefined {
  if (typeof args.qualifiedName !== 'string' || !args.args || typeof args.args !== 'object') return undefined;
  const spec = NORM_CLASSES.find((c) => c.id === args.qualifiedName || c.qualifiedNames.includes(args.qualifiedName as string));
  return spec ? { spec, values: args.args as Record<string, PyValue> } : undefined;
}

/** The literal number a layer's argument in some role holds (written or default), if any. */
function layerNumber(layer: LayerStart | undefined, role: keyof ParamRoles): number | undefined {
  const name = layer?.spec.roles[role];
  const v: PyValue | undefined = name ? layer.values[name] : undefined;
  return typeof v === 'number' ? v : undefined;
}

function layerHasNone(layer: LayerStart | undefined, role: keyof ParamRoles): boolean {
  const name = layer?.spec.roles[role];
  return !!name && !!layer && name in layer.values && layer.values[name] === null;
}

function validateNumbers(text: string): string | null {
  const r = parseNumbers(text);
  return r.ok ? null : r.message;
}

function validateInteger(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): string | null {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return `${what} must be a whole number (got '${t}')`;
  const x = Number(t);
  if (x < min || x > max) return `${what} must be between ${min} and ${max} (got ${x})`;
  return null;
}

function validateNumber(text: string, what: string, check?: (x: number) => string | null): string | null {
  const r = parseScalar(text, what);
  if (!r.ok) return r.message;
  return check ? check(r.value) : null;
}

const numbersOf = (text: string): number[] => {
  const r = parseNumbers(text);
  if (!r.ok) throw new Error(r.message);
  return r.values;
};
const scalarOf = (text: string, what: string): number => {
  const r = parseScalar(text, what);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

/** A single number or a list, as the calculators take for γ, β and running statistics. */
function oneOrMany(values: number[]): number | number[] {
  return values.length === 1 ? values[0] : values;
}

// ---------------------------------------------------------------------------------------------
// The calculators

const KIND_OF_LAYER: Record<string, NormalizeKind> = {
  batch_norm: 'batch_norm',
  layer_norm: 'layer_norm',
  rms_norm: 'rms_norm',
  group_norm: 'group_norm',
  instance_norm: 'instance_norm',
};

async function normalizeCommand(args: CalcArgs, layer: LayerStart | undefined): Promise<CalcOutcome<unknown>> {
  const title = 'NormLens: Normalize Values';
  const layerKind = layer ? KIND_OF_LAYER[layer.spec.kind] : undefined;
  const kind = (args.kind as NormalizeKind | undefined) ??
    (await askPick(title, 'Which normalization?', NORMALIZE_KINDS.map((k) => ({ label: k.label, detail: k.detail, value: k.kind })), layerKind));

  let values: number[];
  let shape: number[];
  if (Array.isArray(args.values) || typeof args.values === 'string') {
    const r = parseNumbers(typeof args.values === 'string' ? args.values : JSON.stringify(args.values));
    if (!r.ok) return r;
    values = r.values;
    shape = Array.isArray(args.shape) ? (args.shape as number[]) : r.shape;
  } else {
    const channelFirst = kind === 'batch_norm' || kind === 'group_norm' || kind === 'instance_norm';
    const text = await askText({
      title,
      prompt: channelFirst
        ? 'Values: a nested array, e.g. rows of a batch (N, C), or JSON/NumPy-style [[...]] for (N, C, L)'
        : 'Values: a nested array; each row is normalized over its last dimension',
      value: channelFirst ? '[[1, 2, 3, 4], [3, 2, 1, 0], [2, 2, 6, 4]]' : '[[1, 2, 3, 4], [2, 4, 6, 8]]',
      validate: validateNumbers,
    });
    const r = parseNumbers(text);
    if (!r.ok) return r;
    values = r.values;
    shape = r.shape;
  }
  const rank = shape.length;

  const req: NormalizeRequest = { values, shape, kind, eps: 1e-5 };
  if (kind === 'batch_norm' || kind === 'group_norm' || kind === 'instance_norm') {
    req.channelAxis = numOr(args.channelAxis) ?? (rank === 1 ? 1 : scalarOf(await askText({
      title,
      prompt: `Channel axis of the ${rank}-D input (negative counts from the end; Keras-style channels-last is -1)`,
      value: '1',
      validate: (t) => validateInteger(t, 'channel axis', -rank, rank - 1),
    }), 'channel axis'));
  } else {
    req.normalizedDims = numOr(args.normalizedDims) ?? (rank === 1 ? 1 : scalarOf(await askText({
      title,
      prompt: `Normalize over how many trailing dimensions of the ${rank}-D input? (1 = the last one, like normalized_shape=(${shape[rank - 1]},))`,
      value: '1',
      validate: (t) => validateInteger(t, 'number of dimensions', 1, rank),
    }), 'number of dimensions'));
  }
  if (kind === 'group_norm') {
    const axis = req.channelAxis! < 0 ? req.channelAxis! + rank : req.channelAxis!;
    const channels = shape[axis] ?? 1;
    req.groups = numOr(args.groups) ?? scalarOf(await askText({
      title,
      prompt: `Number of groups (must divide the ${channels} channels)`,
      value: String(layerNumber(layer, 'groups') ?? (channels % 2 === 0 ? 2 : 1)),
      validate: (t) => validateInteger(t, 'groups', 1, channels) ?? (channels % Number(t) === 0 ? null : `${channels} channels cannot be split into ${t} equal groups`),
    }), 'groups');
  }
  if (args.eps === null && kind === 'rms_norm') req.eps = null;
  else if (isNum(args.eps)) req.eps = args.eps;
  else {
    const allowNone = kind === 'rms_norm';
    const fromLayer = layerNumber(layer, 'eps');
    const text = await askText({
      title,
      prompt: allowNone ? 'ε (or None: the float32 machine epsilon, as torch.nn.RMSNorm does)' : 'ε, added to the variance before the square root',
      value: fromLayer !== undefined && layerKind === kind ? String(fromLayer) : allowNone && layerHasNone(layer, 'eps') ? 'None' : '1e-05',
      validate: (t) => (allowNone && t.trim() === 'None' ? null : validateEps(t)),
    });
    req.eps = allowNone && text.trim() === 'None' ? null : scalarOf(text, 'ε');
  }
  const perWhat = kind === 'layer_norm' || kind === 'rms_norm' ? 'normalized element' : 'channel';
  req.gamma = args.gamma !== undefined ? (args.gamma as number | number[]) : oneOrMany(numbersOf(await askText({
    title, prompt: `γ (scale): one number, or one per ${perWhat}`, value: '1', validate: validateNumbers,
  })));
  if (kind !== 'rms_norm') {
    req.beta = args.beta !== undefined ? (args.beta as number | number[]) : oneOrMany(numbersOf(await askText({
      title, prompt: `β (shift): one number, or one per ${perWhat}`, value: '0', validate: validateNumbers,
    })));
  }
  if (kind === 'batch_norm') {
    req.mode = (args.mode as 'train' | 'eval' | undefined) ?? (await askPick(title, 'Training or evaluation mode?', [
      { label: 'train', detail: 'normalize with this batch\'s own mean and variance', value: 'train' as const },
      { label: 'eval', detail: 'normalize with running statistics', value: 'eval' as const },
    ]));
    if (req.mode === 'eval') {
      req.runningMean = args.runningMean !== undefined ? (args.runningMean as number | number[]) : oneOrMany(numbersOf(await askText({
        title, prompt: 'Running mean: one number, or one per channel', value: '0', validate: validateNumbers,
      })));
      req.runningVar = args.runningVar !== undefined ? (args.runningVar as number | number[]) : oneOrMany(numbersOf(await askText({
        title, prompt: 'Running variance: one number, or one per channel', value: '1',
        validate: (t) => validateNumbers(t) ?? (parseNumbers(t).ok && (parseNumbers(t) as { values: number[] }).values.some((v) => v < 0) ? 'a variance cannot be negative' : null),
      })));
    }
  } else if (args.mode) {
    req.mode = args.mode as 'train' | 'eval';
  }
  return normalizeValues(req);
}

async function foldCommand(args: CalcArgs, layer: LayerStart | undefined): Promise<CalcOutcome<unknown>> {
  const title = 'NormLens: Fold BatchNorm into Conv/Linear';
  const settings = readSettings();
  let weightShape: number[];
  if (Array.isArray(args.weightShape)) weightShape = args.weightShape as number[];
  else {
    const channels = layer?.spec.kind === 'batch_norm' ? layerNumber(layer, 'channels') : undefined;
    const text = await askText({
      title,
      prompt: 'Weight shape of the Conv/Linear before the BatchNorm: (out, in) for Linear, (out, in, kH, kW) for Conv2d',
      value: `${channels ?? 4}, 3, 3, 3`,
      validate: (t) => {
        const r = parseShape(t);
        return r.ok ? validateWeightShape(r.shape) : r.message;
      },
    });
    const r = parseShape(text);
    if (!r.ok) return r;
    weightShape = r.shape;
  }
  const req: FoldRequest = { weightShape, eps: 1e-5, seed: numOr(args.seed) ?? settings.sampleSeed };
  if (args.bias !== undefined) req.bias = args.bias as number[] | null;
  else {
    const withBias = await askPick(title, 'Does the Conv/Linear have a bias?', [
      { label: 'bias=False', detail: 'the usual choice before BatchNorm: its β makes a bias redundant', value: false },
      { label: 'bias=True', detail: 'a bias (seeded sample values) is folded too', value: true },
    ]);
    if (withBias) {
      const out = weightShape[0];
      const text = await askText({
        title, prompt: `Bias: one number, or ${out} (one per output channel)`, value: '0',
        validate: (t) => {
          const r = parseNumbers(t);
          if (!r.ok) return r.message;
          return r.values.length === 1 || r.values.length === out ? null : `${r.values.length} values; give one number or ${out}`;
        },
      });
      const v = numbersOf(text);
      req.bias = v.length === 1 ? new Array<number>(out).fill(v[0]) : v;
    } else req.bias = null;
  }
  if (isNum(args.eps)) req.eps = args.eps;
  else {
    const fromLayer = layer?.spec.kind === 'batch_norm' ? layerNumber(layer, 'eps') : undefined;
    req.eps = scalarOf(await askText({ title, prompt: 'BatchNorm ε', value: String(fromLayer ?? 1e-5), validate: validateEps }), 'ε');
  }
  for (const k of ['weight', 'gamma', 'beta', 'runningMean', 'runningVar'] as const) {
    if (args[k] !== undefined) (req as unknown as Record<string, unknown>)[k] = args[k];
  }
  return foldIntoConv(req);
}

interface ConventionChoice {
  convention: MomentumConvention;
  storedVariance: 'biased' | 'unbiased';
}

async function simulateCommand(args: CalcArgs, layer: LayerStart | undefined): Promise<CalcOutcome<unknown>> {
  const title = 'NormLens: Simulate Running Statistics';
  const settings = readSettings();
  const layerSpec = layer?.spec.kind === 'batch_norm' ? layer.spec : undefined;
  let conv: ConventionChoice;
  if (args.convention) {
    conv = { convention: args.convention as MomentumConvention, storedVariance: (args.storedVariance as 'biased' | 'unbiased' | undefined) ?? 'unbiased' };
  } else {
    const preferred = layerSpec ? FRAMEWORKS.find((f) => f.id === layerSpec.framework)?.momentumConvention ?? undefined : undefined;
    const items: { label: string; detail: string; value: ConventionChoice }[] = [
      { label: 'New-batch weight (PyTorch, MLX)', detail: 'running ← (1 − m)·running + m·batch; running_var stores the unbiased variance', value: { convention: 'new-weight', storedVariance: 'unbiased' } },
      { label: 'Old-value weight (Keras, Flax, Paddle)', detail: 'running ← m·running + (1 − m)·batch; the biased variance is stored', value: { convention: 'old-weight', storedVariance: 'biased' } },
      { label: 'Decay with zero-debiasing (Haiku)', detail: 'running ← d·running + (1 − d)·batch, divided by (1 − dᵗ) when read', value: { convention: 'decay-debiased', storedVariance: 'biased' } },
    ];
    conv = await askPick(title, 'How is the momentum written?', items.map((i) => ({ ...i, description: i.value.convention === preferred ? '(from the layer at the cursor)' : undefined })));
  }
  let momentum: number | null;
  if (args.momentum === null || isNum(args.momentum)) momentum = args.momentum as number | null;
  else {
    const allowNone = conv.convention === 'new-weight';
    const fromLayer = layerSpec ? layerNumber(layer, 'momentum') : undefined;
    const dflt = fromLayer ?? (conv.convention === 'new-weight' ? 0.1 : 0.99);
    const text = await askText({
      title,
      prompt: allowNone ? 'Momentum (or None for a cumulative average)' : 'Momentum (decay of the old value)',
      value: layerHasNone(layer, 'momentum') && allowNone ? 'None' : String(dflt),
      validate: (t) => (allowNone && t.trim() === 'None' ? null : validateNumber(t, 'momentum', (x) => (x < 0 || x > 1 ? `momentum must be between 0 and 1 (got ${x})` : null))),
    });
    momentum = text.trim() === 'None' ? null : scalarOf(text, 'momentum');
  }
  const dataMean = isNum(args.dataMean) ? args.dataMean : scalarOf(await askText({
    title, prompt: 'Mean of the data (per channel)', value: '0.5', validate: (t) => validateNumber(t, 'mean'),
  }), 'mean');
  const dataVar = isNum(args.dataVar) ? args.dataVar : scalarOf(await askText({
    title, prompt: 'Variance of the data (per channel)', value: '4',
    validate: (t) => validateNumber(t, 'variance', (x) => (x > 0 ? null : `variance must be positive (got ${x})`)),
  }), 'variance');
  const batchSize = isNum(args.batchSize) ? args.batchSize : scalarOf(await askText({
    title, prompt: 'Values per channel in each batch (N, or N·H·W for images)', value: '32',
    validate: (t) => validateInteger(t, 'batch size', 2),
  }), 'batch size');
  const tolerancePct = isNum(args.tolerancePct) ? args.tolerancePct : scalarOf(await askText({
    title, prompt: 'Within how many percent of the data\'s statistics?', value: '1', validate: validateTolerance,
  }), 'tolerance');
  const req: SimulateRequest = {
    momentum, convention: conv.convention, storedVariance: conv.storedVariance, dataMean, dataVar, batchSize, tolerancePct,
    noise: args.noise === true, seed: numOr(args.seed) ?? settings.sampleSeed,
  };
  return simulateRunningStats(req);
}

async function chooseCommand(args: CalcArgs): Promise<CalcOutcome<unknown>> {
  const title = 'NormLens: Choose a Normalization';
  const architecture = (args.architecture as Architecture | undefined) ??
    (await askPick(title, 'What kind of network?', ARCHITECTURES.map((a) => ({ label: a.label, detail: a.detail, value: a.id }))));
  const batchPerDevice = isNum(args.batchPerDevice) ? args.batchPerDevice : scalarOf(await askText({
    title, prompt: 'Training batch size on each device (what each normalization layer sees)', value: '32',
    validate: (t) => validateBatchSize(t, 'batch size per device'),
  }), 'batch size');
  const devices = isNum(args.devices) ? args.devices : args.batchPerDevice !== undefined ? 1 : scalarOf(await askText({
    title, prompt: 'Number of devices (GPUs) training together', value: '1', validate: (t) => validateBatchSize(t, 'number of devices'),
  }), 'devices');
  let variableLengths = args.variableLengths as boolean | undefined;
  if (variableLengths === undefined && (architecture === 'transformer' || architecture === 'rnn') && args.batchPerDevice === undefined) {
    variableLengths = await askPick(title, 'Do the sequences have different lengths (padding or packing)?', [
      { label: 'Yes, variable lengths', value: true },
      { label: 'No, all the same length', value: false },
    ]);
  }
  let inferenceBatch = numOr(args.inferenceBatch);
  if (inferenceBatch === undefined && args.batchPerDevice === undefined) {
    inferenceBatch = scalarOf(await askText({
      title, prompt: 'Batch size at inference', value: String(batchPerDevice), validate: (t) => validateBatchSize(t, 'inference batch size'),
    }), 'inference batch size');
  }
  const req: ChooseRequest = { architecture, batchPerDevice, devices, variableLengths, inferenceBatch };
  return chooseNormalization(req);
}

// ---------------------------------------------------------------------------------------------
// Registration

export type Calculator = (args: CalcArgs, layer: LayerStart | undefined) => Promise<CalcOutcome<unknown>>;

export const CALCULATORS: Record<string, { title: string; run: Calculator }> = {
  'normlens.calc.normalize': { title: 'Normalize values', run: normalizeCommand },
  'normlens.calc.fold': { title: 'Fold BatchNorm', run: foldCommand },
  'normlens.calc.simulate': { title: 'Running statistics', run: simulateCommand },
  'normlens.calc.choose': { title: 'Choose a normalization', run: (args) => chooseCommand(args) },
};

export function registerCalculators(
  context: vscode.ExtensionContext,
  results: ResultStore,
  layerAtCursor: LayerAtCursor,
  extra: Record<string, { title: string; run: Calculator }> = {},
): void {
  const all = { ...CALCULATORS, ...extra };
  for (const [id, calc] of Object.entries(all)) {
    context.subscriptions.push(
      registerCommand(id, async (rawArgs?: unknown): Promise<CalcCommandResult | undefined> => {
        const args: CalcArgs = rawArgs && typeof rawArgs === 'object' && !Array.isArray(rawArgs) ? (rawArgs as CalcArgs) : {};
        let outcome: CalcOutcome<unknown>;
        try {
          // A hover link names its layer (and asks for everything else); otherwise the fields
          // given are used as they are and the layer under the cursor fills the prompts.
          const link = startFromLink(args);
          outcome = link ? await calc.run({ show: args.show }, link) : await calc.run(args, startFromLayer(layerAtCursor()));
        } catch (err) {
          if (err instanceof Cancelled) return undefined;
          outcome = { ok: false, message: err instanceof Error ? err.message : String(err) };
        }
        if (!outcome.ok) {
          if (args.show !== false) void showErrorMessage(`NormLens: ${outcome.message}`);
          return { ok: false, message: outcome.message };
        }
        const result: CalcCommandResult = { ok: true, markdown: outcome.markdown, text: outcome.text, copyText: outcome.copyText, value: outcome.value };
        if (args.show !== false) {
          const uri = await results.show({ title: calc.title, markdown: outcome.markdown, copyText: outcome.copyText });
          result.uri = uri.toString();
        }
        return result;
      }),
    );
  }
}
