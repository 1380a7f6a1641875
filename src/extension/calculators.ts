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
import {
  NORMALIZE_KINDS,
  normalizeValues,
  perGroupCount,
  validateEps,
  validateGroups,
  validatePerGroup,
  type NormalizeKind,
  type NormalizeRequest,
} from '../calc/normalize';
import { foldIntoConv, validateWeightShape, type FoldRequest } from '../calc/fold';
import { MAX_SIMULATED_BATCH, simulateRunningStats, validateTolerance, type SimulateRequest } from '../calc/simulate';
import { ARCHITECTURES, chooseNormalization, validateBatchSize, type Architecture, type ChooseRequest } from '../calc/choose';
import { PORT_FRAMEWORKS, portCalc } from '../calc/port';
import type { FrameworkId } from '../frameworks/types';
import type { MomentumConvention } from '../core/conversions';
import { FRAMEWORKS, findByQualifiedName, frameworkInfo, pyRepr } from '../frameworks/index';
import type { PyValue } from '../frameworks/types';
import { countTyped, typedLayerProblem } from '../calc/count';
import { convertMomentumBetween, validateMomentum } from '../calc/momentum';
import type { ResolvedLayer } from '../python/types';
import { COMMANDS } from '../explain/commands';
import { parseCalcStart, startFromLayer } from '../explain/links';
import { notificationText } from '../core/visible';
import { seedFromStart, type LayerSeed } from '../calc/fromLayer';
import { readSettings } from './config';
import type { ResultStore } from './results';
import { BACK_BUTTON, createInputBox, createQuickPick, registerCommand, showErrorMessage } from './vscodeapi';
import { BACK, Cancelled, Wizard, type BackWithText, type PickItem, type PickStep, type TextStep } from '../calc/wizard';

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

export type LayerAtCursor = () => ResolvedLayer | undefined;

// ---------------------------------------------------------------------------------------------
// Prompts: steps of a wizard (src/calc/wizard.ts) shown as QuickInputs with step i of n and Back

interface AskText {
  title: string;
  prompt: string;
  value?: string;
  placeHolder?: string;
  validate: (text: string) => string | null;
}

/** The wizard of the calculator running now (one runs at a time: each QuickInput is modal to the window). */
let wizard: Wizard | undefined;

/** A text step: validated on every keystroke (against the answers before it); Enter only when valid. */
function inputStep(o: TextStep): Promise<string | BackWithText | typeof BACK | undefined> {
  return new Promise((resolve) => {
    const box = createInputBox();
    let done = false;
    const finish = (v: string | BackWithText | typeof BACK | undefined) => {
      if (done) return;
      done = true;
      resolve(v);
      box.dispose();
    };
    box.title = o.title;
    box.prompt = o.prompt;
    box.value = o.value ?? '';
    box.placeholder = o.placeHolder;
    box.step = o.step;
    box.totalSteps = o.totalSteps;
    box.ignoreFocusOut = true;
    box.buttons = o.canGoBack ? [BACK_BUTTON] : [];
    // The last try's message (the calculation failed) stays until the text changes.
    box.validationMessage = o.error ?? o.validate(box.value) ?? undefined;
    box.onDidChangeValue((t) => (box.validationMessage = o.validate(t) ?? undefined));
    box.onDidAccept(() => {
      const message = o.validate(box.value);
      if (message) box.validationMessage = message;
      else finish(box.value);
    });
    box.onDidTriggerButton((b) => {
      // What was typed goes back with it: shown again on the way forward, even when not valid yet.
      if (b === BACK_BUTTON) finish({ back: BACK, typed: box.value });
    });
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}

function pickStep<T>(o: PickStep<T>): Promise<PickItem<T> | typeof BACK | undefined> {
  return new Promise((resolve) => {
    const qp = createQuickPick<vscode.QuickPickItem & { item: PickItem<T> }>();
    let done = false;
    const finish = (v: PickItem<T> | typeof BACK | undefined) => {
      if (done) return;
      done = true;
      resolve(v);
      qp.dispose();
    };
    const ordered = o.active === undefined ? o.items : [...o.items].sort((a, b) => Number(b.label === o.active) - Number(a.label === o.active));
    qp.items = ordered.map((i) => ({ label: i.label, detail: i.detail, description: i.description, item: i }));
    qp.title = o.title;
    qp.placeholder = o.error ? `${o.error} — ${o.placeHolder}` : o.placeHolder;
    qp.step = o.step;
    qp.totalSteps = o.totalSteps;
    qp.matchOnDetail = true;
    qp.ignoreFocusOut = true;
    qp.buttons = o.canGoBack ? [BACK_BUTTON] : [];
    qp.onDidAccept(() => {
      const sel = qp.selectedItems[0] ?? qp.activeItems[0];
      if (sel) finish(sel.item);
    });
    qp.onDidTriggerButton((b) => {
      if (b === BACK_BUTTON) finish(BACK);
    });
    qp.onDidHide(() => finish(undefined));
    qp.show();
  });
}

const UI = { text: inputStep, pick: pickStep };

async function askText(o: AskText): Promise<string> {
  if (wizard) return wizard.text(o);
  const r = await inputStep({ ...o, step: 1, totalSteps: 1, canGoBack: false });
  if (typeof r !== 'string') throw new Cancelled();
  return r;
}

/** A pick; `preferred` goes first, described by `why` (only a layer really at the cursor or in a link says so). */
async function askPick<T>(
  title: string,
  placeHolder: string,
  items: { label: string; detail?: string; description?: string; value: T }[],
  preferred?: T,
  why = '(from the layer at the cursor)',
): Promise<T> {
  const described = items.map((i) => ({ ...i, description: i.value === preferred && why ? `${i.description ?? ''} ${why}`.trim() : i.description }));
  const active = described.find((i) => i.value === preferred)?.label;
  if (wizard) return wizard.pick(title, placeHolder, described, active);
  const r = await pickStep({ title, placeHolder, items: described, active, step: 1, totalSteps: 1, canGoBack: false });
  if (r === undefined || r === BACK) throw new Cancelled();
  return r.value;
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const numOr = (x: unknown): number | undefined => (isNum(x) ? x : undefined);

/** Starting values from a hover link's argument (`{ qualifiedName, args, ... }`), if it is one. */
export function seedFromLink(args: CalcArgs): LayerSeed | undefined {
  // Only values the links' validator accepts (bounded, literal) are read from a link.
  const start = parseCalcStart(args);
  if (!start) return undefined;
  const seed = seedFromStart(start);
  return 'error' in seed ? undefined : seed;
}

/** Starting values from the layer under the cursor. */
export function seedFromLayer(layer: ResolvedLayer | undefined): LayerSeed | undefined {
  if (!layer) return undefined;
  const seed = seedFromStart(startFromLayer(layer));
  return 'error' in seed ? undefined : seed;
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

/**
 * Fields of a programmatic call. When the caller passed any field, optional inputs it left out
 * take their usual defaults instead of being asked for; required ones are still asked.
 */
function programmatic(args: CalcArgs): boolean {
  return Object.keys(args).some((k) => k !== 'show');
}

async function normalizeCommand(args: CalcArgs, seed: LayerSeed | undefined): Promise<CalcOutcome<unknown>> {
  const title = 'NormLens: Normalize Values';
  const quiet = programmatic(args);
  const kind =
    (args.kind as NormalizeKind | undefined) ??
    (await askPick(
      title,
      'Which normalization?',
      NORMALIZE_KINDS.map((k) => ({ label: k.label, detail: k.detail, value: k.kind })),
      seed?.kind ?? undefined,
    ));
  const fromSeed = seed && seed.kind === kind ? seed : undefined;
  const channelFirst = kind === 'batch_norm' || kind === 'group_norm' || kind === 'instance_norm';

  let values: number[];
  let shape: number[];
  if (Array.isArray(args.values) || typeof args.values === 'string') {
    const r = parseNumbers(typeof args.values === 'string' ? args.values : JSON.stringify(args.values));
    if (!r.ok) return r;
    values = r.values;
    shape = Array.isArray(args.shape) ? (args.shape as number[]) : r.shape;
  } else {
    const text = await askText({
      title,
      prompt: channelFirst
        ? 'Values: rows of a batch (N, C) as a nested array, or [[[...]]] for (N, C, L); whitespace or commas between numbers'
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

  if (channelFirst) {
    const dflt = fromSeed?.channelAxis ?? 1;
    req.channelAxis =
      numOr(args.channelAxis) ??
      (quiet || rank === 1
        ? dflt
        : scalarOf(
            await askText({
              title,
              prompt: `Channel axis of the ${rank}-D input (negative counts from the end; channels-last is -1)`,
              value: String(dflt),
              validate: (t) => validateInteger(t, 'channel axis', -rank, rank - 1),
            }),
            'channel axis',
          ));
  } else {
    const dflt = Math.min(fromSeed?.normalizedDims ?? 1, rank);
    req.normalizedDims =
      numOr(args.normalizedDims) ??
      (quiet || rank === 1
        ? dflt
        : scalarOf(
            await askText({
              title,
              prompt: `Normalize over how many trailing dimensions of the ${rank}-D input? (1 = the last one, like normalized_shape=(${shape[rank - 1]},))`,
              value: String(dflt),
              validate: (t) => validateInteger(t, 'number of dimensions', 1, rank),
            }),
            'number of dimensions',
          ));
  }
  if (kind === 'group_norm') {
    const axis = req.channelAxis! < 0 ? req.channelAxis! + rank : req.channelAxis!;
    const channels = shape[axis] ?? 1;
    const dflt = fromSeed?.groups && channels % fromSeed.groups === 0 ? fromSeed.groups : channels % 2 === 0 ? 2 : 1;
    req.groups =
      numOr(args.groups) ??
      (quiet
        ? dflt
        : scalarOf(
            await askText({
              title,
              prompt: `Number of groups (must divide the ${channels} channels)`,
              value: String(dflt),
              validate: (t) => validateGroups(t, channels),
            }),
            'groups',
          ));
  }
  const allowNone = kind === 'rms_norm';
  if (args.eps === null && allowNone) req.eps = null;
  else if (isNum(args.eps)) req.eps = args.eps;
  else {
    const dflt = fromSeed ? (fromSeed.eps === null ? (allowNone ? 'None' : '1e-05') : String(fromSeed.eps)) : '1e-05';
    const text = quiet
      ? dflt
      : await askText({
          title,
          prompt: allowNone ? 'ε (or None: the float32 machine epsilon, as torch.nn.RMSNorm uses)' : 'ε, added to the variance before the square root',
          value: dflt,
          validate: (t) => (allowNone && t.trim() === 'None' ? null : validateEps(t)),
        });
    req.eps = allowNone && text.trim() === 'None' ? null : scalarOf(text, 'ε');
  }
  const perWhat = kind === 'layer_norm' || kind === 'rms_norm' ? 'normalized element' : 'channel';
  // Checked against the values typed before: one number, or one per channel (element).
  const count = perGroupCount(kind, shape, req.channelAxis, req.normalizedDims);
  req.gamma =
    args.gamma !== undefined
      ? (args.gamma as number | number[])
      : quiet
        ? 1
        : oneOrMany(
            numbersOf(
              await askText({
                title,
                prompt: `γ (scale): one number, or ${count} (one per ${perWhat}, index 0 to ${count - 1})`,
                value: '1',
                validate: (t) => validatePerGroup(t, count, 'γ', perWhat),
              }),
            ),
          );
  if (kind !== 'rms_norm') {
    req.beta =
      args.beta !== undefined
        ? (args.beta as number | number[])
        : quiet
          ? 0
          : oneOrMany(
              numbersOf(
                await askText({
                  title,
                  prompt: `β (shift): one number, or ${count} (one per ${perWhat}, index 0 to ${count - 1})`,
                  value: '0',
                  validate: (t) => validatePerGroup(t, count, 'β', perWhat),
                }),
              ),
            );
  }
  if (kind === 'batch_norm') {
    req.mode =
      (args.mode as 'train' | 'eval' | undefined) ??
      (quiet
        ? 'train'
        : await askPick(title, 'Training or evaluation mode?', [
            { label: 'train', detail: "normalize with this batch's own mean and variance", value: 'train' as const },
            { label: 'eval', detail: 'normalize with the running statistics', value: 'eval' as const },
          ]));
    if (req.mode === 'eval') {
      req.runningMean =
        args.runningMean !== undefined
          ? (args.runningMean as number | number[])
          : quiet
            ? 0
            : oneOrMany(
                numbersOf(
                  await askText({
                    title,
                    prompt: `Running mean: one number, or ${count} (one per channel)`,
                    value: '0',
                    validate: (t) => validatePerGroup(t, count, 'running mean', 'channel'),
                  }),
                ),
              );
      req.runningVar =
        args.runningVar !== undefined
          ? (args.runningVar as number | number[])
          : quiet
            ? 1
            : oneOrMany(
                numbersOf(
                  await askText({
                    title,
                    prompt: `Running variance: one number, or ${count} (one per channel)`,
                    value: '1',
                    validate: (t) => validatePerGroup(t, count, 'running variance', 'channel', true),
                  }),
                ),
              );
    }
  } else if (args.mode === 'train' || args.mode === 'eval') {
    req.mode = args.mode;
  }
  return normalizeValues(req);
}

async function momentumCommand(args: CalcArgs, seed: LayerSeed | undefined): Promise<CalcOutcome<unknown>> {
  const title = 'NormLens: Convert Momentum';
  const settings = readSettings();
  const withMomentum = FRAMEWORKS.filter((f) => f.momentumConvention);
  const frameworkItems = withMomentum.map((f) => ({
    label: f.name,
    detail:
      f.momentumConvention === 'new-weight'
        ? 'momentum = weight of the new batch'
        : f.momentumConvention === 'old-weight'
          ? 'momentum = weight kept from the running value'
          : 'decay rate with zero-debiasing',
    value: f.id,
  }));
  const from =
    (args.from as FrameworkId | undefined) ??
    (await askPick(
      title,
      "Convert from which framework's momentum?",
      frameworkItems,
      seed && withMomentum.some((f) => f.id === seed.framework) ? seed.framework : undefined,
    ));
  const fromInfo = frameworkInfo(from);
  const allowNone = fromInfo?.momentumConvention === 'new-weight';
  let value: number | null;
  if (args.value === null || isNum(args.value)) value = args.value as number | null;
  else {
    const dflt =
      seed && seed.framework === from && seed.momentum !== undefined
        ? seed.momentum === null
          ? 'None'
          : String(seed.momentum)
        : fromInfo?.momentumConvention === 'new-weight'
          ? '0.1'
          : '0.99';
    const text = await askText({
      title,
      prompt: `${fromInfo?.name ?? from} momentum${allowNone ? ' (None: cumulative average)' : ''}`,
      value: dflt,
      validate: (t) => validateMomentum(t, allowNone),
    });
    value = text.trim() === 'None' ? null : scalarOf(text, 'momentum');
  }
  const preferredTo =
    settings.preferredFramework !== 'auto' && settings.preferredFramework !== from ? settings.preferredFramework : from === 'pytorch' ? 'keras' : 'pytorch';
  const to =
    (args.to as FrameworkId | undefined) ??
    (await askPick(
      title,
      "Into which framework's convention?",
      frameworkItems.filter((i) => i.value !== from),
      preferredTo,
      settings.preferredFramework !== 'auto' && settings.preferredFramework === preferredTo ? '(normlens.preferredFramework)' : '',
    ));
  return convertMomentumBetween(value, from, to);
}

async function foldCommand(args: CalcArgs, seed: LayerSeed | undefined): Promise<CalcOutcome<unknown>> {
  const title = 'NormLens: Fold BatchNorm into Conv/Linear';
  const quiet = programmatic(args);
  const settings = readSettings();
  const bnSeed = seed?.kind === 'batch_norm' ? seed : undefined;
  let weightShape: number[];
  if (Array.isArray(args.weightShape)) weightShape = args.weightShape as number[];
  else {
    const text = await askText({
      title,
      prompt: 'Weight shape of the Conv/Linear before the BatchNorm: (out, in) for Linear, (out, in, kH, kW) for Conv2d',
      value: `${Math.min(bnSeed?.channels ?? 4, 64)}, 3, 3, 3`,
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
  if (args.bias !== undefined || quiet) req.bias = (args.bias as number[] | null | undefined) ?? null;
  else {
    const withBias = await askPick(title, 'Does the Conv/Linear have a bias?', [
      { label: 'bias=False', detail: 'the usual choice before BatchNorm: its β makes a bias redundant', value: false },
      { label: 'bias=True', detail: 'the bias is folded too', value: true },
    ]);
    if (withBias) {
      const out = weightShape[0];
      const text = await askText({
        title,
        prompt: `Bias: one number, or ${out} (one per output channel)`,
        value: '0',
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
  const epsDefault = bnSeed?.eps ?? 1e-5;
  req.eps = isNum(args.eps)
    ? args.eps
    : quiet
      ? epsDefault
      : scalarOf(await askText({ title, prompt: 'BatchNorm ε', value: String(epsDefault), validate: validateEps }), 'ε');
  req.framework = (args.framework as string | undefined) ?? bnSeed?.framework ?? 'pytorch';
  for (const k of ['weight', 'gamma', 'beta', 'runningMean', 'runningVar'] as const) {
    if (args[k] !== undefined) (req as unknown as Record<string, unknown>)[k] = args[k];
  }
  if (!quiet) {
    // The person's own numbers unless they ask for stand-ins (which the result then labels at the top).
    const own = await askPick(title, 'Which numbers to fold?', [
      { label: 'My numbers', detail: 'paste the weight, γ, β, running mean and running variance (state_dict values)', value: true },
      { label: 'Stand-in numbers', detail: 'a seeded sample, to see the fold work; the result says so at the top', value: false },
    ]);
    if (own) {
      const size = weightShape.reduce((a, b) => a * b, 1);
      const out = weightShape[0];
      req.weight = numbersOf(
        await askText({
          title,
          prompt: `Weight: the ${size} values of the ${weightShape.join('×')} tensor, row-major (nested lists are fine)`,
          placeHolder: 'e.g. conv.weight.flatten().tolist()',
          validate: (t) => {
            const r = parseNumbers(t);
            if (!r.ok) return r.message;
            return r.values.length === size ? null : `${r.values.length} values; the weight ${weightShape.join('×')} has ${size}`;
          },
        }),
      );
      const fields = [
        ['gamma', 'γ (bn.weight)', '1', false],
        ['beta', 'β (bn.bias)', '0', false],
        ['runningMean', 'running mean (bn.running_mean)', '0', false],
        ['runningVar', 'running variance (bn.running_var)', '1', true],
      ] as const;
      for (const [key, what, dflt, nonNegative] of fields) {
        const v = numbersOf(
          await askText({
            title,
            prompt: `${what}: one number, or ${out} (one per output channel, index 0 to ${out - 1})`,
            value: dflt,
            validate: (t) => validatePerGroup(t, out, what, 'channel', nonNegative),
          }),
        );
        (req as unknown as Record<string, unknown>)[key] = v.length === 1 ? v[0] : v;
      }
    }
  }
  return foldIntoConv(req);
}

const DTYPES = [
  { label: 'float32', detail: '4 bytes per value', value: 4 },
  { label: 'float16 / bfloat16', detail: '2 bytes per value', value: 2 },
  { label: 'float64', detail: '8 bytes per value', value: 8 },
];

/** A call as text from a hover link's layer: `BatchNorm2d(num_features=64, eps=1e-05, ...)`. */
function callFromLink(args: CalcArgs): { text: string; framework: FrameworkId } | undefined {
  const start = parseCalcStart(args);
  if (!start) return undefined;
  const spec = findByQualifiedName(start.qualifiedName);
  if (!spec) return undefined;
  const given: Record<string, PyValue> = start.args;
  const parts = spec.params.filter((p) => p.name in given && !p.tensor).map((p) => `${p.name}=${pyRepr(given[p.name])}`);
  return { text: `${spec.name}(${parts.join(', ')})`, framework: spec.framework };
}

function callText(layer: ResolvedLayer): string {
  return `${layer.call.callee}(${layer.call.args.map((a) => (a.star ? `${a.star}${a.text}` : a.name ? `${a.name}=${a.text}` : a.text)).join(', ')})`;
}

async function countCommand(
  args: CalcArgs,
  _seed: LayerSeed | undefined,
  layer: ResolvedLayer | undefined,
  link: CalcArgs | undefined,
): Promise<CalcOutcome<unknown>> {
  const title = 'NormLens: Count Parameters and Memory';
  const quiet = programmatic(args);
  const settings = readSettings();
  const fromLink = link ? callFromLink(link) : undefined;
  const framework: FrameworkId =
    (args.framework as FrameworkId | undefined) ??
    fromLink?.framework ??
    layer?.spec.framework ??
    (settings.preferredFramework === 'auto' ? 'pytorch' : settings.preferredFramework);
  let text: string;
  if (typeof args.layer === 'string') text = args.layer;
  else {
    text = await askText({
      title,
      prompt: 'A normalization layer as you would write it, e.g. BatchNorm2d(64) or nn.LayerNorm([768])',
      value: fromLink?.text ?? (layer && layer.spec.form === 'module' ? callText(layer) : 'BatchNorm2d(64)'),
      // Checked as typed: an unknown layer, a name whose value is needed, what the framework refuses to build.
      validate: (t) => typedLayerProblem(t, framework),
    });
  }
  const dtypeBytes = numOr(args.dtypeBytes) ?? (quiet ? 4 : await askPick(title, 'Values stored as', DTYPES));
  const inputShape = Array.isArray(args.inputShape) ? (args.inputShape as number[]) : undefined;
  let outcome = countTyped(text, framework, { dtypeBytes, inputShape });
  if (!outcome.ok && !quiet && !inputShape && /shape|rank/i.test(outcome.message)) {
    // Layers that size themselves from their input (Keras, Flax, lazy modules) need its shape.
    const shapeText = await askText({
      title,
      prompt: `${outcome.message} — input shape, e.g. 32, 64, 56, 56`,
      validate: (t) => {
        const r = parseShape(t);
        return r.ok ? null : r.message;
      },
    });
    const r = parseShape(shapeText);
    if (!r.ok) return r;
    outcome = countTyped(text, framework, { dtypeBytes, inputShape: r.shape });
  }
  return outcome;
}

interface ConventionChoice {
  convention: MomentumConvention;
  storedVariance: 'biased' | 'unbiased';
}

async function simulateCommand(args: CalcArgs, seed: LayerSeed | undefined): Promise<CalcOutcome<unknown>> {
  const title = 'NormLens: Simulate Running Statistics';
  const quiet = programmatic(args);
  const settings = readSettings();
  const bnSeed = seed?.convention ? seed : undefined;
  let conv: ConventionChoice;
  if (args.convention) {
    conv = { convention: args.convention as MomentumConvention, storedVariance: (args.storedVariance as 'biased' | 'unbiased' | undefined) ?? 'unbiased' };
  } else {
    const items: { label: string; detail: string; value: ConventionChoice }[] = [
      {
        label: 'New-batch weight (PyTorch, MLX)',
        detail: 'running ← (1 − m)·running + m·batch; running_var stores the unbiased variance',
        value: { convention: 'new-weight', storedVariance: 'unbiased' },
      },
      {
        label: 'Old-value weight (Keras, Flax, Paddle)',
        detail: 'running ← m·running + (1 − m)·batch; the biased variance is stored',
        value: { convention: 'old-weight', storedVariance: 'biased' },
      },
      {
        label: 'Decay with zero-debiasing (Haiku)',
        detail: 'running ← d·running + (1 − d)·batch, divided by (1 − dᵗ) when read',
        value: { convention: 'decay-debiased', storedVariance: 'biased' },
      },
    ];
    if (bnSeed) {
      const i = items.findIndex((x) => x.value.convention === bnSeed.convention);
      if (i >= 0) {
        if (bnSeed.storedVariance) items[i].value = { ...items[i].value, storedVariance: bnSeed.storedVariance };
        items.unshift({ ...items.splice(i, 1)[0] });
      }
    }
    conv = await askPick(
      title,
      'How is the momentum written?',
      items.map((x, i) => ({ ...x, description: bnSeed && i === 0 ? '(from the layer at the cursor)' : undefined })),
    );
  }
  let momentum: number | null;
  if (args.momentum === null || isNum(args.momentum)) momentum = args.momentum as number | null;
  else {
    const allowNone = conv.convention === 'new-weight';
    const dflt =
      bnSeed && bnSeed.convention === conv.convention && bnSeed.momentum !== undefined
        ? bnSeed.momentum === null
          ? 'None'
          : String(bnSeed.momentum)
        : conv.convention === 'new-weight'
          ? '0.1'
          : '0.99';
    const text = await askText({
      title,
      prompt: allowNone ? 'Momentum (None: cumulative average)' : 'Momentum (weight kept from the running value)',
      value: dflt,
      validate: (t) => validateMomentum(t, allowNone),
    });
    momentum = text.trim() === 'None' ? null : scalarOf(text, 'momentum');
  }
  const dataMean = isNum(args.dataMean)
    ? args.dataMean
    : quiet
      ? 0
      : scalarOf(
          await askText({
            title,
            prompt: 'Mean of the data (per channel)',
            value: '0.5',
            validate: (t) => validateNumber(t, 'mean'),
          }),
          'mean',
        );
  const dataVar = isNum(args.dataVar)
    ? args.dataVar
    : quiet
      ? 1
      : scalarOf(
          await askText({
            title,
            prompt: 'Variance of the data (per channel)',
            value: '4',
            validate: (t) => validateNumber(t, 'variance', (x) => (x > 0 ? null : `variance must be positive (got ${x})`)),
          }),
          'variance',
        );
  const batchSize = isNum(args.batchSize)
    ? args.batchSize
    : quiet
      ? 32
      : scalarOf(
          await askText({
            title,
            prompt: 'Values per channel in each batch (N, or N·H·W for images)',
            value: '32',
            validate: (t) => validateInteger(t, 'batch size', 2, MAX_SIMULATED_BATCH),
          }),
          'batch size',
        );
  const tolerancePct = isNum(args.tolerancePct)
    ? args.tolerancePct
    : quiet
      ? 1
      : scalarOf(
          await askText({
            title,
            prompt: "Within how many percent of the data's statistics?",
            value: '1',
            validate: validateTolerance,
          }),
          'tolerance',
        );
  const req: SimulateRequest = {
    momentum,
    convention: conv.convention,
    storedVariance: conv.storedVariance,
    dataMean,
    dataVar,
    batchSize,
    tolerancePct,
    noise: args.noise === true,
    seed: numOr(args.seed) ?? settings.sampleSeed,
  };
  return simulateRunningStats(req);
}

async function chooseCommand(args: CalcArgs): Promise<CalcOutcome<unknown>> {
  const title = 'NormLens: Choose a Normalization';
  const architecture =
    (args.architecture as Architecture | undefined) ??
    (await askPick(
      title,
      'What kind of network?',
      ARCHITECTURES.map((a) => ({ label: a.label, detail: a.detail, value: a.id })),
    ));
  const batchPerDevice = isNum(args.batchPerDevice)
    ? args.batchPerDevice
    : scalarOf(
        await askText({
          title,
          prompt: 'Training batch size on each device (what each normalization layer sees)',
          value: '32',
          validate: (t) => validateBatchSize(t, 'batch size per device'),
        }),
        'batch size',
      );
  const devices = isNum(args.devices)
    ? args.devices
    : args.batchPerDevice !== undefined
      ? 1
      : scalarOf(
          await askText({
            title,
            prompt: 'Number of devices (GPUs) training together',
            value: '1',
            validate: (t) => validateBatchSize(t, 'number of devices'),
          }),
          'devices',
        );
  let variableLengths = args.variableLengths as boolean | undefined;
  if (variableLengths === undefined && (architecture === 'transformer' || architecture === 'rnn') && args.batchPerDevice === undefined) {
    variableLengths = await askPick(title, 'Do the sequences have different lengths (padding or packing)?', [
      { label: 'Yes, variable lengths', value: true },
      { label: 'No, all the same length', value: false },
    ]);
  }
  let inferenceBatch = numOr(args.inferenceBatch);
  if (inferenceBatch === undefined && args.batchPerDevice === undefined) {
    inferenceBatch = scalarOf(
      await askText({
        title,
        prompt: 'Batch size at inference',
        value: String(batchPerDevice),
        validate: (t) => validateBatchSize(t, 'inference batch size'),
      }),
      'inference batch size',
    );
  }
  const req: ChooseRequest = { architecture, batchPerDevice, devices, variableLengths, inferenceBatch };
  return chooseNormalization(req);
}

// ---------------------------------------------------------------------------------------------
// Registration

/**
 * A calculator: request fields given by the caller, starting values (from the cursor's layer or a
 * hover link), the layer under the cursor itself, and the hover link's argument when started from one.
 */
async function portCommand(
  args: CalcArgs,
  _seed: LayerSeed | undefined,
  layer: ResolvedLayer | undefined,
  link: CalcArgs | undefined,
): Promise<CalcOutcome<unknown>> {
  const title = 'NormLens: Port a Normalization Layer';
  // The layer: given, from a hover link, or the one under the cursor, with its literal arguments.
  let qualifiedName = typeof args.layer === 'string' ? args.layer : typeof link?.qualifiedName === 'string' ? link.qualifiedName : layer?.spec.id;
  let kwargs: Record<string, PyValue> = {};
  if (args.kwargs && typeof args.kwargs === 'object') kwargs = args.kwargs as Record<string, PyValue>;
  else if (link?.args && typeof link.args === 'object') kwargs = link.args as Record<string, PyValue>;
  else if (layer) for (const [k, v] of Object.entries(layer.arguments)) kwargs[k] = v;
  if (!qualifiedName) {
    qualifiedName = await askText({
      title,
      prompt: 'Qualified name of the layer, e.g. torch.nn.BatchNorm2d',
      value: 'torch.nn.BatchNorm2d',
      validate: (t) => (findByQualifiedName(t.trim()) ? null : `unknown layer ${t.trim()}`),
    });
    qualifiedName = qualifiedName.trim();
  }
  const from = findByQualifiedName(qualifiedName)?.framework;
  const to =
    (args.to as FrameworkId | undefined) ??
    (await askPick(
      title,
      'Into which framework?',
      PORT_FRAMEWORKS.filter((f) => f !== from).map((f) => ({ label: frameworkInfo(f)!.name, value: f })),
    ));
  let inputShape = Array.isArray(args.inputShape) ? (args.inputShape as number[]) : undefined;
  if (!inputShape) {
    const shapeText = await askText({
      title,
      prompt: 'Input shape in the source layout (sizes the target), e.g. 32, 64, 28, 28',
      validate: (t) => {
        const r = parseShape(t);
        return r.ok ? null : r.message;
      },
    });
    const r = parseShape(shapeText);
    if (!r.ok) return r;
    inputShape = r.shape;
  }
  const countPerChannel = numOr(args.countPerChannel) ?? undefined;
  return portCalc({ layer: qualifiedName, kwargs, to, inputShape, countPerChannel });
}

export type Calculator = (
  args: CalcArgs,
  seed: LayerSeed | undefined,
  layer: ResolvedLayer | undefined,
  link: CalcArgs | undefined,
) => Promise<CalcOutcome<unknown>>;

export const CALCULATORS: Record<string, { title: string; run: Calculator }> = {
  [COMMANDS.normalize.id]: { title: 'Normalize values', run: normalizeCommand },
  [COMMANDS.momentum.id]: { title: 'Momentum conversion', run: momentumCommand },
  [COMMANDS.count.id]: { title: 'Parameters and memory', run: countCommand },
  [COMMANDS.fold.id]: { title: 'Fold BatchNorm', run: foldCommand },
  [COMMANDS.simulate.id]: { title: 'Running statistics', run: simulateCommand },
  [COMMANDS.choose.id]: { title: 'Choose a normalization', run: (args) => chooseCommand(args) },
  [COMMANDS.port.id]: { title: 'Port a normalization layer', run: portCommand },
};

/** About how many questions each calculator asks (the "step i of n" total grows if a path asks more). */
const STEPS: Record<string, number> = {
  [COMMANDS.normalize.id]: 7,
  [COMMANDS.momentum.id]: 3,
  [COMMANDS.count.id]: 2,
  [COMMANDS.fold.id]: 10,
  [COMMANDS.simulate.id]: 5,
  [COMMANDS.choose.id]: 5,
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
          // Questions are steps of one wizard: numbered, with Back, answers kept, and a failed
          // calculation shown on the last step instead of losing what was typed.
          const linkSeed = seedFromLink(args);
          const layer = linkSeed ? undefined : layerAtCursor();
          const w = new Wizard(UI, STEPS[id] ?? 3);
          wizard = w;
          try {
            outcome = await w.run(() =>
              linkSeed ? calc.run({ show: args.show }, linkSeed, undefined, args) : calc.run(args, seedFromLayer(layer), layer, undefined),
            );
          } finally {
            if (wizard === w) wizard = undefined;
          }
        } catch (err) {
          if (err instanceof Cancelled) return undefined;
          outcome = { ok: false, message: err instanceof Error ? err.message : String(err) };
        }
        if (!outcome.ok) {
          if (args.show !== false) void showErrorMessage(notificationText(`NormLens: ${outcome.message}`));
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
