/**
 * The compact hover: what a line builds and how NormLens knows, what it normalizes over, the
 * arguments that matter (written ones, and the defaults that trip people: ε, momentum, the mode
 * argument of functions), the parameter count, only the checks that hold for this layer in this
 * code, and a one-line numeric glimpse; then at most three links (full explanation, panel,
 * calculators). Made to fit VS Code's hover box (about 12–15 rendered lines) without scrolling.
 * Pylance shows the signature above it, so it never repeats the call.
 *
 * Symbolic sizes (`BatchNorm2d(planes)`): the parameter count is a formula in the written
 * expression (2·planes learnable), and the glimpse runs on a small stand-in size, saying so.
 */
import type { CoreLayerSpec } from '../core/spec';
import { newBatchWeight } from '../core/conversions';
import type { PyValue } from '../frameworks/types';
import type { ResolvedLayer } from '../python/types';
import type { NormDiagnostic } from '../checks/types';
import { diagnosticsFor, groupSizeOf, groupsPerChannel, layerContext, startingScale, roleValue, unpackedOver, standInShape } from './context';
import type { LayerContext } from './context';
import { workedExample } from './example';
import { code, codeMarked, fixed, plural, shapeText } from './format';
import { isExpr, pyRepr } from '../frameworks/read';
import { axisLetters, KIND_NAMES, originText, resolveAxis, scaleNote } from './hover';
import type { HoverOptions } from './hover';
import { CALC_LIST_COMMAND, calcLinkArg, EXPLAIN_COMMAND, OPEN_PANEL_COMMAND, panelLinkArg, startFromLayer } from './links';
import { Md, md } from './markdown';
import { layerNotes, ruleInfo } from '../checks/index';
import { placementText } from './placement';
import { backticked, channelsFirstText, parameterCount, removalText, sampleStandIn, standIn, standInSize, standInText, untrackedText } from './standin';

/** A shape written as a tuple or list expression, as the items of a shape: `(head_dim,)` → `head_dim`. */
function shapeItems(expr: string): string {
  const t = expr.trim();
  const open = t[0];
  const close = open === '(' ? ')' : open === '[' ? ']' : '';
  if (!close || t[t.length - 1] !== close) return t;
  // the first bracket must be the one the last closes
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    if (depth === 0 && i < t.length - 1) return t;
  }
  return t.slice(1, -1).trim().replace(/,\s*$/, '');
}

/** The compact hover's parts, each one paragraph of Markdown ('' when there is nothing to say). */
export interface CompactSections {
  /** "**BatchNorm2d** · PyTorch · batch normalization", plus the origin line when the class was not named at the call. */
  title: Md;
  /** What it normalizes over, for its usual input. */
  normalizes: Md;
  /** Written arguments and the defaults that matter, with the framework's convention in a few words. */
  arguments: Md;
  /** Learnable parameters and buffers (a formula for symbolic sizes); '' for functions. */
  parameters: Md;
  /** Pre-/post-norm placement in a residual block, from the code's data flow; '' when there is none. */
  placement: Md;
  /**
   * Checks that hold for this layer in this code: the diagnostics about it and the notes its arguments make true (src/checks).
   * `text` is the whole message; `brief` the rule's title and its first fix, used when the whole
   * messages would not fit the box.
   */
  checks: { code: string; severity: string; text: Md; brief: Md }[];
  /** One line of numbers computed on a seeded sample, or why there are none. */
  glimpse: Md;
  /** At most three links; '' when no links were asked for (the command line). */
  links: Md;
}

export interface CompactHover {
  markdown: Md;
  sections: CompactSections;
}

export interface CompactOptions extends HoverOptions {
  /** The document's diagnostics; those about this layer become its checks. */
  diagnostics?: readonly NormDiagnostic[];
  /** Encoded argument of the "full explanation" link (links.ts explainLinkArg); no links without it. */
  explainArg?: string;
}

function title(ctx: LayerContext): Md {
  const spec = ctx.layer.spec;
  const head = md`**${Md.raw(spec.name)}** · ${Md.raw(ctx.framework.name)} · ${Md.raw(KIND_NAMES[spec.kind])}${Md.raw(spec.form === 'function' ? ' (function)' : '')}`;
  if (!ctx.layer.origin) return head;
  return md`${head}  \n${originText(ctx.layer)}`;
}

/** Channel count for the text: the number, the written expression, or C. */
function channelWord(ctx: LayerContext, core: CoreLayerSpec): Md {
  const n = core.kind === 'group_norm' ? core.numChannels : core.kind === 'batch_norm' || core.kind === 'instance_norm' ? core.numFeatures : null;
  const written = ctx.layer.spec.roles.channels ? ctx.values[ctx.layer.spec.roles.channels] : undefined;
  if (isExpr(written)) return code(written.expr);
  // A count made up for the sample input is not the layer's.
  if (ctx.sizedFromSample && typeof written !== 'number') return Md.raw('');
  return n === null ? Md.raw('') : md`${n}`;
}

function normalizesText(ctx: LayerContext, core: CoreLayerSpec | null, rank: number): Md {
  const spec = ctx.layer.spec;
  // (Keras 3.15.1 warns at construction that this flag scales by the variance: it is no RMS normalization)
  if (core?.kind === 'layer_norm' && core.rmsScaling)
    return md`**Normalizes** by the standard deviation over ${code(spec.roles.axis ?? 'axis')}, without subtracting the mean: ${code('rms_scaling=True')} is deprecated and is not RMS normalization (${code('keras.layers.RMSNormalization')} is); input ${code(spec.inputShape)}.`;
  if (!core || (ctx.sizedFromSample && (core.kind === 'layer_norm' || core.kind === 'rms_norm'))) {
    // The table's descriptions are NormLens's own Markdown-safe prose.
    return md`**Normalizes** ${Md.raw(spec.statistics)}; input ${code(spec.inputShape)}.`;
  }
  switch (core.kind) {
    case 'batch_norm':
    case 'instance_norm':
    case 'group_norm': {
      const ranks =
        core.kind === 'batch_norm' && core.allowedRanks ? core.allowedRanks : [core.kind === 'instance_norm' && core.batchedRank ? core.batchedRank : rank];
      const C = channelWord(ctx, core);
      const shapes = ranks.map((r) => code(`(${axisLetters(r, resolveAxis(core.channelAxis, r)).join(', ')})`));
      const r = ranks[ranks.length - 1];
      const letters = axisLetters(r, resolveAxis(core.channelAxis, r));
      const last = resolveAxis(core.channelAxis, r) === r - 1 && r > 2 ? ' (channels last)' : '';
      const input = md`input ${Md.join(shapes, ' or ' as Md)}${Md.raw(last)}`;
      const spatial = letters.filter((l) => l !== 'C' && l !== 'N');
      if (core.kind === 'batch_norm' && ctx.layer.origin?.frozen) {
        return md`**Normalizes** each channel with its stored mean, variance, scale and shift (buffers it never updates), in training as in evaluation${C.length ? md` (C = ${C})` : Md.raw('')}; ${input}.`;
      }
      if (core.kind === 'batch_norm') {
        return md`**Normalizes** over ${Md.raw(letters.filter((l) => l !== 'C').join('·'))}, per channel${C.length ? md` (C = ${C})` : Md.raw('')}, shared by the whole batch; ${input}.`;
      }
      if (core.kind === 'instance_norm') {
        return md`**Normalizes** over ${Md.raw(spatial.join('·') || 'the positions')} of each sample and channel${C.length ? md` (C = ${C})` : Md.raw('')}; nothing shared across the batch; ${input}.`;
      }
      // (groups written as the very expression of the channels, wav2vec2's GroupNorm(n, n): one channel each)
      const gv = spec.roles.groups ? ctx.values[spec.roles.groups] : undefined;
      const cv = spec.roles.channels ? ctx.values[spec.roles.channels] : undefined;
      // (not two values NormLens does not know, `?` each: `GroupNorm(*lst)` with a list that may change)
      const sameExpr = isExpr(gv) && isExpr(cv) && gv.expr.trim() !== '?' && gv.expr.replace(/\s+/g, '') === cv.expr.replace(/\s+/g, '');
      if (groupsPerChannel(ctx) || sameExpr) {
        if (sameExpr)
          return md`**Normalizes** each channel of each sample on its own, over ${Md.raw(spatial.join('·') || 'its positions')} (as many groups as channels: instance normalization); independent of the batch size; ${input}.`;
        return md`**Normalizes** each channel of each sample on its own, over ${Md.raw(spatial.join('·') || 'its positions')} (${code(`${spec.roles.groups}=${pyRepr(ctx.values[spec.roles.groups!])}`)}: one group per channel, groups = C, i.e. instance normalization); independent of the batch size; ${input}.`;
      }
      // Channels known only from the input (Keras, Flax) were sized on a sample: never state that count.
      const known = spec.roles.channels !== undefined && typeof ctx.values[spec.roles.channels] === 'number';
      const size = groupSizeOf(ctx);
      if (size !== undefined && !known) {
        const gs = typeof size === 'number' ? md`${size}` : code(isExpr(size) ? size.expr : pyRepr(size));
        return md`**Normalizes** per sample over each group of ${gs} consecutive channels (C/${gs} groups) × ${Md.raw(spatial.join('·') || '1')}; independent of the batch size; ${input}.`;
      }
      const per = core.numGroups > 0 && core.numChannels % core.numGroups === 0 ? core.numChannels / core.numGroups : null;
      const G =
        spec.roles.groups && isExpr(ctx.values[spec.roles.groups]) ? code((ctx.values[spec.roles.groups] as { expr: string }).expr) : md`${core.numGroups}`;
      // (a group count the code does not fix was sized on a stand-in: never state channels per group from it)
      const groupsKnown = typeof roleValue(ctx, 'groups') === 'number';
      const perText = !known || !groupsKnown || per === null ? md`${C.length ? C : Md.raw('C')}/${G}` : md`${per}`;
      const interleaved = core.interleaved ? md` (channel c in group c mod ${G})` : Md.raw('');
      return md`**Normalizes** per sample over each of ${G} groups${interleaved}: ${perText} channels × ${Md.raw(spatial.join('·') || '1')}; independent of the batch size; ${input}.`;
    }
    case 'layer_norm':
    case 'rms_norm': {
      const cf = channelsFirstText(ctx, core);
      if (cf) {
        const what = core.kind === 'layer_norm' ? 'mean and variance' : 'root mean square';
        return md`**Normalizes** each position of each sample over its channels (${cf.channels}): one ${Md.raw(what)} per pixel, independent of the batch — ${cf.how}; input ${cf.input}.`;
      }
      const written = spec.roles.normalizedShape ? ctx.values[spec.roles.normalizedShape] : undefined;
      const count = core.normalizedShape.reduce((a, b) => a * b, 1);
      const dims = core.normalizedShape.length === 1 ? 'last dimension' : `last ${core.normalizedShape.length} dimensions`;
      const what = core.kind === 'layer_norm' ? 'mean and variance' : 'root mean square (no mean subtracted)';
      const symbolic = isExpr(written) || (Array.isArray(written) && written.some(isExpr));
      const countText = symbolic ? Md.raw('') : md` (${plural(count, 'value')})`;
      const input = code(
        `(*, ${symbolic ? (isExpr(written) ? shapeItems(written.expr) : (written as PyValue[]).map(pyRepr).join(', ')) : core.normalizedShape.join(', ')})`,
      );
      return md`**Normalizes** each sample (token) over its ${Md.raw(dims)}${countText}: one ${Md.raw(what)} each, independent of the batch; input ${input}.`;
    }
    case 'local_response_norm':
      return md`**Normalizes** each value by a power of the sum of squares of its ${core.size} neighbouring channels; input ${code('(N, C, *)')}.`;
  }
}

/** Convention of a role's value in a few words. */
function roleNote(ctx: LayerContext, role: 'eps' | 'momentum'): Md {
  if (role === 'eps') {
    const kind = ctx.layer.spec.kind;
    // (F.normalize divides by max(‖x‖p, eps): a floor of the norm, nothing is added)
    return Md.raw(kind === 'rms_norm' ? 'added to mean(x²)' : kind === 'lp_normalize' ? 'lower bound of the norm' : 'added to var');
  }
  const conv = ctx.framework.momentumConvention;
  // (PyTorch's momentum=None: a cumulative average, each batch so far weighted 1/t)
  const m = roleValue(ctx, 'momentum');
  if (conv === 'new-weight' && m === null) return md`${Md.raw(ctx.framework.name)}: a cumulative average, batch t weighted 1/t`;
  if (conv !== 'new-weight' && conv !== 'old-weight') return Md.raw('');
  const what = Md.raw(`${ctx.framework.name}: ${conv === 'new-weight' ? 'weight of the new batch' : 'weight kept from the old average'}`);
  // (the ends of the range: no average at all, one way or the other)
  const batch = typeof m === 'number' ? newBatchWeight(m, conv) : undefined;
  if (batch === 0) return md`${what}, so the running statistics never update (they keep their initial values, or what a checkpoint loads)`;
  if (batch === 1) return md`${what}, so the running statistics are the last batch's alone`;
  return what;
}

function argumentsText(ctx: LayerContext): Md {
  const layer = ctx.layer;
  const spec = layer.spec;
  const parts: Md[] = [];
  const noteFor = (name: string): Md | null => {
    if (name === spec.roles.eps) return roleNote(ctx, 'eps');
    if (name === spec.roles.momentum) {
      const track = roleValue(ctx, 'trackRunningStats');
      return track === false ? null : roleNote(ctx, 'momentum');
    }
    return null;
  };
  for (const p of spec.params) {
    const e = layer.effective[p.name];
    if (!e || p.tensor) continue;
    // (a frozen BatchNorm has no momentum: its statistics never move)
    if (layer.origin?.frozen && e.isDefault && (p.name === spec.roles.momentum || p.name === spec.roles.trackRunningStats)) continue;
    // an expression the code fixes to one value is shown as written, with that value
    const written = !e.isDefault && !isExpr(e.value) ? layer.arguments[p.name] : undefined;
    const value = isExpr(written) ? md`${code(`${p.name}=${written.expr}`)} (${code(pyRepr(e.value))} here)` : code(`${p.name}=${pyRepr(e.value)}`);
    const note = noteFor(p.name);
    // other callers give the same class other values (their own partials)
    const others = e.alternatives?.length
      ? md`, or ${Md.join(
          e.alternatives.map((v) => code(pyRepr(v))),
          ', ',
        )} depending on the caller`
      : e.oneOf
        ? md` (${Md.join(
            e.oneOf.map((v) => code(pyRepr(v))),
            ', ',
          )} here, depending on the run)`
        : Md.raw('');
    // a required one only an unpacked argument can give: from it (not "?, unless it sets it")
    if (!e.isDefault && e.maySetBy && isExpr(e.value) && e.value.expr === '?') {
      parts.push(md`${code(p.name)} from ${code(e.maySetBy)}`);
      continue;
    }
    if (!e.isDefault) {
      // given by a statement outside the call (`self.f.eps = 1e-3` once built, a subclass's `self.bias = None`)
      const by =
        !e.range && layer.codeDefaults?.[p.name]
          ? md`, set by ${backticked(layer.codeDefaults[p.name].from)}`
          : !e.range && layer.argsUnpacked?.names.includes(p.name)
            ? md` from ${code(layer.argsUnpacked.text)}`
            : Md.raw('');
      const shown = note && note.length ? md`${value} ${note}${by}` : md`${value}${by}`;
      parts.push(e.maySetBy ? md`${shown}, unless ${code(e.maySetBy)} sets it${others}` : md`${shown}${others}`);
    } else if (p.name === spec.roles.eps || (p.name === spec.roles.momentum && note !== null) || p.name === spec.modeArg?.name) {
      const mode =
        p.name === spec.modeArg?.name
          ? md`default: ${Md.raw(
              e.value === null
                ? // (Flax linen: None here takes the value the layer is called with, and raises without one)
                  'decided where the layer is called, which must give it'
                : e.value === spec.modeArg.trainWhen
                  ? 'batch statistics'
                  : "running statistics, whatever the model's mode",
            )}`
          : md`default${note && note.length ? md`, ${note}` : Md.raw('')}`;
      const over = unpackedOver(layer, p.name);
      parts.push(over ? md`${value} ${mode}, unless ${code(over)} sets it${others}` : md`${value} ${mode}${others}`);
    }
  }
  const absent = spec.params.filter((p) => !layer.effective[p.name] && !p.tensor);
  // (one a `**mapping` of the call may give is not missing: its value comes when the code runs)
  for (const p of absent) {
    const over = unpackedOver(layer, p.name);
    if (over) parts.push(md`${code(p.name)} from ${code(over)}`);
  }
  const missing = absent.filter((p) => !unpackedOver(layer, p.name)).map((p) => code(p.name));
  if (missing.length) parts.push(md`missing: ${Md.join(missing, ', ')}`);
  return parts.length ? md`**Arguments** ${Md.join(parts, ' · ')}` : Md.raw('');
}

/** The compact card's parameter line. */
function parametersText(ctx: LayerContext): Md {
  const body = parameterCount(ctx);
  // a statement that may drop the scale or the shift (`if not bias: self.bias = None` in a subclass)
  const roles = ctx.layer.spec.roles;
  const removal = removalText(ctx);
  const flag = [roles.affine, roles.bias, roles.scale]
    .map((n) => (n ? ctx.layer.effective[n]?.maySetBy : undefined))
    .find((x) => x && /= None\b|, None\)|= False\b/.test(x));
  const unsure = flag ?? removal.unsure;
  if (!body) return Md.raw('');
  const stats = untrackedText(ctx);
  return md`**Parameters** ${body}${removal.removed ? md`; ${removal.removed}` : Md.raw('')}${unsure ? md`, unless ${code(unsure)} ${Md.raw(!flag && removal.adds ? 'adds' : 'drops')} one` : Md.raw('')}${stats.sure ? md`; ${stats.sure}` : Md.raw('')}${stats.unsure ? md`; ${code(stats.unsure)} may stop tracking running stats` : Md.raw('')}`;
}

const SEVERITY_WORD: Record<string, string> = { error: 'Error', warning: 'Warning', info: 'Note', hint: 'Hint' };

function checksFor(ctx: LayerContext, diagnostics: readonly NormDiagnostic[]): CompactSections['checks'] {
  const mine = diagnosticsFor(ctx.layer, diagnostics);
  const out: CompactSections['checks'] = mine.map((d) => {
    const lead = md`**${Md.raw(SEVERITY_WORD[d.severity] ?? 'Note')}:**`;
    const title = ruleInfo(d.code)?.title;
    return {
      code: d.code,
      severity: d.severity,
      // Rule messages and fix titles quote the user's code: they go in as text.
      text: md`${lead} ${Md.text(d.message)}`,
      brief: title ? md`${lead} ${Md.text(title)}${d.fixes.length ? md` — ${Md.text(d.fixes[0].title)}` : Md.raw('')}` : md`${lead} ${Md.text(d.message)}`,
    };
  });
  for (const n of layerNotes(ctx.layer)) {
    const text = md`**${Md.text(n.title)}:** ${codeMarked(n.text)}`;
    out.push({ code: n.code, severity: 'note', text, brief: text });
  }
  return out;
}

function glimpseText(ctx: LayerContext, opts: HoverOptions): Md {
  let core = ctx.core;
  let rank = ctx.rank;
  // what stands in for what the code leaves open, and what the example keeps of the layer
  const notes: Md[] = [];
  if (!core) {
    const s = standIn(ctx, standInSize(ctx));
    if (!s)
      return ctx.exprArgs.length || ctx.coreError
        ? md`**Example** none: ${
            ctx.exprArgs.length
              ? md`${Md.join(
                  ctx.exprArgs.map((a) => code(a)),
                  ', ',
                )} known only when the code runs`
              : Md.text(ctx.coreError ?? '')
          }.`
        : Md.raw('');
    core = s.core;
    rank = s.rank;
    notes.push(md`stand-in ${standInText(s)}`);
  } else if ((core.kind === 'batch_norm' || core.kind === 'instance_norm') && core.numFeatures === null) {
    notes.push(Md.raw('stand-in C = 3'));
  } else if (ctx.sizedFromSample) {
    notes.push(sampleStandIn(ctx, core));
  }
  const modeArg = ctx.layer.spec.modeArg;
  if (modeArg && typeof ctx.values[modeArg.name] === 'boolean' && ctx.values[modeArg.name] !== modeArg.trainWhen) {
    return md`**Example** none: with ${code(`${modeArg.name}=${pyRepr(ctx.values[modeArg.name])}`)} it uses the running statistics passed in.`;
  }
  if (ctx.layer.origin?.frozen)
    return md`
**Example** none: it normalizes with its stored statistics, not the input's own.
    `;
  const ex = workedExample(core, rank, opts.seed, 1, startingScale(ctx));
  if ('error' in ex) return md`**Example** none: ${Md.text(ex.error)}.`;
  const d = opts.decimals;
  const els = ex.groupElements[0].slice(0, 1);
  const more = ex.groupElements[0].length > 1 ? ', …' : '';
  const xs = Md.join(
    els.map((i) => fixed(ex.input[i], d)),
    ', ',
  );
  const ys = Md.join(
    els.map((i) => fixed(ex.output[i], d)),
    ', ',
  );
  const kind = ex.spec.kind;
  const group =
    kind === 'batch_norm'
      ? 'channel 0'
      : kind === 'group_norm'
        ? 'sample 0 group 0'
        : kind === 'instance_norm'
          ? 'sample 0 channel 0'
          : ctx.layer.origin?.channelsFirst
            ? 'position 0'
            : 'sample 0';
  const stats = kind === 'rms_norm' ? md`mean(x²) ${fixed(ex.variance[0], d)}` : md`mean ${fixed(ex.mean[0], d)}, var ${fixed(ex.variance[0], d)}`;
  // what the example keeps of the layer is always said (a GroupNorm's 32 groups shown on 2)
  if (ex.reduced && !standInShape(ctx)) notes.push(Md.text(ex.reduced));
  // a LayerNorm over the channels of (N, C, H, W): the example is the channels-last view its forward normalizes
  const cf = ctx.layer.origin?.channelsFirst;
  if (cf) notes.push(md`each row one position with its channels, as ${backticked(cf.how)}`);
  if (startingScale(ctx) !== 1) notes.push(scaleNote(ctx));
  const noteText = notes.length ? md` (${Md.join(notes, Md.raw('; '))})` : Md.raw('');
  // Only layers with running statistics have a training mode that differs from eval.
  const hasModes = (kind === 'batch_norm' && ex.spec.trackRunningStats) || (kind === 'instance_norm' && ex.spec.trackRunningStats);
  return md`**Example** ${Md.raw(hasModes ? 'training, ' : '')}seeded ${shapeText(ex.shape)}${noteText}: ${Md.raw(group)} ${stats}; x ${xs}${Md.raw(more)} → y ${ys}${Md.raw(more)}`;
}

function linksText(ctx: LayerContext, explainArg: string, rank: number): Md {
  const layer = ctx.layer;
  const settings = Object.fromEntries(Object.entries(ctx.values).filter(([k]) => !layer.spec.params.find((p) => p.name === k)?.tensor));
  const start = startFromLayer(layer);
  return Md.join(
    [
      Md.commandLink(Md.raw('Full explanation'), EXPLAIN_COMMAND, explainArg),
      Md.commandLink(
        Md.raw('Comparison panel'),
        OPEN_PANEL_COMMAND,
        panelLinkArg({
          framework: start.framework,
          kind: layer.spec.kind,
          args: settings,
          rank,
          ...(layer.placement ? { placement: { kind: layer.placement.kind, addLine: layer.placement.addLine + 1 } } : {}),
        }),
      ),
      Md.commandLink(Md.raw('Calculators'), CALC_LIST_COMMAND, calcLinkArg(start)),
    ],
    ' · ',
  );
}

/** The compact hover of one layer (see the module comment). */
export function compactHover(layer: ResolvedLayer, opts: CompactOptions): CompactHover {
  const ctx = layerContext(layer);
  const s = ctx.core ? null : standIn(ctx, standInSize(ctx));
  const core = ctx.core ?? s?.core ?? null;
  const rank = ctx.core ? ctx.rank : (s?.rank ?? ctx.rank);
  const sections: CompactSections = {
    title: title(ctx),
    normalizes: normalizesText(ctx, core, rank),
    arguments: argumentsText(ctx),
    parameters: parametersText(ctx),
    placement: layer.placement ? Md.text(placementText({ kind: layer.placement.kind, addLine: layer.placement.addLine + 1 })) : Md.raw(''),
    checks: checksFor(ctx, opts.diagnostics ?? []),
    glimpse: glimpseText(ctx, opts),
    links: opts.explainArg ? linksText(ctx, opts.explainArg, rank) : Md.raw(''),
  };
  // Three paragraphs at most, lines joined by hard breaks: paragraph margins cost height in a box
  // of about 250 px (VS Code's default hover height).
  const lines = (parts: Md[]) =>
    Md.join(
      parts.filter((b) => b.length > 0),
      '  \n',
    );
  const build = (brief: boolean) =>
    Md.join(
      [
        lines([sections.title, sections.normalizes, sections.placement, sections.arguments, sections.parameters]),
        lines(sections.checks.map((c) => (brief ? c.brief : c.text))),
        lines([sections.glimpse, sections.links]),
      ].filter((b) => b.length > 0),
      '\n\n',
    );
  // Whole messages when they fit the box; else each check's title and fix (the full explanation has the messages).
  const whole = build(false);
  return { markdown: estimatedLines(whole) <= MAX_LINES ? whole : build(true), sections };
}

/**
 * Lines the compact hover may take: VS Code's default hover box is 250 px high (19 px lines, a
 * few px between paragraphs), about 12 lines, measured in the end-to-end test.
 */
export const MAX_LINES = 12;
/** Characters of prose a line of the hover box holds (about 750 px wide in VS Code 1.139, 13 px font; bold and code run wider). */
const CHARS_PER_LINE = 90;

/**
 * Lines our Markdown takes when rendered: paragraphs and hard breaks start lines, each wraps at
 * CHARS_PER_LINE; link targets, emphasis and code markers and escapes take no room. Only for
 * Markdown built here (one paragraph a block, no tables or fences).
 */
export function estimatedLines(markdown: string): number {
  let lines = 0;
  for (const block of markdown.split('\n\n')) {
    for (const line of block.split(/ {2}\n|\n/)) {
      const shown = line.replace(/\]\(command:[^)]*\)/g, '').replace(/\*\*|`+|\\(?=[^\w\s])|^\[|(?<=\s)\[/g, '');
      lines += Math.max(1, Math.ceil(shown.length / CHARS_PER_LINE));
    }
  }
  return lines;
}
