/**
 * Command links used in hovers. Only NormLens's own commands appear, so the editor can trust
 * exactly these (MarkdownString.isTrusted = { enabledCommands: LINK_COMMANDS }).
 *
 * Argument shapes (one JSON object, passed as the command's single argument):
 * - normlens.openPanel: OpenRequest from src/protocol.ts — { framework, kind, args }.
 * - normlens.calc.*: CalcStart — { framework, qualifiedName, kind, args }, the arguments as
 *   written, by parameter name (Python literals as JSON; expressions as { expr }); the class's
 *   defaults fill the rest (calc/fromLayer seedFromStart).
 */
import { isNormMethod, type FrameworkId, type LayerKind, type PyValue } from '../frameworks/types';
import type { OpenRequest } from '../protocol';
import type { ResolvedLayer } from '../python/types';
import { COMMANDS } from './commands';

/** The calculators a hover may link to (Port is offered from the list only). */
export const CALC_COMMANDS = {
  normalize: COMMANDS.normalize.id,
  momentum: COMMANDS.momentum.id,
  count: COMMANDS.count.id,
  fold: COMMANDS.fold.id,
  simulate: COMMANDS.simulate.id,
  choose: COMMANDS.choose.id,
} as const;

/** The calculators that apply to a layer of `kind`, in the order they are offered. */
export function calculatorsFor(kind: LayerKind, hasMomentum: boolean): { title: string; command: string }[] {
  const out: { title: string; command: string }[] = [];
  if (isNormMethod(kind)) {
    out.push({ title: 'Normalize values', command: CALC_COMMANDS.normalize });
  }
  out.push({ title: 'Count parameters and memory', command: CALC_COMMANDS.count });
  if (kind === 'batch_norm' && hasMomentum) {
    out.push({ title: 'Convert momentum between frameworks', command: CALC_COMMANDS.momentum });
    out.push({ title: 'Simulate running statistics', command: CALC_COMMANDS.simulate });
    out.push({ title: 'Fold into the preceding Conv/Linear', command: CALC_COMMANDS.fold });
  }
  if (isNormMethod(kind)) {
    out.push({ title: 'Port to another framework', command: COMMANDS.port.id });
  }
  out.push({ title: 'Choose a normalization', command: CALC_COMMANDS.choose });
  return out;
}

/** Opens the comparison panel; argument: OpenRequest. */
export const OPEN_PANEL_COMMAND = COMMANDS.openPanel.id;
/** Opens the full explanation of a layer beside the editor; argument: ExplainTarget. */
export const EXPLAIN_COMMAND = COMMANDS.explainLayer.id;
/** Lists the calculators that apply to a layer; argument: CalcStart. */
export const CALC_LIST_COMMAND = COMMANDS.calculators.id;

export const LINK_COMMANDS: string[] = [OPEN_PANEL_COMMAND, EXPLAIN_COMMAND, CALC_LIST_COMMAND, ...Object.values(CALC_COMMANDS)];

/**
 * Which layer a "full explanation" link is about: the hover that wrote it (`ref`, a number the
 * editor hands out per hover) and the 0-based position of the call, used when the hover is gone.
 */
export interface ExplainTarget {
  ref: number;
  line: number;
  character: number;
}

export function explainLinkArg(t: ExplainTarget): string {
  return encodeArg({ ref: t.ref, line: t.line, character: t.character });
}

/** A received explain argument, validated; null when it is not one. */
export function parseExplainTarget(x: unknown): ExplainTarget | null {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return null;
  const o = x as Record<string, unknown>;
  const nat = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 31;
  return nat(o.ref) && nat(o.line) && nat(o.character) ? { ref: o.ref as number, line: o.line as number, character: o.character as number } : null;
}

export interface CalcStart {
  framework: FrameworkId;
  qualifiedName: string;
  kind: LayerKind;
  args: Record<string, PyValue>;
}

/** What a calculator link carries: the arguments as written (defaults are filled in by seedFromStart). */
export function startFromLayer(layer: ResolvedLayer): CalcStart {
  const args: Record<string, PyValue> = {};
  for (const [k, v] of Object.entries(layer.arguments)) {
    if (!layer.spec.params.find((p) => p.name === k)?.tensor) args[k] = v;
  }
  return { framework: layer.spec.framework, qualifiedName: layer.qualifiedName, kind: layer.spec.kind, args };
}

/** Longest string value a link carries (device and dtype names, data formats, activations). */
export const MAX_LINK_STRING = 32;
/** Longest list a link carries (normalized_shape, axes). */
export const MAX_LINK_LIST = 8;

/**
 * The argument values a command link may carry, the validator every link argument goes through
 * on both ends (when the hover writes the link, and when a command receives one): finite numbers,
 * booleans, None, short identifier-like strings and short flat lists of those. Anything else
 * (expressions, long or odd strings, nested lists) is left out: the command then uses the class's
 * default or asks. Keys must be parameter names (identifiers) and `__proto__` is never a key.
 */
export function linkArgs(args: unknown): Record<string, PyValue> {
  const out: Record<string, PyValue> = Object.create(null) as Record<string, PyValue>;
  if (!args || typeof args !== 'object' || Array.isArray(args)) return out;
  let count = 0;
  for (const [k, v] of Object.entries(args as Record<string, unknown>)) {
    if (count >= 64) break;
    if (!/^[A-Za-z_]\w{0,63}$/.test(k) || k === '__proto__') continue;
    const ok = linkScalar(v) || (Array.isArray(v) && v.length <= MAX_LINK_LIST && v.every(linkScalar));
    if (!ok) continue;
    out[k] = v as PyValue;
    count++;
  }
  return out;
}

function linkScalar(v: unknown): boolean {
  if (v === null || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  return typeof v === 'string' && v.length <= MAX_LINK_STRING && /^[\w.:+-]*$/.test(v);
}

/** A hover link's calculator argument, validated (see linkArgs); null when it is not one. */
export function parseCalcStart(x: unknown): CalcStart | null {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return null;
  const o = x as Record<string, unknown>;
  if (typeof o.framework !== 'string' || typeof o.qualifiedName !== 'string' || typeof o.kind !== 'string') return null;
  if (o.qualifiedName.length > 200 || !/^[\w.]+$/.test(o.qualifiedName)) return null;
  return { framework: o.framework as FrameworkId, qualifiedName: o.qualifiedName, kind: o.kind as LayerKind, args: linkArgs(o.args) };
}

/** The encoded argument of a calculator link for this layer (only values linkArgs accepts). */
export function calcLinkArg(start: CalcStart): string {
  return encodeArg({ framework: start.framework, qualifiedName: start.qualifiedName, kind: start.kind, args: { ...linkArgs(start.args) } });
}

/** The encoded argument of the "open in comparison panel" link (only values linkArgs accepts). */
export function panelLinkArg(req: OpenRequest): string {
  const rank = typeof req.rank === 'number' && Number.isInteger(req.rank) && req.rank >= 2 && req.rank <= 5 ? { rank: req.rank } : {};
  const p = req.placement;
  const placement =
    p && (p.kind === 'pre-norm' || p.kind === 'post-norm') && Number.isInteger(p.addLine) && p.addLine >= 1
      ? { placement: { kind: p.kind, addLine: p.addLine } }
      : {};
  return encodeArg({ framework: req.framework, kind: req.kind, args: { ...linkArgs(req.args) }, ...rank, ...placement });
}

/** A `command:` URI with one JSON argument, encoded as VS Code expects. */
export function commandUri(command: string, arg: unknown): string {
  return `command:${command}?${encodeArg(arg)}`;
}

/**
 * The query part of a command URI; compute once when several links carry the same argument.
 * Fully percent-encoded (also `(`, `)`, `!`, `'`, `*`, which encodeURIComponent leaves), so it
 * cannot end a Markdown link destination early.
 */
export function encodeArg(arg: unknown): string {
  return encodeURIComponent(JSON.stringify([arg])).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
/** Reads the argument back from a command URI (for tests and the editor glue). */
export function decodeCommandUri(uri: string): { command: string; arg: unknown } | null {
  const m = /^command:([\w.]+)\?(.*)$/s.exec(uri);
  if (!m) return null;
  try {
    const args = JSON.parse(decodeURIComponent(m[2]));
    return { command: m[1], arg: Array.isArray(args) ? args[0] : args };
  } catch {
    return null;
  }
}

export function openPanelUri(req: OpenRequest): string {
  return commandUri(OPEN_PANEL_COMMAND, req);
}
