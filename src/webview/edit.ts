/**
 * Pure edits of the panel state: presets, cell edits, pasted arrays, reshaping, randomizing and
 * hover-link prefills. Each returns either a new state or a message explaining why the edit was
 * refused; a refused edit never touches the current state, so the user's data is never lost.
 */
import { seededSample } from '../core';
import { isNormMethod, type FrameworkId, type NormClassSpec, type PyValue } from '../frameworks/types';
import type { Layout, OpenRequest, PanelState } from '../protocol';
import { MAX_ELEMENTS } from '../protocol';
import { argByRole } from './profile';
import { channelAxisOf, product, shapeProblem } from './viewModel';

export type Edit = { ok: true; state: PanelState } | { ok: false; message: string };

const done = (state: PanelState): Edit => ({ ok: true, state });
const refuse = (message: string): Edit => ({ ok: false, message });

/** The seed example: batch b (1..4) holds [[b, b+1], [b+2, b+3], [b+4, b+5]]. */
export function seedExampleData(): number[] {
  const out: number[] = [];
  for (let b = 1; b <= 4; b++) for (let s = 0; s < 3; s++) for (let d = 0; d < 2; d++) out.push(b + 2 * s + d);
  return out;
}

export const PRESET_SHAPES: Record<Layout, number[]> = { BSD: [4, 3, 2], NCL: [4, 4, 5], NCHW: [2, 4, 3, 3] };

export function initialState(framework: FrameworkId = 'pytorch'): PanelState {
  return {
    version: 1,
    framework,
    layout: 'BSD',
    shape: [4, 3, 2],
    data: seedExampleData(),
    eps: null,
    gamma: 1,
    beta: 0,
    groups: 1,
    momentum: null,
    seed: 1,
    trainSteps: 0,
    focus: 'batch_norm',
    answer: null,
  };
}

/** Values from the core's seeded sampler, rounded to 2 decimals so they stay readable and editable. */
export function sampleData(shape: readonly number[], seed: number): number[] {
  const z = seededSample(shape, seed).data;
  const out = new Array<number>(z.length);
  for (let i = 0; i < z.length; i++) out[i] = Math.round(z[i] * 100) / 100;
  return out;
}

/** Largest divisor of c that is at most `want` (GroupNorm's default may not divide a small C). */
function dividingGroups(c: number, want: number): number {
  for (let g = Math.min(c, Math.max(1, want)); g >= 1; g--) if (c % g === 0) return g;
  return 1;
}

export function applyPreset(state: PanelState, layout: Layout): PanelState {
  const shape = PRESET_SHAPES[layout].slice();
  const data = layout === 'BSD' ? seedExampleData() : sampleData(shape, state.seed);
  const C = shape[channelAxisOf(layout)];
  return { ...state, layout, shape, data, groups: dividingGroups(C, state.groups), trainSteps: 0 };
}

/** Parses one number as typed in a cell or field; accepts 1e-3, -0.5, +2, and the unicode minus. */
export function parseNumber(text: string): number | null {
  const t = text.trim().replace(/\u2212/g, '-');
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

export function setCell(state: PanelState, index: number, text: string): Edit {
  if (!Number.isInteger(index) || index < 0 || index >= state.data.length) return refuse(`There is no element ${index}.`);
  const v = parseNumber(text);
  if (v === null) return refuse(`"${text.trim().slice(0, 30)}" is not a number; the cell keeps ${state.data[index]}.`);
  if (Math.abs(v) > 3.4e38) return refuse(`${text.trim()} is outside the float32 range.`);
  const data = state.data.slice();
  data[index] = v;
  return done({ ...state, data });
}

/** Parses a nested array such as [[1, 2], [3, 4]] (JSON or Python list syntax) into shape and values. */
export function parseNested(text: string): { ok: true; shape: number[]; data: number[] } | { ok: false; message: string } {
  const src = text.trim();
  if (!src) return { ok: false, message: 'Paste a nested array such as [[1, 2], [3, 4]].' };
  if (src.length > 4_000_000) return { ok: false, message: 'The pasted text is too long (more than 4 MB).' };
  let pos = 0;
  const data: number[] = [];
  const dims: number[] = []; // list length seen at each depth
  let leafDepth = -1; // depth at which numbers sit, fixed by the first number
  const skip = () => {
    while (pos < src.length && /\s/.test(src[pos])) pos++;
  };
  const at = (path: number[]) => (path.length ? `[${path.join('][')}]` : 'the top level');
  // Recursive descent: every number must sit at the same depth, every list at a depth has the same length.
  const parse = (depth: number, path: number[]): string | null => {
    skip();
    if (depth > 6) return `Too deeply nested at ${at(path)} (the panel takes up to 4 dimensions).`;
    const open = src[pos];
    if (open === '[' || open === '(') {
      if (leafDepth !== -1 && depth >= leafDepth) return `Ragged array: ${at(path)} is a list where other entries are numbers.`;
      const close = open === '[' ? ']' : ')';
      pos++;
      let count = 0;
      skip();
      while (pos < src.length && src[pos] !== close) {
        const err = parse(depth + 1, [...path, count]);
        if (err) return err;
        count++;
        skip();
        if (src[pos] === ',') {
          pos++;
          skip();
        } else if (src[pos] !== close) {
          return `Expected "," or "${close}" after ${at([...path, count - 1])}, found ${pos >= src.length ? 'the end of the text' : `"${src[pos]}"`}.`;
        }
      }
      if (pos >= src.length) return `Missing a closing "${close}" for ${at(path)}.`;
      pos++;
      if (count === 0) return `Empty list at ${at(path)}.`;
      if (dims[depth] === undefined) dims[depth] = count;
      else if (dims[depth] !== count)
        return `Ragged array: ${at(path)} has ${count} ${count === 1 ? 'entry' : 'entries'} but the lists before it at that depth have ${dims[depth]}.`;
      return null;
    }
    const m = /^[^,\])[(\s]+/.exec(src.slice(pos, pos + 64));
    const token = m ? m[0] : (src[pos] ?? '');
    const v = parseNumber(token);
    if (v === null) return `${at(path)} is "${token}", which is not a number.`;
    if (leafDepth === -1) leafDepth = depth;
    else if (leafDepth !== depth) return `Ragged array: ${at(path)} is a number where other entries are lists.`;
    data.push(v);
    if (data.length > MAX_ELEMENTS) return `More than ${MAX_ELEMENTS.toLocaleString('en-US')} numbers; the panel computes up to 64k elements.`;
    pos += token.length;
    return null;
  };
  const err = parse(0, []);
  if (err) return { ok: false, message: err };
  skip();
  if (pos < src.length) return { ok: false, message: `Unexpected text after the array at character ${pos + 1}.` };
  if (leafDepth <= 0) return { ok: false, message: 'Paste a nested array such as [[1, 2], [3, 4]], not a single number.' };
  return { ok: true, shape: dims.slice(0, leafDepth), data };
}

export function pasteArray(state: PanelState, text: string): Edit {
  const p = parseNested(text);
  if (!p.ok) return refuse(p.message);
  const rank = p.shape.length;
  const layout: Layout = rank === 4 ? 'NCHW' : rank === 3 ? (state.layout === 'NCHW' ? 'BSD' : state.layout) : state.layout;
  if (rank !== 3 && rank !== 4) {
    return refuse(
      `The pasted array has shape [${p.shape.join(', ')}] (${rank} dimensions); the panel takes 3 dimensions (N, C, L) or (batch, seq, dim), or 4 (N, C, H, W).`,
    );
  }
  const problem = shapeProblem(layout, p.shape);
  if (problem) return refuse(problem);
  const C = p.shape[channelAxisOf(layout)];
  return done({ ...state, layout, shape: p.shape, data: p.data, groups: dividingGroups(C, state.groups), trainSteps: 0 });
}

/** Changes the shape, keeping every value whose coordinates still exist and sampling the new ones. */
export function reshape(state: PanelState, shape: number[]): Edit {
  const problem = shapeProblem(state.layout, shape);
  if (problem) return refuse(problem);
  const fresh = sampleData(shape, state.seed);
  const old = state.shape;
  const rank = shape.length;
  const coords = new Array<number>(rank).fill(0);
  for (let i = 0; i < fresh.length; i++) {
    let inside = true;
    let oldIdx = 0;
    for (let a = 0; a < rank; a++) {
      if (coords[a] >= old[a]) inside = false;
      oldIdx = oldIdx * old[a] + coords[a];
    }
    if (inside) fresh[i] = state.data[oldIdx];
    for (let a = rank - 1; a >= 0; a--) {
      if (++coords[a] < shape[a]) break;
      coords[a] = 0;
    }
  }
  const C = shape[channelAxisOf(state.layout)];
  return done({ ...state, shape, data: fresh, groups: state.groups <= C ? state.groups : dividingGroups(C, state.groups), trainSteps: 0 });
}

export function randomize(state: PanelState, seed: number): Edit {
  if (!Number.isInteger(seed) || Math.abs(seed) > 2 ** 31) return refuse('The seed must be a whole number (up to 2³¹).');
  return done({ ...state, seed, data: sampleData(state.shape, seed), trainSteps: 0 });
}

const intOf = (v: PyValue | undefined): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);

/**
 * Applies a hover link's layer: framework, method and the arguments that shape the example
 * (channels, groups, normalized shape, ε, momentum). Returns notes on what could not be used.
 */
export function applyOpenRequest(state: PanelState, req: OpenRequest, classes: NormClassSpec[]): { state: PanelState; notes: string[] } {
  const notes: string[] = [];
  let s: PanelState = { ...state };
  if (req.framework && req.framework !== s.framework) s = { ...s, framework: req.framework, eps: null, momentum: null };
  const kind = req.kind;
  if (kind && isNormMethod(kind)) s.focus = kind;
  else if (kind) notes.push(`The panel compares BatchNorm, LayerNorm, RMSNorm, GroupNorm and InstanceNorm; ${kind.replace(/_/g, ' ')} is not among them.`);
  const args = req.args ?? {};
  const role = (r: keyof NormClassSpec['roles']) => (kind ? argByRole(classes, s.framework, kind, args, r) : undefined);
  const channels = intOf(role('channels'));
  const groups = intOf(role('groups'));
  const ns = role('normalizedShape');
  let layout = s.layout;
  let shape = s.shape.slice();
  if (ns !== undefined && (kind === 'layer_norm' || kind === 'rms_norm')) {
    const dims = Array.isArray(ns) ? ns.map(intOf) : [intOf(ns)];
    if (dims.every((d): d is number => d !== null) && dims.length >= 1 && dims.length <= 3) {
      // normalized_shape [D] → (batch, seq, D); [C, H, W] → (N, C, H, W); [C, L] → (N, C, L).
      if (dims.length === 1) {
        shape = s.layout === 'BSD' ? [s.shape[0], s.shape[1], dims[0]] : [4, 3, dims[0]];
        layout = 'BSD';
      } else if (dims.length === 2) {
        layout = 'NCL';
        shape = [2, dims[0], dims[1]];
      } else {
        layout = 'NCHW';
        shape = [2, dims[0], dims[1], dims[2]];
      }
    } else notes.push('normalized_shape is not a literal list of whole numbers; the example keeps its shape.');
  }
  // Per-channel layers start from the preset of their input's rank: (N, C, H, W) for a 2-D layer
  // such as a U-Net's GroupNorm(32, 320), (N, C, L) for 1-D ones.
  if (req.rank !== undefined && (kind === 'batch_norm' || kind === 'instance_norm' || kind === 'group_norm')) {
    const want: Layout = req.rank >= 4 ? 'NCHW' : 'NCL';
    if (want !== layout) {
      layout = want;
      shape = PRESET_SHAPES[want].slice();
    }
  }
  const epsV = role('eps');
  if (typeof epsV === 'number' && epsV >= 0) s.eps = epsV;
  const momV = role('momentum');
  if (typeof momV === 'number' && momV >= 0 && momV <= 1) s.momentum = momV;
  if (channels !== null) {
    if (kind === 'batch_norm' || kind === 'instance_norm' || kind === 'group_norm') {
      if (layout === 'BSD' && shape[2] !== channels) {
        // A channels-first framework's conv-style layer reads better as (N, C, L).
        layout = 'NCL';
        shape = [4, channels, 4];
      }
      shape[channelAxisOf(layout)] = channels;
    }
  }
  // Keep the example within the limit by shrinking the non-channel axes first.
  const ch = channelAxisOf(layout);
  for (let a = shape.length - 1; a >= 0 && product(shape) > MAX_ELEMENTS; a--) {
    if (a === ch) continue;
    shape[a] = Math.max(a === 0 ? 2 : 1, Math.floor(MAX_ELEMENTS / (product(shape) / shape[a])));
  }
  const problem = shapeProblem(layout, shape);
  if (problem) {
    notes.push(problem);
    return { state: s, notes };
  }
  if (layout !== s.layout || shape.join() !== s.shape.join()) {
    const keep = layout === s.layout ? reshape({ ...s }, shape) : null;
    s = keep && keep.ok ? keep.state : { ...s, layout, shape, data: sampleData(shape, s.seed), trainSteps: 0 };
  }
  // Groups from a link are bounded by the channels shown (work per group never exceeds the example).
  if (groups !== null && groups >= 1 && groups <= shape[ch]) s.groups = groups;
  else {
    if (groups !== null) notes.push(`${groups} groups do not fit the ${shape[ch]} channels of the example; it keeps ${s.groups > shape[ch] ? 1 : s.groups}.`);
    if (s.groups > shape[ch]) s.groups = 1;
  }
  return { state: s, notes };
}
