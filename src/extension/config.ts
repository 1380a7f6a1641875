/** NormLens settings, read fresh on each use (they are cheap to read and may change any time). */
import type { FrameworkId } from '../frameworks/types';
import { getConfiguration } from './vscodeapi';

export type HoverMode = 'compact' | 'full' | 'off';

export interface NormLensSettings {
  diagnosticsEnabled: boolean;
  /** Rule codes switched off with `"normlens.rules": { "<code>": false }`. */
  disabledRules: Set<string>;
  /** compact (default), full (the whole explanation in the hover) or off. */
  hoverMode: HoverMode;
  preferredFramework: FrameworkId | 'auto';
  decimals: number;
  sampleSeed: number;
}

export function readSettings(): NormLensSettings {
  const c = getConfiguration('normlens');
  const rules = c.get<Record<string, unknown>>('rules') ?? {};
  const disabledRules = new Set(
    Object.entries(rules)
      .filter(([, v]) => v === false)
      .map(([k]) => k),
  );
  const decimals = Math.min(10, Math.max(0, Math.round(c.get<number>('decimals') ?? 4)));
  const seed = Math.round(c.get<number>('sampleSeed') ?? 0);
  return {
    diagnosticsEnabled: c.get<boolean>('diagnostics.enable') ?? true,
    disabledRules,
    hoverMode: hoverMode(c.get<unknown>('hover.mode'), c.get<unknown>('hover.enable')),
    preferredFramework: (c.get<string>('preferredFramework') ?? 'auto') as FrameworkId | 'auto',
    decimals: Number.isFinite(decimals) ? decimals : 4,
    sampleSeed: Number.isFinite(seed) && seed >= 0 ? seed : 0,
  };
}

/**
 * The hover mode: `normlens.hover.mode`, except that the older `normlens.hover.enable: false`
 * (deprecated, still honoured) turns hovers off when no mode was chosen.
 */
export function hoverMode(mode: unknown, enable: unknown): HoverMode {
  if (enable === false && (mode === undefined || mode === 'compact')) return 'off';
  return mode === 'full' || mode === 'off' ? mode : 'compact';
}
