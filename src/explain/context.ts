/** What the explanations know about one resolved layer: its values, its core spec and its framework. */
import type { CoreLayerSpec } from '../core/spec';
import type { FrameworkInfo, ParamRoles, PyValue } from '../frameworks/types';
import type { ResolvedLayer } from '../python/types';
import type { NormDiagnostic } from '../checks/types';
import { bindingMessage, frameworkInfo } from '../frameworks/index';
import { isExpr } from '../frameworks/read';

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
  /** The core spec was made for a sample input shape because the layer sizes itself from its input. */
  sizedFromSample: boolean;
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

/** A small input shape for layers that size themselves from the input (Keras, Flax, Haiku). */
function sampleShapes(layer: ResolvedLayer, values: Record<string, PyValue>, channelsLast: boolean): number[][] {
  switch (layer.spec.kind) {
    case 'layer_norm':
    case 'rms_norm':
      // (batch, seq, features); rank 4 for axes such as [1, 2, 3]
      return [
        [2, 3, 4],
        [2, 2, 2, 3],
      ];
    default: {
      const g = layer.spec.kind === 'group_norm' && layer.spec.roles.groups ? values[layer.spec.roles.groups] : undefined;
      // 2 channels per group; Keras groups=-1 (one group per channel): 2 channels
      const perChannel = layer.spec.groupsPerChannel !== undefined && g === layer.spec.groupsPerChannel;
      const c = perChannel ? 2 : typeof g === 'number' && Number.isInteger(g) && g > 0 ? 2 * g : 4;
      return [channelsLast ? [2, 2, 2, c] : [2, c, 2, 2]];
    }
  }
}

export function layerContext(layer: ResolvedLayer): LayerContext {
  const values: Record<string, PyValue> = {};
  for (const [k, e] of Object.entries(layer.effective)) values[k] = e.value;
  // a required argument no name gives, which a `**mapping` of the call may: known only when the code runs
  for (const p of layer.spec.params) {
    const over = !(p.name in values) && !('default' in p) && !p.tensor ? unpackedOver(layer, p.name) : undefined;
    if (over) values[p.name] = { expr: over };
  }
  const framework = infoOf(layer.spec.framework);
  let rank = usualRank(layer);
  let core: CoreLayerSpec | null = null;
  let coreError: string | null = null;
  let exprArgs: string[] = [];
  let sizedFromSample = false;
  const attempt = (r: number, shape?: number[]) => {
    try {
      return layerCore(layer, values, r, shape);
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  };
  if (layer.bindingErrors.length) {
    coreError = bindingMessage(layer.bindingErrors[0]);
  } else if (!layer.spec.toCore) {
    coreError = `${layer.spec.name} is not computed by NormLens`;
  } else {
    let r = attempt(rank);
    if ('error' in r) {
      // Sizes taken from the input: compute on a sample shape instead (the example says so).
      for (const shape of sampleShapes(layer, values, framework.channels === 'last')) {
        const retry = attempt(shape.length, shape);
        if (!('error' in retry)) {
          r = retry;
          rank = shape.length;
          sizedFromSample = true;
          break;
        }
      }
    }
    if ('error' in r) {
      coreError = r.error;
      // Name the written expressions the reason is about.
      exprArgs = Object.entries(layer.arguments)
        .filter(([k, v]) => isExpr(v) && r !== null && 'error' in r && r.error.includes(k))
        .map(([k]) => k);
    } else {
      core = r;
    }
  }
  return { layer, values, framework, core, coreError, exprArgs, rank, sizedFromSample };
}

/**
 * The core spec a layer computes with `values` (its effective values, or stand-ins) for an input
 * of `rank` (or `shape`): its class's mapping (NormClassSpec.toCore), without the γ or β a user
 * class certainly removes once built (ResolvedLayer.removed), with those it certainly puts back
 * (ResolvedLayer.restored). Throws or returns `{ error }` as
 * toCore does.
 */
export function layerCore(layer: ResolvedLayer, values: Record<string, PyValue>, rank?: number, shape?: readonly number[]): CoreLayerSpec | { error: string } {
  const r = layer.spec.toCore!(values, rank, shape);
  if ('error' in r || !('hasWeight' in r)) return r;
  const gone = layer.removed;
  const back = layer.restored;
  if (!gone?.weight?.definite && !gone?.bias?.definite && !back?.weight?.definite && !back?.bias?.definite) return r;
  return {
    ...r,
    hasWeight: (r.hasWeight && !gone?.weight?.definite) || !!back?.weight?.definite,
    ...('hasBias' in r ? { hasBias: (r.hasBias && !gone?.bias?.definite) || !!back?.bias?.definite } : {}),
  } as CoreLayerSpec;
}

/** The framework's description; every id in the table has one, the fallback only guards against a gap. */
export function infoOf(id: FrameworkInfo['id']): FrameworkInfo {
  return (
    frameworkInfo(id) ?? {
      id,
      name: id,
      channels: 'first',
      momentumConvention: null,
      modeSwitch: '',
      modules: [],
      tensorNames: { weight: 'weight', bias: 'bias', runningMean: 'running_mean', runningVar: 'running_var', counter: null },
    }
  );
}

/** Keras GroupNormalization(groups=-1): one group per channel (groups = C, instance normalization). */
export function groupsPerChannel(ctx: LayerContext): boolean {
  const spec = ctx.layer.spec;
  return spec.groupsPerChannel !== undefined && roleValue(ctx, 'groups') === spec.groupsPerChannel;
}

/**
 * Flax's group_size when it sizes the groups (num_groups=None): each group is that many consecutive channels and the
 * group count is C / group_size. A number, or the expression written; undefined when the groups are counted instead.
 */
export function groupSizeOf(ctx: LayerContext): PyValue | undefined {
  const size = ctx.values.group_size;
  if (roleValue(ctx, 'groups') !== null || size === null || size === undefined) return undefined;
  return size;
}

/**
 * The scale each channel starts at, as built: 2 for a forward that scales by weight + 1 with the weight starting
 * at 1 (Nemotron's LayerNorm1P; its base initializes the weight to ones), else 1 (Gemma's zero weight + 1, and
 * every plain norm).
 */
export function startingScale(ctx: LayerContext): number {
  const offset = ctx.layer.origin?.scaleOffset;
  return offset && !offset.zeroInit ? 2 : 1;
}

/** The effective value of a parameter playing `role`, when the class has one. */
export function roleValue(ctx: LayerContext, role: keyof ParamRoles): PyValue | undefined {
  const name = ctx.layer.spec.roles[role];
  return name === undefined ? undefined : ctx.values[name];
}

export function roleName(ctx: LayerContext, role: keyof ParamRoles): string | undefined {
  return ctx.layer.spec.roles[role];
}

/**
 * Whether a value the code gives a layer is written at the call itself (`nn.LayerNorm(8, eps=1e-6)`),
 * rather than elsewhere: a partial's keyword, a user class's default or super() call, a statement
 * once built (`self.f.eps = 1e-3`), another file (placed on the call's name by the semantic model).
 */
export function givenAtCall(layer: ResolvedLayer, name: string): boolean {
  const e = layer.effective[name];
  if (!e || e.isDefault) return false;
  const r = e.range;
  if (!r) return !layer.codeDefaults?.[name];
  const call = layer.call;
  const onName = r.startOffset === call.nameRange.startOffset && r.endOffset === call.nameRange.endOffset;
  return r.startOffset >= call.range.startOffset && r.endOffset <= call.range.endOffset && !onName;
}

/** The `**mapping` (as written) that may set a parameter the code leaves at its default, if any. */
export function unpackedOver(layer: ResolvedLayer, name: string): string | undefined {
  const e = layer.effective[name];
  if (e?.maySetBy) return e.maySetBy;
  const u = layer.kwargsUnpacked;
  return u && (!e || e.isDefault) && (!u.keys || u.keys.includes(name)) ? u.text : undefined;
}

export function num(v: PyValue | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The diagnostics about this layer: on its call, pointing at it from elsewhere (`about`), or on an argument it takes from elsewhere (a partial's keyword). */
export function diagnosticsFor(layer: ResolvedLayer, diagnostics: readonly NormDiagnostic[]): NormDiagnostic[] {
  const r = layer.call.range;
  // arguments written elsewhere (in the partial the layer is built from): a finding on one of them
  // holds for this layer too
  const elsewhere = Object.values(layer.effective)
    .map((e) => e.range)
    .filter((x): x is NonNullable<typeof x> => !!x && (x.startOffset < r.startOffset || x.endOffset > r.endOffset));
  return diagnostics.filter((d) => {
    if ((d.cell ?? undefined) !== (layer.cell ?? undefined)) return false;
    const at = d.about ?? d.range;
    if (at.startOffset >= r.startOffset && at.endOffset <= r.endOffset) return true;
    return !d.about && elsewhere.some((x) => x.startOffset === d.range.startOffset && x.endOffset === d.range.endOffset);
  });
}

/**
 * The other classes a call may build, beside the one described (`layer.origin`'s classes or
 * candidates): a user class by its own name, a framework class by its short name (qualified with
 * `qualified`). A user class named like the framework class described (timm's `LayerNorm`
 * beside torch.nn.LayerNorm) is marked as one (`userClass`), and a framework class is then qualified.
 */
export function otherClasses(layer: ResolvedLayer, qualified = false): { name: string; userClass: boolean }[] {
  const o = layer.origin;
  if (!o) return [];
  const own = o.classes ? (o.definedBy?.name ?? layer.qualifiedName) : layer.qualifiedName;
  const short = (q: string) => q.split('.').pop()!;
  const taken = new Set([short(own), layer.spec.name]);
  return (o.classes ?? o.candidates ?? [])
    .filter((q) => q !== own)
    .map((q) => {
      // (framework classes are qualified in the list, user classes are not)
      const user = !q.includes('.');
      if (taken.has(short(q))) return { name: q, userClass: user };
      return { name: qualified || user ? q : short(q), userClass: false };
    });
}

/** Whether the normalized shape itself comes from a stand-in sample (a Keras/Flax LayerNorm/RMSNorm sized from its input): the example's sizes are then no layer's. */
export function standInShape(ctx: LayerContext): boolean {
  return ctx.sizedFromSample && (ctx.layer.spec.kind === 'layer_norm' || ctx.layer.spec.kind === 'rms_norm');
}
