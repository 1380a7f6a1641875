/**
 * The messages exchanged between the extension host and the comparison panel's webview, and
 * the panel state that VS Code persists across reloads. Defined once here; both sides validate
 * everything they receive with the parsers below, because a webview message is untyped JSON
 * and a restored state may come from an older version of the panel.
 *
 * Pure: no `vscode` import, no DOM, no Node API.
 */
import { FRAMEWORK_IDS, LAYER_KINDS, NORM_METHODS, type FrameworkId, type LayerKind, type NormMethod, type PyValue } from './frameworks/types';

export const PROTOCOL_VERSION = 1;

/** The input tensor layouts the panel offers; each fixes the rank and which axis holds channels. */
export type Layout = 'NCL' | 'NCHW' | 'BSD';
export const LAYOUTS: readonly Layout[] = ['NCL', 'NCHW', 'BSD'];

/** The webview panel's type: the extension creates and restores it, package.json activates on it. */
export const PANEL_VIEW_TYPE = 'normlens.comparisonPanel';

/** The five methods compared side by side (frameworks/types NORM_METHODS). */
export type PanelMethod = NormMethod;
export const PANEL_METHODS: readonly PanelMethod[] = NORM_METHODS;

/** Largest input tensor the panel accepts (elements). */
export const MAX_ELEMENTS = 65536;

/** Most training batches the train-vs-eval simulation takes. */
export const MAX_TRAIN_STEPS = 300;

/** What a hover link (or another command) asks the panel to show. */
export interface OpenRequest {
  framework?: FrameworkId;
  kind?: LayerKind;
  /** Effective constructor arguments by parameter name, as the recognizer binds them. */
  args?: Record<string, PyValue>;
  /** Rank of the layer's usual input (2 to 5): the panel starts from the preset of that rank. */
  rank?: number;
  /**
   * The layer's place in its residual block, from the code's data flow: the panel's pre-/post-norm
   * note then says which one this layer is (1-based line of the residual add).
   */
  placement?: { kind: 'pre-norm' | 'post-norm'; addLine: number };
}

/** Everything the panel needs to redraw itself; persisted with the webview's setState. */
export interface PanelState {
  version: 1;
  framework: FrameworkId;
  layout: Layout;
  shape: number[];
  /** Row-major input values, `shape` product long. */
  data: number[];
  /** null = each method uses its framework default ε. */
  eps: number | null;
  gamma: number;
  beta: number;
  groups: number;
  /** null = the framework's default momentum, in the framework's own convention. */
  momentum: number | null;
  seed: number;
  /** Training batches taken in the train-vs-eval simulation. */
  trainSteps: number;
  /** Method emphasised in the large views. */
  focus: PanelMethod;
  /** The exercise's chosen answer id, or null when not answered yet. */
  answer: string | null;
}

export type HostToWebview = { type: 'open'; request: OpenRequest } | { type: 'reset' };

export type WebviewToHost = { type: 'ready'; version: number } | { type: 'copy'; text: string } | { type: 'error'; message: string };

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'number') return String(x);
  return typeof x === 'string' ? `the string ${JSON.stringify(x.length > 40 ? x.slice(0, 40) + '…' : x)}` : typeof x;
}

/** Only these keys may appear; an unknown key is reported rather than silently carried along. */
function unknownKey(obj: Record<string, unknown>, allowed: readonly string[]): string | null {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) return k;
  return null;
}

/** A Python value as the recognizer produces it; depth-limited so hostile input cannot recurse forever. */
export function isPyValue(x: unknown, depth = 0): x is PyValue {
  if (depth > 16) return false;
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return true;
  if (typeof x === 'number') return Number.isFinite(x);
  if (Array.isArray(x)) return x.every((v) => isPyValue(v, depth + 1));
  if (isRecord(x)) return Object.keys(x).length === 1 && typeof x.expr === 'string';
  return false;
}

export function parseOpenRequest(x: unknown): Parsed<OpenRequest> {
  if (x === undefined || x === null) return ok({});
  if (!isRecord(x)) return fail(`open request must be an object, got ${describe(x)}`);
  const extra = unknownKey(x, ['framework', 'kind', 'args', 'rank', 'placement']);
  if (extra) return fail(`open request has an unknown field "${extra}"`);
  const out: OpenRequest = {};
  if (x.framework !== undefined) {
    if (typeof x.framework !== 'string' || !(FRAMEWORK_IDS as readonly string[]).includes(x.framework)) {
      return fail(`open request: unknown framework ${describe(x.framework)} (expected one of ${FRAMEWORK_IDS.join(', ')})`);
    }
    out.framework = x.framework as FrameworkId;
  }
  if (x.kind !== undefined) {
    if (typeof x.kind !== 'string' || !(LAYER_KINDS as readonly string[]).includes(x.kind)) {
      return fail(`open request: unknown layer kind ${describe(x.kind)}`);
    }
    out.kind = x.kind as LayerKind;
  }
  if (x.args !== undefined) {
    if (!isRecord(x.args)) return fail(`open request: args must be an object of argument values, got ${describe(x.args)}`);
    const args: Record<string, PyValue> = {};
    for (const [k, v] of Object.entries(x.args)) {
      if (!isPyValue(v)) return fail(`open request: argument "${k}" is not a Python literal value (${describe(v)})`);
      args[k] = v;
    }
    out.args = args;
  }
  if (x.rank !== undefined) {
    if (typeof x.rank !== 'number' || !Number.isInteger(x.rank) || x.rank < 2 || x.rank > 5)
      return fail(`open request: rank must be an integer from 2 to 5, got ${describe(x.rank)}`);
    out.rank = x.rank;
  }
  if (x.placement !== undefined) {
    const p = x.placement;
    if (!isRecord(p) || unknownKey(p, ['kind', 'addLine'])) return fail(`open request: placement must be { kind, addLine }, got ${describe(p)}`);
    if (p.kind !== 'pre-norm' && p.kind !== 'post-norm') return fail(`open request: placement kind must be "pre-norm" or "post-norm", got ${describe(p.kind)}`);
    if (typeof p.addLine !== 'number' || !Number.isInteger(p.addLine) || p.addLine < 1 || p.addLine > 1e9)
      return fail(`open request: placement addLine must be a line number from 1, got ${describe(p.addLine)}`);
    out.placement = { kind: p.kind, addLine: p.addLine };
  }
  return ok(out);
}

export function parseHostMessage(x: unknown): Parsed<HostToWebview> {
  if (!isRecord(x)) return fail(`message must be an object, got ${describe(x)}`);
  switch (x.type) {
    case 'open': {
      const extra = unknownKey(x, ['type', 'request']);
      if (extra) return fail(`"open" message has an unknown field "${extra}"`);
      const r = parseOpenRequest(x.request);
      return r.ok ? ok({ type: 'open', request: r.value }) : fail(r.reason);
    }
    case 'reset': {
      const extra = unknownKey(x, ['type']);
      return extra ? fail(`"reset" message has an unknown field "${extra}"`) : ok({ type: 'reset' });
    }
    default:
      return fail(`unknown host message type ${describe(x.type)}`);
  }
}

const MAX_COPY_CHARS = 10_000_000;

export function parseWebviewMessage(x: unknown): Parsed<WebviewToHost> {
  if (!isRecord(x)) return fail(`message must be an object, got ${describe(x)}`);
  switch (x.type) {
    case 'ready': {
      const extra = unknownKey(x, ['type', 'version']);
      if (extra) return fail(`"ready" message has an unknown field "${extra}"`);
      if (x.version !== PROTOCOL_VERSION) return fail(`"ready" message: protocol version ${describe(x.version)} is not ${PROTOCOL_VERSION}`);
      return ok({ type: 'ready', version: PROTOCOL_VERSION });
    }
    case 'copy': {
      const extra = unknownKey(x, ['type', 'text']);
      if (extra) return fail(`"copy" message has an unknown field "${extra}"`);
      if (typeof x.text !== 'string') return fail(`"copy" message: text must be a string, got ${describe(x.text)}`);
      if (x.text.length > MAX_COPY_CHARS) return fail(`"copy" message: text is longer than ${MAX_COPY_CHARS} characters`);
      return ok({ type: 'copy', text: x.text });
    }
    case 'error': {
      const extra = unknownKey(x, ['type', 'message']);
      if (extra) return fail(`"error" message has an unknown field "${extra}"`);
      if (typeof x.message !== 'string') return fail(`"error" message: message must be a string, got ${describe(x.message)}`);
      return ok({ type: 'error', message: x.message.slice(0, 2000) });
    }
    default:
      return fail(`unknown webview message type ${describe(x.type)}`);
  }
}

const LAYOUT_RANK: Record<Layout, number> = { NCL: 3, NCHW: 4, BSD: 3 };

function finite(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function positiveInt(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 1;
}

/**
 * Validates a persisted panel state. Returns the first problem found, naming the field, so a
 * corrupted or outdated state is dropped with a reason instead of breaking the panel.
 */
export function parsePanelState(x: unknown): Parsed<PanelState> {
  if (!isRecord(x)) return fail(`panel state must be an object, got ${describe(x)}`);
  if (x.version !== 1) return fail(`panel state version ${describe(x.version)} is not 1`);
  if (typeof x.framework !== 'string' || !(FRAMEWORK_IDS as readonly string[]).includes(x.framework)) {
    return fail(`panel state: unknown framework ${describe(x.framework)}`);
  }
  if (typeof x.layout !== 'string' || !LAYOUTS.includes(x.layout as Layout)) return fail(`panel state: unknown layout ${describe(x.layout)}`);
  const layout = x.layout as Layout;
  if (!Array.isArray(x.shape) || !x.shape.every(positiveInt)) return fail('panel state: shape must be a list of positive integers');
  const shape = x.shape as number[];
  if (shape.length !== LAYOUT_RANK[layout]) return fail(`panel state: layout ${layout} needs ${LAYOUT_RANK[layout]} dimensions, shape has ${shape.length}`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > MAX_ELEMENTS) return fail(`panel state: ${size} elements exceed the limit of ${MAX_ELEMENTS}`);
  if (!Array.isArray(x.data)) return fail('panel state: data must be a list of numbers');
  if (x.data.length !== size) return fail(`panel state: data has ${x.data.length} values but shape [${shape.join(', ')}] needs ${size}`);
  for (let i = 0; i < x.data.length; i++) if (!finite(x.data[i])) return fail(`panel state: data[${i}] is ${describe(x.data[i])}, not a finite number`);
  if (x.eps !== null && !(finite(x.eps) && x.eps >= 0)) return fail(`panel state: eps must be null or a number ≥ 0, got ${describe(x.eps)}`);
  if (!finite(x.gamma)) return fail(`panel state: gamma must be a finite number, got ${describe(x.gamma)}`);
  if (!finite(x.beta)) return fail(`panel state: beta must be a finite number, got ${describe(x.beta)}`);
  if (!positiveInt(x.groups)) return fail(`panel state: groups must be a positive integer, got ${describe(x.groups)}`);
  if (x.momentum !== null && !(finite(x.momentum) && x.momentum >= 0 && x.momentum <= 1)) {
    return fail(`panel state: momentum must be null or within [0, 1], got ${describe(x.momentum)}`);
  }
  if (!Number.isInteger(x.seed)) return fail(`panel state: seed must be an integer, got ${describe(x.seed)}`);
  if (!(Number.isInteger(x.trainSteps) && (x.trainSteps as number) >= 0 && (x.trainSteps as number) <= MAX_TRAIN_STEPS)) {
    return fail(`panel state: trainSteps must be an integer within [0, ${MAX_TRAIN_STEPS}], got ${describe(x.trainSteps)}`);
  }
  if (typeof x.focus !== 'string' || !(PANEL_METHODS as readonly string[]).includes(x.focus))
    return fail(`panel state: unknown focus method ${describe(x.focus)}`);
  if (x.answer !== null && typeof x.answer !== 'string') return fail(`panel state: answer must be null or a string, got ${describe(x.answer)}`);
  return ok({
    version: 1,
    framework: x.framework as FrameworkId,
    layout,
    shape: shape.slice(),
    data: (x.data as number[]).slice(),
    eps: x.eps as number | null,
    gamma: x.gamma,
    beta: x.beta,
    groups: x.groups as number,
    momentum: x.momentum as number | null,
    seed: x.seed as number,
    trainSteps: x.trainSteps as number,
    focus: x.focus as PanelMethod,
    answer: x.answer as string | null,
  });
}
