/**
 * SVG markup for the panel's charts, generated as strings. Hand-made SVG rather than a chart
 * library: the charts are a few dozen shapes each, a string build costs well under a millisecond,
 * it adds nothing to the bundle, needs no inline styles (so the strict CSP holds: colours come
 * from classes in panel.css, which follow the VS Code theme), and renders identically in tests.
 */
import type { CubeFace, CubeMethod, Histogram } from './viewModel';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Short, readable numbers: 4 significant digits, exponent for very small or large magnitudes. */
export function fmt(v: number): string {
  if (Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  const s = a < 1e-3 || a >= 1e6 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
  return s.replace('-', '−');
}

const n2 = (x: number) => (Math.round(x * 10) / 10).toString();

export function histogramSvg(h: Histogram, title: string, cls = 'bar'): string {
  const W = 220;
  const H = 64;
  const pad = 14;
  const bins = h.counts.length;
  const bw = W / bins;
  let bars = '';
  for (let i = 0; i < bins; i++) {
    const c = h.counts[i];
    if (!c) continue;
    const bh = h.maxCount ? ((H - pad) * c) / h.maxCount : 0;
    bars += `<rect class="${cls}" x="${n2(i * bw + 0.5)}" y="${n2(H - pad - bh)}" width="${n2(bw - 1)}" height="${n2(bh)}"><title>${c} value${c === 1 ? '' : 's'} in [${fmt(h.min + ((h.max - h.min) * i) / bins)}, ${fmt(h.min + ((h.max - h.min) * (i + 1)) / bins)})</title></rect>`;
  }
  return `<svg class="chart hist" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`${title}: histogram from ${fmt(h.min)} to ${fmt(h.max)}`)}">${bars}<line class="axis" x1="0" y1="${H - pad}" x2="${W}" y2="${H - pad}"/><text class="tick" x="0" y="${H - 2}">${esc(fmt(h.min))}</text><text class="tick" x="${W}" y="${H - 2}" text-anchor="end">${esc(fmt(h.max))}</text></svg>`;
}

export interface Series {
  label: string;
  values: (number | null)[];
  cls: string;
  dashed?: boolean;
}

/** A line chart over x = 0..n-1 (or the given x labels), with an optional log-scale x axis. */
export function lineChart(opts: {
  series: Series[];
  title: string;
  xLabels?: string[];
  xTitle: string;
  yTitle: string;
  width?: number;
  height?: number;
  notes?: { index: number; text: string }[];
}): string {
  const W = opts.width ?? 420;
  const H = opts.height ?? 170;
  const L = 58;
  const R = 8;
  const T = 10;
  const B = 30;
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (const s of opts.series) {
    n = Math.max(n, s.values.length);
    for (const v of s.values)
      if (v !== null && Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-9) {
    hi += 0.5;
    lo -= 0.5;
  }
  const padY = (hi - lo) * 0.08;
  lo -= padY;
  hi += padY;
  const x = (i: number) => L + (n <= 1 ? 0 : ((W - L - R) * i) / (n - 1));
  const y = (v: number) => T + ((H - T - B) * (hi - v)) / (hi - lo);
  let body = `<line class="axis" x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}"/><line class="axis" x1="${L}" y1="${T}" x2="${L}" y2="${H - B}"/>`;
  for (const v of [lo + padY, (lo + hi) / 2, hi - padY]) {
    body += `<line class="grid" x1="${L}" y1="${n2(y(v))}" x2="${W - R}" y2="${n2(y(v))}"/><text class="tick" x="${L - 4}" y="${n2(y(v) + 3)}" text-anchor="end">${esc(fmt(v))}</text>`;
  }
  const labels = opts.xLabels ?? [];
  const every = Math.max(1, Math.ceil(n / 8));
  for (let i = 0; i < n; i += every) {
    const t = labels[i] ?? String(i);
    body += `<text class="tick" x="${n2(x(i))}" y="${H - B + 12}" text-anchor="middle">${esc(t)}</text>`;
  }
  body += `<text class="axis-title" x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">${esc(opts.xTitle)}</text>`;
  body += `<text class="axis-title" x="10" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 10 ${(T + H - B) / 2})">${esc(opts.yTitle)}</text>`;
  for (const note of opts.notes ?? []) {
    body += `<text class="chart-note" x="${n2(x(note.index) + 4)}" y="${n2((T + H - B) / 2)}">${esc(note.text)}</text>`;
  }
  for (const s of opts.series) {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${n2(x(i))} ${n2(y(v))}`;
      pen = true;
    });
    if (d) body += `<path class="line ${s.cls}${s.dashed ? ' dashed' : ''}" d="${d}"><title>${esc(s.label)}</title></path>`;
    if (s.values.length === 1 && s.values[0] !== null) body += `<circle class="dot ${s.cls}" cx="${n2(x(0))}" cy="${n2(y(s.values[0]))}" r="3"/>`;
  }
  return `<svg class="chart line-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title)}">${body}</svg>`;
}

/**
 * One method's cube (N in depth, C across, spatial axes down), drawn in oblique projection
 * with the three faces cut through the hovered element; shaded cells share its statistics.
 */
export function cubeSvg(m: CubeMethod, labels: { n: string; c: string; s: string }): string {
  const W = 96;
  const Hh = 84;
  const D = 44; // depth along the diagonal
  const kx = 0.75;
  const ky = 0.6;
  const ox = 12;
  const oy = 12 + D * ky;
  let cells = '';
  const cell = (pts: [number, number][], share: number, hovered: boolean) => {
    const p = pts.map(([a, b]) => `${n2(a)},${n2(b)}`).join(' ');
    cells += `<polygon class="cube-cell${share > 0 ? ' on' : ''}${hovered ? ' here' : ''}" points="${p}" fill-opacity="${share > 0 ? (0.35 + 0.65 * share).toFixed(2) : '1'}"/>`;
  };
  const faceLoop = (f: CubeFace, corner: (u: number, v: number) => [number, number]) => {
    for (let r = 0; r < f.rows; r++) {
      for (let q = 0; q < f.cols; q++) {
        const u0 = q / f.cols;
        const u1 = (q + 1) / f.cols;
        const v0 = r / f.rows;
        const v1 = (r + 1) / f.rows;
        cell([corner(u0, v0), corner(u1, v0), corner(u1, v1), corner(u0, v1)], f.share[r * f.cols + q], r * f.cols + q === f.hoveredCell);
      }
    }
  };
  if (m.available) {
    // Front: u along C, v down the spatial axis.
    faceLoop(m.front, (u, v) => [ox + u * W, oy + v * Hh]);
    // Top: u along C, v into the depth (N), starting at the front edge.
    faceLoop(m.top, (u, v) => [ox + u * W + v * D * kx, oy - v * D * ky]);
    // Side: u into the depth (N), v down the spatial axis.
    faceLoop(m.side, (u, v) => [ox + W + u * D * kx, oy + v * Hh - u * D * ky]);
  }
  const tw = ox + W + D * kx + 6;
  const th = oy + Hh + 26;
  const text =
    `<text class="tick" x="${ox + W / 2}" y="${oy + Hh + 12}" text-anchor="middle">${esc(labels.c)}</text>` +
    `<text class="tick" x="${ox - 3}" y="${oy + Hh / 2}" text-anchor="end" transform="rotate(-90 ${ox - 3} ${oy + Hh / 2})">${esc(labels.s)}</text>` +
    `<text class="tick" x="${ox + W + (D * kx) / 2 + 4}" y="${oy - (D * ky) / 2 - 2}">${esc(labels.n)}</text>`;
  const aria = m.available ? `${m.title}: ${m.groupSize} elements share the hovered element's statistics` : `${m.title}: not computed for this input`;
  return `<svg class="chart cube" viewBox="0 0 ${n2(tw + 8)} ${n2(th)}" role="img" aria-label="${esc(aria)}">${cells}${text}</svg>`;
}
