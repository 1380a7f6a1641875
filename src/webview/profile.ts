/**
 * What the panel needs to know about a framework, read from the framework table (src/frameworks):
 * each method's class name and ε default, BatchNorm's momentum default and convention, which
 * variance its running_var stores, and GroupNorm's default group count. Nothing here states a
 * framework fact itself; a framework that lacks a class leaves that entry null.
 */
import type { FrameworkId, FrameworkInfo, NormClassSpec, PyValue } from '../frameworks/types';
import type { MomentumConvention } from '../core/conversions';
import type { PanelMethod } from '../protocol';
import { PANEL_METHODS } from '../protocol';

export interface MethodProfile {
  /** Short class name as the framework spells it, e.g. 'BatchNorm1d', 'LayerNormalization'. */
  className: string;
  /** Default ε; null means the framework passes None (machine epsilon of float32). */
  eps: number | null;
  /** Whether the framework's default has learnable scale/shift (e.g. PyTorch InstanceNorm: off). */
  affine: boolean | null;
  cls: NormClassSpec;
}

export interface FrameworkProfile {
  id: FrameworkId;
  name: string;
  channels: 'first' | 'last';
  momentumConvention: MomentumConvention | null;
  /** BatchNorm's default momentum in the framework's own convention; null when the framework has none. */
  momentumDefault: number | null;
  /** What the framework calls that argument (e.g. momentum, decay_rate). */
  momentumParam: string | null;
  storedVariance: 'biased' | 'unbiased';
  groupsDefault: number | null;
  methods: Record<PanelMethod, MethodProfile | null>;
}

function paramDefault(cls: NormClassSpec, name: string | undefined): PyValue | undefined {
  if (!name) return undefined;
  return cls.params.find((p) => p.name === name)?.default;
}

const asNumber = (v: PyValue | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Prefer a constructed module over a function, and the 1-d/plain variant when there are several. */
function pickClass(classes: NormClassSpec[], framework: FrameworkId, kind: PanelMethod, rank: number): NormClassSpec | null {
  const own = classes.filter((c) => c.framework === framework && c.kind === kind);
  if (own.length === 0) return null;
  const modules = own.filter((c) => c.form === 'module' && !/^Lazy|^Sync/.test(c.name));
  const pool = modules.length ? modules : own;
  // Dimension-suffixed classes (BatchNorm1d/2d/3d, BatchNorm2D): choose the one for this rank.
  const wanted = `${rank - 2}d`;
  return pool.find((c) => c.name.toLowerCase().endsWith(wanted)) ?? pool.find((c) => !/\dd$/i.test(c.name)) ?? pool[0];
}

function affineDefault(cls: NormClassSpec): boolean | null {
  const v = paramDefault(cls, cls.roles.affine) ?? paramDefault(cls, cls.roles.scale);
  return typeof v === 'boolean' ? v : null;
}

export function buildProfile(classes: NormClassSpec[], frameworks: FrameworkInfo[], id: FrameworkId, rank: number): FrameworkProfile {
  const info = frameworks.find((f) => f.id === id);
  const methods = {} as Record<PanelMethod, MethodProfile | null>;
  for (const m of PANEL_METHODS) {
    const cls = pickClass(classes, id, m, rank);
    if (!cls) {
      methods[m] = null;
      continue;
    }
    const epsValue = paramDefault(cls, cls.roles.eps);
    methods[m] = { className: cls.name, eps: epsValue === null ? null : asNumber(epsValue), affine: affineDefault(cls), cls };
  }
  const bn = methods.batch_norm?.cls;
  const gn = methods.group_norm?.cls;
  return {
    id,
    name: info?.name ?? id,
    channels: info?.channels ?? 'first',
    momentumConvention: info?.momentumConvention ?? null,
    momentumDefault: bn ? asNumber(paramDefault(bn, bn.roles.momentum)) : null,
    momentumParam: bn?.roles.momentum ?? null,
    storedVariance: bn?.storedVariance ?? 'biased',
    groupsDefault: gn ? asNumber(paramDefault(gn, gn.roles.groups)) : null,
    methods,
  };
}

/** Reads a role's value from hover-link arguments, whatever the framework calls it. */
export function argByRole(
  classes: NormClassSpec[],
  framework: FrameworkId,
  kind: string,
  args: Record<string, PyValue>,
  role: keyof NormClassSpec['roles'],
): PyValue | undefined {
  for (const c of classes) {
    if (c.framework !== framework || c.kind !== kind) continue;
    const name = c.roles[role];
    if (name && name in args) return args[name];
  }
  return undefined;
}
