/**
 * The comparison panel's browser app: DOM only. State lives in one PanelState (persisted with
 * the webview's setState so it survives reloads); every edit goes through the pure functions of
 * edit.ts, then viewModel.ts decides what to draw and this file draws it.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import { parseHostMessage, parsePanelState, PANEL_METHODS, PROTOCOL_VERSION, LAYOUTS } from '../protocol';
import type { Layout, PanelMethod, PanelState, WebviewToHost } from '../protocol';
import type { FrameworkId } from '../frameworks/types';
import { truncateText } from '../core/visible';
import { applyOpenRequest, applyPreset, initialState, parseNumber, pasteArray, randomize, reshape, setCell } from './edit';
import type { Edit } from './edit';
import { FRAMEWORK_LIST, NORM_CLASSES, profileFor } from './tableData';
import {
  AXIS_NAMES,
  METHOD_TITLES,
  MAX_TRAIN_STEPS,
  NOISE_BATCH_SIZES,
  PALETTE_SIZE,
  channelAxisOf,
  computeInsights,
  computeNoise,
  computeTraining,
  computeView,
  cubeView,
  divisors,
} from './viewModel';
import type { Env, GridView, Histogram, MethodView, NoiseView, View } from './viewModel';
import { cubeSvg, esc, fmt, histogramSvg, lineChart } from './charts';
import { EXERCISE, NOTES, PLACEMENT_NOTE, exerciseFeedback } from './content';
import { placementText } from '../explain/placement';
import type { OpenRequest } from '../protocol';

interface VsCodeApi {
  postMessage(msg: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;

let state: PanelState = loadState();
let view: View;
let hovered = 0;
let message: { text: string; kind: 'error' | 'info' } | null = null;
/** The placement of the layer the panel was opened from (not kept across reloads). */
let placement: OpenRequest['placement'];

function loadState(): PanelState {
  const saved = vscode.getState();
  if (saved !== undefined && saved !== null) {
    const p = parsePanelState(saved);
    if (p.ok) return p.value;
    vscode.postMessage({ type: 'error', message: `Saved panel state was unusable (${p.reason}); starting from the example.` });
  }
  return initialState();
}

function env(): Env {
  const rank = state.shape.length;
  return { profile: profileFor(state.framework, rank), fallback: profileFor('pytorch', rank) };
}

// ------------------------------------------------------------------------------------------
// Static skeleton, built once; render() fills it.

const h = (tag: string, attrs: Record<string, string> = {}, html = ''): HTMLElement => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (html) el.innerHTML = html;
  return el;
};

function skeleton(): void {
  app.innerHTML = '';
  app.removeAttribute('aria-busy');
  const fwOptions = FRAMEWORK_LIST.map((f) => `<vscode-option value="${f.id}">${esc(f.name)}</vscode-option>`).join('');
  app.append(
    h(
      'header',
      { class: 'top' },
      `
      <h1>Compare normalizations</h1>
      <p class="lede">One input, five normalizations, computed live. Hover or focus an element to see which elements share its statistics in every method.</p>`,
    ),
    h(
      'section',
      { class: 'controls', 'aria-label': 'Input and settings' },
      `
      <div class="row">
        <label class="field">Framework
          <vscode-single-select id="framework" aria-label="Framework (sets defaults and conventions)">${fwOptions}</vscode-single-select></label>
        <div class="field" role="group" aria-label="Layout preset">Preset
          <div class="buttons">${LAYOUTS.map((l) => `<vscode-button secondary data-layout="${l}" aria-label="Preset ${presetName(l)}">${presetName(l)}</vscode-button>`).join('')}</div></div>
        <label class="field">Shape <input id="shape" class="text" size="14" aria-describedby="shape-help" spellcheck="false"></label>
        <span id="shape-help" class="hint"></span>
      </div>
      <div class="row">
        <label class="field">ε <input id="eps" class="text num" size="14" aria-label="epsilon (empty: framework default)" placeholder="default"></label>
        <label class="field">γ <input id="gamma" class="text num" size="6" aria-label="gamma, scale applied to every channel"></label>
        <label class="field">β <input id="beta" class="text num" size="6" aria-label="beta, shift applied to every channel"></label>
        <label class="field">Groups <select id="groups" class="select" aria-label="GroupNorm groups"></select></label>
        <label class="field">Momentum <input id="momentum" class="text num" size="9" aria-label="BatchNorm momentum in the framework's convention (empty: default)" placeholder="default"></label>
        <label class="field">Seed <input id="seed" class="text num" size="6" aria-label="random seed"></label>
        <vscode-button id="randomize" secondary>Randomize</vscode-button>
        <vscode-button id="example" secondary>Seed example</vscode-button>
      </div>
      <details class="paste"><summary>Paste a nested array</summary>
        <textarea id="paste-text" rows="3" cols="60" aria-label="Nested array to use as input" placeholder="[[[1, 2], [3, 4], [5, 6]], [[2, 3], [4, 5], [6, 7]]]"></textarea>
        <vscode-button id="paste-apply">Use this array</vscode-button>
      </details>
      <div id="message" role="status" aria-live="polite"></div>`,
    ),
    h(
      'section',
      { class: 'input', 'aria-labelledby': 'input-h' },
      `
      <h2 id="input-h">Input <span id="input-shape" class="muted"></span></h2>
      <div class="row" role="radiogroup" aria-label="Colour the input by the statistics groups of">Colour by:
        ${PANEL_METHODS.map((m) => `<label class="radio"><input type="radio" name="focus" value="${m}"> ${METHOD_TITLES[m]}</label>`).join('')}
      </div>
      <p id="focus-over" class="muted"></p>
      <div class="input-wrap"><div id="input-grid" class="grid-host"></div><div id="input-hist" class="hist-host"></div></div>`,
    ),
    h(
      'section',
      { class: 'compare', 'aria-labelledby': 'compare-h' },
      `
      <h2 id="compare-h">Side by side (training mode: batch statistics)</h2>
      <vscode-button id="copy" secondary aria-label="Copy the input and every output as JSON">Copy as JSON</vscode-button>
      <div id="cards" class="cards"></div>`,
    ),
    h(
      'section',
      { class: 'cubes', 'aria-labelledby': 'cube-h' },
      `
      <h2 id="cube-h">Which elements share statistics</h2>
      <p class="muted" id="cube-caption"></p>
      <div id="cube-row" class="cube-row"></div>`,
    ),
    h(
      'section',
      { class: 'train', 'aria-labelledby': 'train-h' },
      `
      <h2 id="train-h">Train vs eval: running statistics</h2>
      <p id="train-text" class="muted"></p>
      <div class="buttons">
        <vscode-button id="step1">Train 1 batch</vscode-button><vscode-button id="step10">Train 10 batches</vscode-button>
        <vscode-button id="step50" secondary>Train 50</vscode-button><vscode-button id="step-reset" secondary>Reset</vscode-button>
      </div>
      <div id="train-legend" class="legend"></div>
      <div class="chart-pair"><div id="train-mean"></div><div id="train-var"></div></div>
      <div id="train-eval"></div>`,
    ),
    h(
      'section',
      { class: 'noise', 'aria-labelledby': 'noise-h' },
      `
      <h2 id="noise-h">Batch dependency: small batches, noisy statistics</h2>
      <div id="noise-chart"></div><div id="noise-text"></div>`,
    ),
    h(
      'section',
      { class: 'exercise', 'aria-labelledby': 'ex-h' },
      `
      <h2 id="ex-h">Exercise</h2><p class="question">${esc(EXERCISE.question)}</p>
      <div role="radiogroup" aria-label="Answers" id="answers">${EXERCISE.options.map((o) => `<label class="answer"><input type="radio" name="answer" value="${o.id}"> ${esc(o.text)}</label>`).join('')}</div>
      <div id="feedback" aria-live="polite"></div>`,
    ),
    h(
      'section',
      { class: 'notes', 'aria-labelledby': 'notes-h' },
      `<h2 id="notes-h">Notes</h2>${NOTES.map((n) => `<h3>${esc(n.title)}</h3><p>${esc(n.text)}</p>${n.title === PLACEMENT_NOTE ? '<p id="notes-placement" class="placement"></p>' : ''}`).join('')}<p id="notes-computed" class="muted"></p>`,
    ),
  );
  wire();
}

function presetName(l: Layout): string {
  return l === 'BSD' ? '(batch, seq, dim)' : `(${AXIS_NAMES[l].join(', ')})`;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
/** querySelectorAll as an array (the DOM.Iterable typings are not in this project's lib). */
const all = <T extends Element = HTMLElement>(sel: string): T[] => Array.from(app.querySelectorAll(sel)) as T[];

// ------------------------------------------------------------------------------------------
// Events

function commit(edit: Edit, okMessage?: string): void {
  if (!edit.ok) {
    message = { text: edit.message, kind: 'error' };
    renderMessage();
    return;
  }
  state = edit.state;
  message = okMessage ? { text: okMessage, kind: 'info' } : null;
  save();
  render();
}

// Persisting serializes the whole tensor (up to 64k numbers), so it runs after the frame, once
// typing pauses; pagehide flushes a pending save before a reload.
let saveTimer: ReturnType<typeof setTimeout> | undefined;
function save(): void {
  clearTimeout(saveTimer);
  // Small states are cheap to persist: save at once, so nothing is lost if the panel is hidden right away.
  if (state.data.length <= 4096) flushSave();
  else saveTimer = setTimeout(flushSave, 120);
}
function flushSave(): void {
  clearTimeout(saveTimer);
  saveTimer = undefined;
  vscode.setState(state);
}
const flushPending = () => {
  if (saveTimer !== undefined) flushSave();
};
window.addEventListener('pagehide', flushPending);
document.addEventListener('visibilitychange', flushPending);

function setNumberField(id: string, apply: (v: number | null) => Edit, allowEmpty: boolean): void {
  const el = $<HTMLInputElement>(id);
  el.addEventListener('change', () => {
    const t = el.value.trim();
    if (t === '' && allowEmpty) return commit(apply(null));
    const v = parseNumber(t);
    if (v === null) {
      commit({ ok: false, message: `"${t}" is not a number.` });
      return;
    }
    commit(apply(v));
  });
}

function wire(): void {
  const fw = $('framework') as HTMLElement & { value: string };
  fw.addEventListener('change', () => {
    const id = fw.value as FrameworkId;
    if (id && id !== state.framework) commit({ ok: true, state: { ...state, framework: id, eps: null, momentum: null, trainSteps: 0 } });
  });
  for (const b of all<HTMLElement>('[data-layout]')) {
    b.addEventListener('click', () => commit({ ok: true, state: applyPreset(state, b.dataset.layout as Layout) }));
  }
  const shape = $<HTMLInputElement>('shape');
  shape.addEventListener('change', () => {
    const parts = shape.value
      .replace(/[[\]()]/g, '')
      .split(/[\s,×x]+/)
      .filter(Boolean);
    const dims = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
    if (dims.some((d) => Number.isNaN(d)))
      return commit({ ok: false, message: `Shape "${truncateText(shape.value, 40)}" should be whole numbers separated by commas, e.g. 4, 3, 2.` });
    commit(reshape(state, dims));
  });
  setNumberField('eps', (v) => (v !== null && v < 0 ? { ok: false, message: 'ε must be ≥ 0.' } : { ok: true, state: { ...state, eps: v } }), true);
  setNumberField('gamma', (v) => ({ ok: true, state: { ...state, gamma: v ?? 1 } }), false);
  setNumberField('beta', (v) => ({ ok: true, state: { ...state, beta: v ?? 0 } }), false);
  setNumberField(
    'momentum',
    (v) =>
      v !== null && (v < 0 || v > 1)
        ? { ok: false, message: 'Momentum must be within [0, 1].' }
        : { ok: true, state: { ...state, momentum: v, trainSteps: 0 } },
    true,
  );
  setNumberField('seed', (v) => randomize(state, v ?? 0), false);
  $('groups').addEventListener('change', () =>
    commit({ ok: true, state: { ...state, groups: Number(($('groups') as HTMLSelectElement).value), focus: 'group_norm' } }),
  );
  $('copy').addEventListener('click', () => {
    const nest = (data: ArrayLike<number>, shape: number[]): unknown => {
      if (shape.length === 1) return Array.from(data);
      const step = data.length / shape[0];
      return Array.from({ length: shape[0] }, (_, i) => nest(Array.prototype.slice.call(data, i * step, (i + 1) * step), shape.slice(1)));
    };
    const out: Record<string, unknown> = { framework: state.framework, shape: state.shape, input: nest(view.input, state.shape) };
    for (const m of view.methods) out[m.method] = m.output ? nest(m.output, state.shape) : { problem: m.problem };
    vscode.postMessage({ type: 'copy', text: JSON.stringify(out) });
    message = { text: 'Copied the input and outputs to the clipboard as JSON.', kind: 'info' };
    renderMessage();
  });
  $('randomize').addEventListener('click', () => commit(randomize(state, state.seed + 1)));
  $('example').addEventListener('click', () => commit({ ok: true, state: applyPreset(state, 'BSD') }));
  $('paste-apply').addEventListener('click', () => commit(pasteArray(state, $<HTMLTextAreaElement>('paste-text').value), 'Array loaded.'));
  for (const r of all<HTMLInputElement>('input[name=focus]')) {
    r.addEventListener('change', () => commit({ ok: true, state: { ...state, focus: r.value as PanelMethod } }));
  }
  const step = (k: number) => () => commit({ ok: true, state: { ...state, trainSteps: Math.min(MAX_TRAIN_STEPS, state.trainSteps + k) } });
  $('step1').addEventListener('click', step(1));
  $('step10').addEventListener('click', step(10));
  $('step50').addEventListener('click', step(50));
  $('step-reset').addEventListener('click', () => commit({ ok: true, state: { ...state, trainSteps: 0 } }));
  for (const r of all<HTMLInputElement>('input[name=answer]')) {
    r.addEventListener('change', () => commit({ ok: true, state: { ...state, answer: r.value } }));
  }
  // Input cells: edit on change, hover/focus drives the cube view, arrows move between cells.
  const grid = $('input-grid');
  grid.addEventListener('change', (e) => {
    const t = e.target as HTMLInputElement;
    if (t.dataset.i === undefined) return;
    const i = Number(t.dataset.i);
    const r = setCell(state, i, t.value);
    if (!r.ok) t.value = String(state.data[i]);
    commit(r);
  });
  const track = (e: Event) => {
    const t = (e.target as HTMLElement).closest<HTMLElement>('[data-i]');
    if (t && Number(t.dataset.i) !== hovered) {
      hovered = Number(t.dataset.i);
      renderCubes();
    }
  };
  app.addEventListener('mouseover', track);
  app.addEventListener('focusin', track);
  grid.addEventListener('keydown', (e) => {
    const t = e.target as HTMLInputElement;
    if (t.dataset.i === undefined) return;
    const cells = Array.from(grid.querySelectorAll<HTMLInputElement>('input[data-i]'));
    const k = cells.indexOf(t);
    const cols = Number(t.dataset.cols);
    const move = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols }[e.key];
    if (move && (e.altKey || e.ctrlKey || t.selectionStart === (move > 0 ? t.value.length : 0))) {
      const next = cells[k + move];
      if (next) {
        e.preventDefault();
        next.focus();
        next.select();
      }
    }
  });
}

// ------------------------------------------------------------------------------------------
// Rendering

const groupClass = (g: number) => `g${((g % PALETTE_SIZE) + PALETTE_SIZE) % PALETTE_SIZE}`;

function coordsLabel(i: number): string {
  const names = AXIS_NAMES[state.layout];
  const idx: string[] = [];
  let rem = i;
  for (let a = state.shape.length - 1; a >= 0; a--) {
    idx.unshift(`${names[a]}=${rem % state.shape[a]}`);
    rem = Math.floor(rem / state.shape[a]);
  }
  return idx.join(', ');
}

/** Grid markup: one table per block; inputs when editable, plain cells otherwise. */
function gridHtml(g: GridView, values: ArrayLike<number>, groups: Int32Array | null, editable: boolean, name: string): string {
  let out = '';
  for (const b of g.blocks) {
    out += `<table class="block"><caption>${esc(b.label || name)}</caption><tbody>`;
    for (let r = 0; r < b.rows; r++) {
      out += '<tr>';
      for (let c = 0; c < b.cols; c++) {
        const i = b.start + r * b.stride + c;
        const gc = groups ? groupClass(groups[i]) : 'g-none';
        const v = values[i];
        const label = `${name} [${coordsLabel(i)}]${groups ? `, statistics group ${groups[i]}` : ''}`;
        out += editable
          ? `<td class="${gc}"><input class="cell" data-i="${i}" data-cols="${b.cols}" value="${esc(String(v))}" aria-label="${esc(label)}" size="5" spellcheck="false"></td>`
          : `<td class="${gc} out" data-i="${i}" data-v="${v}" title="${esc(label)}">${fmt(v)}</td>`;
      }
      out += '</tr>';
    }
    out += '</tbody></table>';
  }
  if (g.truncated)
    out += `<p class="muted">Showing ${g.shown.toLocaleString('en-US')} of ${g.total.toLocaleString('en-US')} elements (first rows and columns of each block); statistics, histograms and the cube cover all of them.</p>`;
  return out;
}

function renderMessage(): void {
  const el = $('message');
  el.className = message ? `message ${message.kind}` : '';
  el.setAttribute('role', message?.kind === 'error' ? 'alert' : 'status');
  el.textContent = message?.text ?? '';
}

function renderControls(): void {
  const fw = $('framework') as HTMLElement & { value: string };
  if (fw.value !== state.framework) fw.value = state.framework;
  const active = document.activeElement;
  const put = (id: string, v: string) => {
    const el = $<HTMLInputElement>(id);
    if (el !== active) el.value = v;
  };
  put('shape', state.shape.join(', '));
  const e = env();
  const short = (x: number) => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x));
  const epsDefaults = [
    ...new Set(
      PANEL_METHODS.map((m) => (e.profile.methods[m] ?? e.fallback.methods[m])?.eps).map((x) => (x === null ? 'None' : x === undefined ? '?' : short(x))),
    ),
  ];
  put('eps', state.eps === null ? '' : String(state.eps));
  $<HTMLInputElement>('eps').placeholder = epsDefaults.join(' / ');
  $<HTMLInputElement>('eps').title = `Empty: each method uses ${e.profile.name}'s default (${epsDefaults.join(' / ')})`;
  put('gamma', String(state.gamma));
  put('beta', String(state.beta));
  put('momentum', state.momentum === null ? '' : String(state.momentum));
  $<HTMLInputElement>('momentum').placeholder = String(view.momentum.written);
  $<HTMLInputElement>('momentum').title = `Empty: ${e.profile.name}'s default (${view.momentum.written})`;
  put('seed', String(state.seed));
  $('shape-help').textContent = `${AXIS_NAMES[state.layout].join(' × ')} · ${view.size.toLocaleString('en-US')} elements (max 65,536)`;
  const C = state.shape[channelAxisOf(state.layout)];
  const sel = $<HTMLSelectElement>('groups');
  const opts = [...new Set([...divisors(C), state.groups, ...(C > 1 ? [2, 3, 4, 8, 32].filter((g) => g <= Math.max(C, 32)) : [])])].sort((a, b) => a - b);
  sel.innerHTML = opts
    .map((g) => `<option value="${g}"${g === state.groups ? ' selected' : ''}>${g}${C % g === 0 ? '' : ' (does not divide C)'}</option>`)
    .join('');
  for (const r of all<HTMLInputElement>('input[name=focus]')) r.checked = r.value === state.focus;
  for (const r of all<HTMLInputElement>('input[name=answer]')) r.checked = r.value === state.answer;
  for (const b of all<HTMLElement>('[data-layout]')) b.toggleAttribute('secondary', b.dataset.layout !== state.layout);
}

/**
 * Keeps a grid's DOM between renders: the cells are rebuilt only when the layout, the shape or
 * the grouping changes; a value edit only rewrites each shown cell's text. That keeps a
 * re-render of a 64k-element tensor to a few hundred text updates.
 */
class GridRenderer {
  private key = '';
  private groups: Int32Array | null = null;
  private cells: HTMLElement[] = [];
  private index = new Int32Array(0);
  /** Value each shown cell displays, so unchanged cells are not touched. */
  private shown = new Float64Array(0);
  constructor(
    private readonly host: HTMLElement,
    private readonly editable: boolean,
  ) {}

  update(g: GridView, values: ArrayLike<number>, groups: Int32Array | null, name: string): void {
    const key = `${state.layout}|${state.shape.join(',')}|${name}`;
    if (key !== this.key || groups !== this.groups) {
      const focused = this.host.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.i : undefined;
      this.host.innerHTML = gridHtml(g, values, groups, this.editable, name);
      this.cells = Array.from(this.host.querySelectorAll<HTMLElement>('[data-i]'));
      this.index = Int32Array.from(this.cells, (c) => Number(c.dataset.i));
      this.shown = Float64Array.from(this.index, (i) => values[i]);
      this.key = key;
      this.groups = groups;
      if (focused !== undefined) this.host.querySelector<HTMLInputElement>(`[data-i="${focused}"]`)?.focus();
      return;
    }
    const active = document.activeElement;
    for (let k = 0; k < this.cells.length; k++) {
      const v = values[this.index[k]];
      if (Object.is(v, this.shown[k])) continue;
      this.shown[k] = v;
      const cell = this.cells[k];
      if (this.editable) {
        if (cell !== active) (cell as HTMLInputElement).value = String(v);
      } else {
        cell.dataset.v = String(v);
        cell.textContent = fmt(v);
      }
    }
  }
}

/** A histogram drawn once and then updated in place (bar heights and labels), not re-parsed per edit. */
class HistogramView {
  private bars: SVGRectElement[] = [];
  private titles: Element[] = [];
  private lo: SVGTextElement | null = null;
  private hi: SVGTextElement | null = null;
  private svg: SVGSVGElement | null = null;
  constructor(
    private readonly host: HTMLElement,
    private readonly title: string,
    private readonly cls: string,
  ) {}

  update(hist: Histogram): void {
    const bins = hist.counts.length;
    if (this.bars.length !== bins) {
      // Same geometry as histogramSvg, with every bar present so later updates only move them.
      this.host.innerHTML = histogramSvg({ ...hist, counts: new Uint32Array(bins).fill(1), maxCount: 1 }, this.title, this.cls);
      this.svg = this.host.querySelector('svg');
      this.bars = Array.from(this.host.querySelectorAll('rect'));
      this.titles = this.bars.map((b) => b.querySelector('title')!);
      const ticks = this.host.querySelectorAll<SVGTextElement>('text.tick');
      this.lo = ticks[0];
      this.hi = ticks[1];
    }
    const H = 64;
    const pad = 14;
    for (let i = 0; i < bins; i++) {
      const c = hist.counts[i];
      const bh = hist.maxCount ? ((H - pad) * c) / hist.maxCount : 0;
      this.bars[i].setAttribute('y', (H - pad - bh).toFixed(1));
      this.bars[i].setAttribute('height', bh.toFixed(1));
      this.titles[i].textContent =
        `${c} value${c === 1 ? '' : 's'} in [${fmt(hist.min + ((hist.max - hist.min) * i) / bins)}, ${fmt(hist.min + ((hist.max - hist.min) * (i + 1)) / bins)})`;
    }
    this.lo!.textContent = fmt(hist.min);
    this.hi!.textContent = fmt(hist.max);
    this.svg!.setAttribute('aria-label', `${this.title}: histogram from ${fmt(hist.min)} to ${fmt(hist.max)}`);
  }
}

/** A statistics table rebuilt only when its groups change; value edits rewrite the numbers. */
class StatsView {
  private key = '';
  private cells: HTMLElement[] = [];
  constructor(private readonly host: HTMLElement) {}

  update(m: MethodView): void {
    const isRms = m.method === 'rms_norm';
    const key = `${m.method}|${m.groupCount}|${m.stats.map((r) => r.label).join(';')}`;
    const values = m.stats.flatMap((r) => (isRms ? [r.variance, r.rms!] : [r.mean, r.variance]));
    if (key !== this.key) {
      let html = `<table class="stats"><caption>${m.groupCount} group${m.groupCount === 1 ? '' : 's'} of ${m.stats[0]?.count ?? 0} elements</caption><thead><tr><th scope="col">group</th>${isRms ? '<th scope="col">mean square</th><th scope="col">RMS</th>' : '<th scope="col">mean</th><th scope="col">variance</th>'}</tr></thead><tbody>`;
      for (const st of m.stats)
        html += `<tr><td><span class="swatch ${groupClass(st.group)}"></span>${esc(st.label)}</td><td class="num"></td><td class="num"></td></tr>`;
      html += '</tbody></table>';
      if (m.statsTruncated) html += `<p class="muted">First ${m.stats.length} of ${m.groupCount} groups.</p>`;
      this.host.innerHTML = html;
      this.cells = Array.from(this.host.querySelectorAll<HTMLElement>('td.num'));
      this.key = key;
    }
    values.forEach((v, k) => {
      const text = String(v);
      if (this.cells[k].dataset.v !== text) {
        this.cells[k].dataset.v = text;
        this.cells[k].textContent = fmt(v);
      }
    });
  }
}

let inputGrid: GridRenderer | null = null;
let inputHist: HistogramView | null = null;
function renderInput(): void {
  const focus = view.methods.find((m) => m.method === state.focus)!;
  $('input-shape').textContent = `[${state.shape.join(', ')}] — ${AXIS_NAMES[state.layout].join(', ')}`;
  $('focus-over').textContent = focus.groupIndex
    ? `${focus.title}: ${focus.groupCount} statistics group${focus.groupCount === 1 ? '' : 's'}, ${focus.over}. Same colour = same mean and variance.`
    : `${focus.title}: ${focus.problem ?? 'not computed'}`;
  inputGrid ??= new GridRenderer($('input-grid'), true);
  // The typed values (not their float32 images) so a cell shows exactly what was entered.
  inputGrid.update(view.grid, state.data, focus.groupIndex, 'input');
  if (!inputHist) {
    $('input-hist').innerHTML = '<div class="muted">Input histogram</div><div></div>';
    inputHist = new HistogramView($('input-hist').lastElementChild as HTMLElement, 'Input', 'bar');
  }
  inputHist.update(view.inputHistogram);
}

const cardParts = new Map<
  PanelMethod,
  { head: HTMLElement; grid: GridRenderer; gridHost: HTMLElement; body: HTMLElement; stats: StatsView; hist: HistogramView; card: HTMLElement }
>();
function renderCards(): void {
  const e = env();
  const host = $('cards');
  for (const m of view.methods) {
    let parts = cardParts.get(m.method);
    if (!parts) {
      const card = h('article', { class: 'card', 'data-method': m.method, 'aria-label': m.title });
      const head = h('div');
      const gridHost = h('div', { class: 'grid-host' });
      const body = h('div');
      const statsHost = h('div');
      const histHost = h('div');
      body.append(statsHost, h('div', { class: 'muted' }, 'Output histogram'), histHost);
      card.append(head, gridHost, body);
      host.append(card);
      parts = {
        card,
        head,
        gridHost,
        body,
        grid: new GridRenderer(gridHost, false),
        stats: new StatsView(statsHost),
        hist: new HistogramView(histHost, `${m.title} output`, `bar ${m.method}`),
      };
      cardParts.set(m.method, parts);
    }
    parts.card.classList.toggle('focused', m.method === state.focus);
    let head = `<h3>${esc(m.title)}${m.className ? ` <code>${esc(m.className)}</code>` : ''}</h3><p class="over">${esc(m.over)}</p>`;
    const spec = m.spec as { eps?: number | null } | null;
    if (spec && 'eps' in spec)
      head += `<p class="muted">ε = ${spec.eps === null ? 'None (float32 eps)' : esc(String(spec.eps))}${m.method === 'batch_norm' ? ` · ${esc(e.profile.name)} stores ${e.profile.storedVariance} running_var` : ''}</p>`;
    for (const n of m.notes) head += `<p class="note">${esc(n)}</p>`;
    if (m.problem) head += `<p class="problem" role="alert">${esc(m.problem)}</p>`;
    if (parts.head.innerHTML !== head) parts.head.innerHTML = head;
    parts.gridHost.hidden = !m.output;
    parts.body.hidden = !m.output;
    if (m.output) {
      parts.grid.update(view.grid, m.output, m.groupIndex, `${m.title} output`);
      parts.stats.update(m);
      if (m.histogram) parts.hist.update(m.histogram);
    }
  }
}

// The cube depends on the grouping and the hovered element, not on values: skip it when neither changed.
let cubeKey: { groups: (Int32Array | null)[]; hovered: number } | null = null;
function renderCubes(): void {
  if (!view) return;
  const groups = view.methods.map((m) => m.groupIndex);
  if (cubeKey && cubeKey.hovered === hovered && cubeKey.groups.every((g, k) => g === groups[k])) return;
  cubeKey = { groups, hovered };
  const cv = cubeView(view, hovered);
  $('cube-caption').textContent =
    `The tensor as an ${cv.labels.n} × ${cv.labels.c} × ${cv.labels.s} cube (${cv.dims.n} × ${cv.dims.c} × ${cv.dims.s}). Each face is a slice through the element [${coordsLabel(cv.hovered.index)}]: front at ${cv.labels.n}=${cv.hovered.n}, top at ${cv.labels.s}=${cv.hovered.s}, side at ${cv.labels.c}=${cv.hovered.c}. Shaded cells share its mean and variance. Hover or focus any element to move it.`;
  $('cube-row').innerHTML = cv.methods
    .map(
      (m) =>
        `<figure class="cube-fig"><figcaption>${esc(m.title)}<br><span class="muted">${m.available ? `${m.groupSize} element${m.groupSize === 1 ? '' : 's'} share` : 'not computed'}</span></figcaption>${cubeSvg(m, cv.labels)}</figure>`,
    )
    .join('');
  for (const cell of all('.hovered')) cell.classList.remove('hovered');
  for (const cell of all(`[data-i="${cv.hovered.index}"]`)) cell.parentElement?.classList.add('hovered');
}

function renderTraining(): void {
  const e = env();
  const t = computeTraining(state, e);
  $('train-text').textContent =
    `${t.momentumText}. Batches of shape [${t.batchShape.join(', ')}] are drawn with each channel's mean and variance taken from the input; dashed lines are those targets. ${t.steps} batch${t.steps === 1 ? '' : 'es'} so far (num_batches_tracked = ${t.numBatchesTracked}).`;
  if (t.problem) {
    $('train-mean').innerHTML = `<p class="problem">${esc(t.problem)}</p>`;
    $('train-var').innerHTML = '';
    $('train-eval').innerHTML = '';
    return;
  }
  const ch = AXIS_NAMES[state.layout][channelAxisOf(state.layout)];
  const seriesOf = (vals: number[][], targets: number[]) =>
    vals.flatMap((v, k) => [
      { label: `running ${ch}=${t.channels[k]}`, values: v, cls: `s${k}` },
      { label: `target ${ch}=${t.channels[k]}`, values: v.map(() => targets[k]), cls: `s${k}`, dashed: true },
    ]);
  $('train-legend').innerHTML =
    `${t.channels.map((c, k) => `<span class="key s${k}"></span>${esc(ch)}=${c}`).join(' ')} <span class="key dashed"></span>target (the data's)`;
  $('train-mean').innerHTML = lineChart({
    series: seriesOf(t.runningMean, t.targetMean),
    title: 'running_mean per channel by training step',
    xTitle: 'batches',
    yTitle: 'running_mean',
  });
  $('train-var').innerHTML = lineChart({
    series: seriesOf(t.runningVar, t.targetVar),
    title: 'running_var per channel by training step',
    xTitle: 'batches',
    yTitle: 'running_var',
  });
  const rows = t.evalSample
    .map((s) => `<tr><td>${fmt(s.input)}</td><td>${fmt(s.train)}</td><td>${fmt(s.eval)}</td><td>${fmt(s.eval - s.train)}</td></tr>`)
    .join('');
  $('train-eval').innerHTML =
    `<p>Eval on a new batch from the same data: the same input normalized with its own batch statistics (train) and with the running statistics (eval) differs by up to <strong id="eval-max">${fmt(t.evalMaxAbsDiff!)}</strong> (mean |difference| ${fmt(t.evalMeanAbsDiff!)}).${t.steps === 0 ? ' Running statistics still hold their initial values (mean 0, variance 1): train some batches.' : ''}</p>
    <table class="stats"><thead><tr><th scope="col">new input</th><th scope="col">train output</th><th scope="col">eval output</th><th scope="col">difference</th></tr></thead><tbody>${rows}</tbody></table>`;
}

let noiseCache: { key: string; html: string; view: NoiseView } | null = null;
function renderNoise(): void {
  const noiseKey = `${state.seed}|${state.framework}`;
  if (noiseCache?.key !== noiseKey) {
    const nv = computeNoise(state.seed, env());
    const labels = NOISE_BATCH_SIZES.map(String);
    const chart = lineChart({
      title: 'error of the batch mean and variance by batch size',
      series: [
        { label: 'batch mean error', values: nv.points.map((p) => p.meanError), cls: 's0' },
        { label: 'batch variance error', values: nv.points.map((p) => p.varError), cls: 's1' },
      ],
      xLabels: labels,
      xTitle: 'batch size',
      yTitle: 'RMS error',
      notes: nv.points.flatMap((p, i) => (p.problem ? [{ index: i, text: '✕ fails' }] : [])),
    });
    const one = nv.points.find((p) => p.batch === 1);
    const two = nv.points.find((p) => p.batch === 2);
    const big = nv.points[nv.points.length - 1];
    const text = `<p>Each point: 48 batches per size of 8 features from the core's seeded sampler, the batch mean and variance compared with those of ${(big.batch * 48).toLocaleString('en-US')} samples. Mean error at batch 2: <strong>${fmt(two?.meanError ?? NaN)}</strong>; at batch ${big.batch}: <strong>${fmt(big.meanError ?? NaN)}</strong> — it shrinks like 1/√batch.</p>
      <p>Batch size 1 in training: <span class="problem" id="noise-b1">${esc(one?.problem ?? 'computed')}</span> — one value per channel has no variance to divide by. At batch size 2 every normalized value is ±1 whatever the data (computed: ${nv.batchOfTwo.map(fmt).join(', ')}).</p>`;
    noiseCache = {
      key: noiseKey,
      view: nv,
      html: `<div class="legend"><span class="key s0"></span>batch mean <span class="key s1"></span>batch variance</div>${chart}${text}`,
    };
  }
  $('noise-chart').innerHTML = noiseCache.html;
}

function renderExercise(): void {
  const fb = $('feedback');
  const ins = computeInsights(state, env());
  const checks: string[] = [];
  if (ins.groupCVsInstance !== null) checks.push(`GroupNorm with one group per channel differs from InstanceNorm by at most ${fmt(ins.groupCVsInstance)}`);
  if (ins.groupOneVsLayer !== null) checks.push(`GroupNorm with one group differs from LayerNorm over (C, spatial) by at most ${fmt(ins.groupOneVsLayer)}`);
  if (ins.rmsOutputMean !== null) checks.push(`RMSNorm's output for the first sample has mean ${fmt(ins.rmsOutputMean)} (LayerNorm's: 0)`);
  const placed = $('notes-placement');
  if (placed) placed.textContent = placement ? `The layer you opened the panel from is ${placementText(placement)}.` : '';
  $('notes-computed').textContent = checks.length ? `Computed on this input: ${checks.join('; ')}.` : '';
  if (!state.answer) {
    fb.innerHTML = '<p class="muted">Choose an answer; the explanation uses the numbers this panel computed.</p>';
    return;
  }
  fb.innerHTML = exerciseFeedback(state.answer, ins, noiseCache?.view ?? computeNoise(state.seed, env()), fmt);
}

let slowTimer: ReturnType<typeof setTimeout> | undefined;
function render(): void {
  const t0 = performance.now();
  view = computeView(state, env());
  const t1 = performance.now();
  renderMessage();
  renderControls();
  renderInput();
  const t2 = performance.now();
  renderCards();
  const t3 = performance.now();
  renderCubes();
  const t4 = performance.now();
  // Exposed for the end-to-end test's timing check (view model vs DOM).
  document.body.dataset.renderMs = `${(t4 - t0).toFixed(2)} vm=${(t1 - t0).toFixed(2)} input=${(t2 - t1).toFixed(2)} cards=${(t3 - t2).toFixed(2)} cube=${(t4 - t3).toFixed(2)}`;
  // The simulations do not depend on what a single keystroke changes visibly: run them after the frame.
  clearTimeout(slowTimer);
  slowTimer = setTimeout(() => {
    try {
      renderTraining();
      renderNoise();
      renderExercise();
    } catch (e) {
      vscode.postMessage({ type: 'error', message: String(e) });
    }
  }, 0);
}

window.addEventListener('message', (ev: MessageEvent) => {
  const p = parseHostMessage(ev.data);
  if (!p.ok) {
    vscode.postMessage({ type: 'error', message: `webview ignored a host message: ${p.reason}` });
    return;
  }
  const msg = p.value;
  if (msg.type === 'reset') {
    state = initialState(state.framework);
    message = null;
    placement = undefined;
  } else {
    placement = msg.request.placement;
    const r = applyOpenRequest(state, msg.request, NORM_CLASSES);
    state = r.state;
    message = r.notes.length ? { text: r.notes.join(' '), kind: 'info' } : null;
  }
  save();
  render();
});

try {
  skeleton();
  render();
  save();
  document.body.dataset.ready = 'true';
} catch (e) {
  app.textContent = `The panel failed to start: ${e instanceof Error ? e.message : String(e)}`;
  vscode.postMessage({ type: 'error', message: String(e instanceof Error ? e.stack : e) });
}
vscode.postMessage({ type: 'ready', version: PROTOCOL_VERSION });
