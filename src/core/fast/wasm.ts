/**
 * The WebAssembly SIMD kernels (kernels.wat, embedded by kernels.wasm.ts) behind a small API
 * whose tensors can live in the module's memory: allocate a WasmF32, fill its `data`, and the
 * kernels read and write it in place. Plain Float32Arrays work too and are copied in and out.
 * Instantiation is synchronous and uses no Node API, so this runs in browsers as well.
 */
import { KERNELS_WASM_BASE64 } from './kernels.wasm';
import type { BatchNormFastResult, LayerNormFastResult, RmsNormFastResult } from './types';

interface KernelExports {
  memory: WebAssembly.Memory;
  plane_moments(x: number, planes: number, s: number, stride: number, out: number): void;
  planes_affine(x: number, y: number, planes: number, s: number, stride: number, m: number, a: number, b: number): void;
  layer_norm(x: number, y: number, rows: number, cols: number, w: number, b: number, eps: number, stats: number): void;
  rms_norm(x: number, y: number, rows: number, cols: number, w: number, eps: number, stats: number): void;
  shifted_sums(p: number, n: number, k: number): [number, number];
  sum_squares(p: number, n: number): number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Bytes of standard base64 text (trailing '=' padding optional). */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = B64.indexOf(clean[i]);
    if (v < 0) throw new Error(`invalid base64 character at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** A float32 array allocated in the kernels' memory. */
export class WasmF32 {
  private view: Float32Array | null = null;
  constructor(
    private readonly owner: WasmNormKernels,
    readonly ptr: number,
    readonly length: number,
  ) {}
  /** A view of the elements; memory growth detaches old views, so read this again after allocating. */
  get data(): Float32Array {
    const buf = this.owner.memory.buffer;
    if (!this.view || this.view.buffer !== buf) this.view = new Float32Array(buf, this.ptr, this.length);
    return this.view;
  }
  free(): void {
    this.owner.release(this.ptr);
  }
}

const ALIGN = 64;
const PAGE = 65536;
const PHASE_MIN = 4096;
const PHASE_STEP = 2112;

/**
 * The WebAssembly SIMD kernels (kernels.wat) behind fastBatchNormTrain, fastLayerNorm and
 * fastRmsNorm: same results as the JavaScript kernels (float64 statistics), on the module's own memory.
 */
export class WasmNormKernels {
  private readonly ex: KernelExports;
  /** Live blocks [ptr, bytes], sorted by ptr; first fit between them. */
  private blocks: [number, number][] = [];
  private phaseTurn = 0;

  private constructor(instance: WebAssembly.Instance) {
    this.ex = instance.exports as unknown as KernelExports;
  }

  /** null when WebAssembly or its SIMD instructions are unavailable. */
  static create(): WasmNormKernels | null {
    try {
      if (typeof WebAssembly !== 'object') return null;
      const bytes = decodeBase64(KERNELS_WASM_BASE64);
      if (!WebAssembly.validate(bytes)) return null;
      return new WasmNormKernels(new WebAssembly.Instance(new WebAssembly.Module(bytes), {}));
    } catch {
      return null;
    }
  }

  get memory(): WebAssembly.Memory {
    return this.ex.memory;
  }

  /** Raw kernel exports, for tests of the building blocks. */
  get raw(): Readonly<KernelExports> {
    return this.ex;
  }

  alloc(length: number): WasmF32 {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`cannot allocate ${length} floats`);
    // Successive large blocks alternate between two 4 KiB phases so an input and the output
    // allocated after it never share address bits 0-11 (4K aliasing stalls loads behind stores).
    const phase = length * 4 >= PHASE_MIN ? (this.phaseTurn++ % 2) * PHASE_STEP : undefined;
    return new WasmF32(this, this.allocBytes(length * 4, phase), length);
  }

  private allocBytes(bytes: number, phase?: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const place = (p: number) => (phase === undefined ? p : p + ((phase - (p % 4096) + 4096) % 4096));
    let ptr = place(ALIGN); // address 0 stays unused
    let at = 0;
    for (; at < this.blocks.length; at++) {
      const [p, b] = this.blocks[at];
      if (p - ptr >= size) break;
      ptr = place(Math.max(ptr, p + b));
    }
    const need = ptr + size - this.ex.memory.buffer.byteLength;
    if (need > 0) this.ex.memory.grow(Math.ceil(need / PAGE));
    this.blocks.splice(at, 0, [ptr, size]);
    return ptr;
  }

  /** A large scratch block in the other 4 KiB phase than `ptr`. */
  private allocAfter(ptr: number, bytes: number): number {
    return this.allocBytes(bytes, bytes >= PHASE_MIN ? ((ptr % 4096) + PHASE_STEP) % 4096 : undefined);
  }

  /** Frees the block at ptr (from alloc). */
  release(ptr: number): void {
    const i = this.blocks.findIndex((b) => b[0] === ptr);
    if (i >= 0) this.blocks.splice(i, 1);
  }

  private f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.ex.memory.buffer, ptr, length);
  }

  private f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.ex.memory.buffer, ptr, length);
  }

  /** Whether [ptr, ptr + bytes) lies inside one allocated block. */
  private owns(ptr: number, bytes: number): boolean {
    return this.blocks.some(([p, b]) => ptr >= p && ptr + bytes <= p + b);
  }

  /**
   * Address of x if it lives in an allocated block of this memory, else a fresh copy's (to
   * release after). `expected` is the element count the kernel will read.
   */
  private place(x: Float32Array | WasmF32, expected: number, temps: number[]): number {
    if (x.length !== expected) throw new RangeError(`input has ${x.length} elements, expected ${expected}`);
    if (x instanceof WasmF32) return x.ptr;
    if (x.buffer === this.ex.memory.buffer && this.owns(x.byteOffset, x.byteLength)) return x.byteOffset;
    const ptr = this.allocBytes(x.length * 4);
    temps.push(ptr);
    this.f32(ptr, x.length).set(x);
    return ptr;
  }

  private fill(length: number, value: number | Float32Array | null, temps: number[]): number {
    if (value instanceof Float32Array && value.length !== length) {
      throw new RangeError(`parameter has ${value.length} elements, expected ${length}`);
    }
    const ptr = this.allocBytes(length * 4);
    temps.push(ptr);
    const v = this.f32(ptr, length);
    if (value instanceof Float32Array) v.set(value);
    else v.fill(value ?? 0);
    return ptr;
  }

  /** Output target: `out` in place when given, else scratch copied into a new array afterwards. */
  private target(length: number, out: WasmF32 | undefined, xp: number, temps: number[]): number {
    if (out) {
      if (out.length !== length) throw new Error(`output has ${out.length} elements, expected ${length}`);
      return out.ptr;
    }
    const ptr = this.allocAfter(xp, length * 4);
    temps.push(ptr);
    return ptr;
  }

  private finish(ptr: number, length: number, out: WasmF32 | undefined): Float32Array {
    return out ? out.data : this.f32(ptr, length).slice();
  }

  /**
   * BatchNorm training forward on an (n, c, s) layout: batch statistics per channel. Works one
   * channel at a time, so the normalizing pass re-reads that channel's planes from cache.
   */
  batchNormTrain(
    x: Float32Array | WasmF32,
    n: number,
    c: number,
    s: number,
    weight: Float32Array | null,
    bias: Float32Array | null,
    eps: number,
    out?: WasmF32,
  ): BatchNormFastResult {
    const temps: number[] = [];
    try {
      const len = n * c * s;
      for (const p of [weight, bias]) {
        if (p && p.length !== c) throw new RangeError(`parameter has ${p.length} elements, expected ${c}`);
      }
      const xp = this.place(x, len, temps);
      const mp = this.allocBytes(n * 16);
      temps.push(mp);
      const yp = this.target(len, out, xp, temps);
      const plane = s * 4;
      const stride = c * plane;
      const mean = new Float64Array(c);
      const variance = new Float64Array(c);
      for (let ch = 0; ch < c; ch++) {
        this.ex.plane_moments(xp + ch * plane, n, s, stride, mp);
        const pm = this.f64(mp, n * 2);
        // Chan et al. pairwise combination of the planes' (mean, M2).
        let count = 0;
        let m = 0;
        let m2 = 0;
        for (let i = 0; i < n; i++) {
          const total = count + s;
          const delta = pm[2 * i] - m;
          m += (delta * s) / total;
          m2 += pm[2 * i + 1] + (delta * delta * count * s) / total;
          count = total;
        }
        const v = Math.max(0, m2 / count);
        mean[ch] = m;
        variance[ch] = v;
        const a = (weight ? weight[ch] : 1) / Math.sqrt(v + eps);
        const mh = Math.fround(m);
        // (x - mh) is exact near the mean; the rest of the mean, (m - mh) * a, goes into the bias.
        this.ex.planes_affine(xp + ch * plane, yp + ch * plane, n, s, stride, mh, a, (bias ? bias[ch] : 0) - (m - mh) * a);
      }
      return { output: this.finish(yp, len, out), mean, variance };
    } finally {
      for (const t of temps) this.release(t);
    }
  }

  /** LayerNorm forward over rows of `cols` contiguous floats. */
  layerNorm(
    x: Float32Array | WasmF32,
    rows: number,
    cols: number,
    weight: Float32Array | null,
    bias: Float32Array | null,
    eps: number,
    out?: WasmF32,
  ): LayerNormFastResult {
    const temps: number[] = [];
    try {
      const len = rows * cols;
      const xp = this.place(x, len, temps);
      const wp = this.fill(cols, weight ?? 1, temps);
      const bp = this.fill(cols, bias ?? 0, temps);
      const sp = this.allocBytes(rows * 16);
      temps.push(sp);
      const yp = this.target(len, out, xp, temps);
      this.ex.layer_norm(xp, yp, rows, cols, wp, bp, eps, sp);
      const st = this.f64(sp, rows * 2);
      const mean = new Float64Array(rows);
      const variance = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        mean[r] = st[2 * r];
        variance[r] = st[2 * r + 1];
      }
      return { output: this.finish(yp, len, out), mean, variance };
    } finally {
      for (const t of temps) this.release(t);
    }
  }

  /** RMSNorm forward over rows of `cols` contiguous floats. */
  rmsNorm(x: Float32Array | WasmF32, rows: number, cols: number, weight: Float32Array | null, eps: number, out?: WasmF32): RmsNormFastResult {
    const temps: number[] = [];
    try {
      const len = rows * cols;
      const xp = this.place(x, len, temps);
      const wp = this.fill(cols, weight ?? 1, temps);
      const sp = this.allocBytes(rows * 8);
      temps.push(sp);
      const yp = this.target(len, out, xp, temps);
      this.ex.rms_norm(xp, yp, rows, cols, wp, eps, sp);
      return { output: this.finish(yp, len, out), meanSquare: this.f64(sp, rows).slice() };
    } finally {
      for (const t of temps) this.release(t);
    }
  }
}
