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
import type { FrameworkId, LayerKind, PyValue } from '../frameworks/types';
import type { OpenRequest } from '../protocol';

export const CALC_COMMANDS = {
  normalize: 'normlens.calc.normalize',
  momentum: 'normlens.calc.momentum',
  count: 'normlens.calc.parameters',
  fold: 'normlens.calc.fold',
  simulate: 'normlens.calc.simulate',
  choose: 'normlens.calc.choose',
} as const;

export const OPEN_PANEL_COMMAND = 'normlens.openPanel';

export const LINK_COMMANDS: string[] = [OPEN_PANEL_COMMAND, ...Object.values(CALC_COMMANDS)];

export interface CalcStart {
  framework: FrameworkId;
  qualifiedName: string;
  kind: LayerKind;
  args: Record<string, PyValue>;
}

/** A `command:` URI with one JSON argument, encoded as VS Code expects. */
export function commandUri(command: string, arg: unknown): string {
  return `command:${command}?${encodeArg(arg)}`;
}

/** The query part of a command URI; compute once when several links carry the same argument. */
export function encodeArg(arg: unknown): string {
  return encodeURIComponent(JSON.stringify([arg]));
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
