/** What the explanations know about one resolved layer: its values, its core spec and its framework. */
import type { CoreLayerSpec } from '../core/spec';
import type { FrameworkInfo, ParamRoles, PyValue } from '../frameworks/types';
import type { ResolvedLayer } from '../python/types';
import { frameworkInfo } from '../frameworks/index';
import { isExpr } from './format';

export interface LayerContext {
  layer: ResolvedLayer;
  /** Effective values by parameter name (written or default). */
  values: Record<string, PyValue>;
  framework: FrameworkInfo;
  /** The canonical spec for the layer's usual input rank, or the reason it cannot be computed. */
  core: CoreLayerSpec | null;
  coreError: string | null;
  /** Arguments written as expressions (their values are known only at run time). */
  exprArgs: string[];
  /** Input rank the core spec was made for. */
  rank: number;
}

/** The input rank a layer is usually given: what its class fixes, else an image-like rank 4 for per-channel layers. */
export function usualRank(layer: ResolvedLayer): number {
  const name = layer.spec.name;
  const m = /([123])[dD]$/.exec(name);
  if (m) {
    const d = Number(m[1]);
    // BatchNorm1d is mostly used after Linear layers on (N, C).
    if (layer.spec.kind === 'batch_norm' && d === 1) return 2;
    return d + 2;
  }
  switch (layer.spec.kind) {
    case 'layer_norm':
    case 'rms_norm':
      return 3;
    default:
      return 4;
  }
}

export function layerContext(layer: ResolvedLayer): LayerContext {
  const values: Record<string, PyValue> = {};
  for (const [k, e] of Object.entries(layer.effective)) values[k] = e.value;
  const rank = usualRank(layer);
  let core: CoreLayerSpec | null = null;
  let coreError: string | null = null;
  const exprs = Object.entries(layer.arguments).filter(([, v]) => isExpr(v));
  if (layer.bindingErrors.length) {
    coreError = layer.bindingErrors[0];
  } else if (exprs.length) {
    coreError = `${exprs.map(([k]) => k).join(', ')} ${exprs.length === 1 ? 'is an expression' : 'are expressions'}, known only when the code runs`;
  } else if (!layer.spec.toCore) {
    coreError = `${layer.spec.name} is not computed by NormLens`;
  } else {
    try {
      const r = layer.spec.toCore(values, rank);
      if ('error' in r) coreError = r.error;
      else core = r;
    } catch (e) {
      coreError = e instanceof Error ? e.message : String(e);
    }
  }
  return { layer, values, framework: infoOf(layer.spec.framework), core, coreError, exprArgs: exprs.map(([k]) => k), rank };
}

/** The framework's description; every id in the table has one, the fallback only guards against a gap. */
export function infoOf(id: FrameworkInfo['id']): FrameworkInfo {
  return frameworkInfo(id) ?? { id, name: id, channels: 'first', momentumConvention: null, modeSwitch: '', modules: [] };
}

/** The effective value of a parameter playing `role`, when the class has one. */
export function roleValue(ctx: LayerContext, role: keyof ParamRoles): PyValue | undefined {
  const name = ctx.layer.spec.roles[role];
  return name === undefined ? undefined : ctx.values[name];
}

export function roleName(ctx: LayerContext, role: keyof ParamRoles): string | undefined {
  return ctx.layer.spec.roles[role];
}

/** True when the user wrote the argument playing `role`. */
export function roleWritten(ctx: LayerContext, role: keyof ParamRoles): boolean {
  const name = ctx.layer.spec.roles[role];
  return name !== undefined && ctx.layer.effective[name] !== undefined && !ctx.layer.effective[name].isDefault;
}

export function num(v: PyValue | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
