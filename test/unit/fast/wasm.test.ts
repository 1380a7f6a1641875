import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KERNELS_WASM_BASE64, KERNELS_WASM_BYTES } from '../../../src/core/fast/kernels.wasm';
import { decodeBase64, WasmNormKernels } from '../../../src/core/fast/wasm';
import { layerNormJs } from '../../../src/core/fast/js';

const root = join(__dirname, '..', '..', '..');

describe('WebAssembly kernel module', () => {
  it('the committed bytes are exactly what scripts/build-wasm.mjs assembles from kernels.wat', async () => {
    const script = (await import(join(root, 'scripts', 'build-wasm.mjs'))) as {
      assemble(text?: string): Promise<Uint8Array>;
      moduleSource(bytes: Uint8Array): string;
      modulePath: string;
    };
    const bytes = await script.assemble();
    assert.equal(bytes.length, KERNELS_WASM_BYTES);
    assert.deepEqual(decodeBase64(KERNELS_WASM_BASE64), bytes);
    assert.equal(readFileSync(script.modulePath, 'utf8'), script.moduleSource(bytes));
    // and a changed .wat gives different bytes, so the comparison can fail
    const wat = readFileSync(join(root, 'src/core/fast/kernels.wat'), 'utf8');
    const changed = await script.assemble(wat.replace('(i32.const 1024)', '(i32.const 2048)'));
    assert.notDeepEqual(changed, bytes);
  });

  it('base64 decoding matches Buffer and rejects foreign characters', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 255, 1000]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 151 + 7) & 255);
      assert.deepEqual(decodeBase64(Buffer.from(b).toString('base64')), b);
    }
    assert.throws(() => decodeBase64('AB$D'), /invalid base64 character at 2/);
  });

  it('instantiates synchronously and exports the kernels', () => {
    const k = WasmNormKernels.create();
    assert.ok(k);
    for (const name of ['plane_moments', 'planes_affine', 'layer_norm', 'rms_norm', 'shifted_sums', 'sum_squares']) {
      assert.equal(typeof (k.raw as unknown as Record<string, unknown>)[name], 'function', name);
    }
  });

  it('without WebAssembly, create() answers null instead of throwing', () => {
    const saved = globalThis.WebAssembly;
    try {
      (globalThis as { WebAssembly?: unknown }).WebAssembly = undefined;
      assert.equal(WasmNormKernels.create(), null);
    } finally {
      globalThis.WebAssembly = saved;
    }
  });

  it('building blocks: shifted sums and sums of squares in float64, tails included', () => {
    const k = WasmNormKernels.create()!;
    for (const n of [1, 3, 15, 16, 17, 255, 256, 257, 1000]) {
      const t = k.alloc(n);
      const d = t.data;
      for (let i = 0; i < n; i++) d[i] = 1e6 + ((i * 7) % 13) - 6;
      let s1 = 0;
      let s2 = 0;
      let sq = 0;
      for (let i = 0; i < n; i++) {
        const e = d[i] - Math.fround(1e6);
        s1 += e;
        s2 += e * e;
        sq += d[i] * d[i];
      }
      const [a1, a2] = k.raw.shifted_sums(t.ptr, n, 1e6);
      // small integers: every float32 partial sum is exact
      assert.equal(a1, s1, `n=${n}`);
      assert.equal(a2, s2, `n=${n}`);
      assert.ok(Math.abs(k.raw.sum_squares(t.ptr, n) / sq - 1) < 1e-6, `n=${n}`);
      t.free();
    }
  });
});

describe('wasm-resident tensors', () => {
  it('compute in place, survive memory growth, and free for reuse', () => {
    const k = WasmNormKernels.create()!;
    const rows = 5;
    const cols = 33;
    const x = k.alloc(rows * cols);
    const y = k.alloc(rows * cols);
    x.data.set(Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 3 + 2));
    const before = k.memory.buffer.byteLength;
    const big = k.alloc(4_000_000); // forces growth; old views detach
    assert.ok(k.memory.buffer.byteLength > before);
    const r = k.layerNorm(x, rows, cols, null, null, 1e-5, y);
    assert.equal(r.output.buffer, k.memory.buffer, 'output is the resident tensor');
    const ref = layerNormJs(x.data, rows, cols, null, null, 1e-5);
    for (let i = 0; i < rows * cols; i++) assert.ok(Math.abs(y.data[i] - ref.output[i]) < 2e-6);
    // a plain array gives the same answer through copies
    const copied = k.layerNorm(Float32Array.from(x.data), rows, cols, null, null, 1e-5);
    assert.notEqual(copied.output.buffer, k.memory.buffer);
    assert.deepEqual(copied.output, y.data);
    big.free();
    const size = k.memory.buffer.byteLength;
    const again = k.alloc(4_000_000);
    assert.ok(again.ptr < big.ptr + 4096, 'freed space reused');
    assert.equal(k.memory.buffer.byteLength, size, 'no growth for a block that fits freed space');
    assert.throws(() => k.layerNorm(x, rows, cols, null, null, 1e-5, k.alloc(3)), /output has 3 elements, expected 165/);
  });

  it('reject mismatched sizes with the numbers, and copy views of memory they did not allocate', () => {
    const k = WasmNormKernels.create()!;
    const x = k.alloc(40);
    x.data.set(Float32Array.from({ length: 40 }, (_, i) => (i % 7) - 3));
    assert.throws(() => k.layerNorm(x, 3, 10, null, null, 1e-5), /input has 40 elements, expected 30/);
    assert.throws(() => k.layerNorm(x, 4, 10, new Float32Array(9), null, 1e-5), /parameter has 9 elements, expected 10/);
    assert.throws(() => k.batchNormTrain(x, 2, 2, 10, null, new Float32Array(3), 1e-5), /parameter has 3 elements, expected 2/);
    assert.throws(() => k.alloc(-1), /cannot allocate -1 floats/);
    assert.throws(() => k.alloc(1.5), /cannot allocate 1.5 floats/);
    // a view outside every allocation is foreign memory: the kernel copies it into a block it owns
    const end = k.memory.buffer.byteLength - 160;
    const foreign = new Float32Array(k.memory.buffer, end, 40);
    foreign.set(x.data);
    const r = k.layerNorm(foreign, 4, 10, null, null, 1e-5);
    assert.deepEqual(Array.from(foreign), Array.from(x.data));
    assert.deepEqual(r.output, k.layerNorm(x, 4, 10, null, null, 1e-5).output);
  });

  it('successive large blocks sit in different 4 KiB phases', () => {
    const k = WasmNormKernels.create()!;
    const a = k.alloc(1 << 20);
    const b = k.alloc(1 << 20);
    assert.notEqual(a.ptr % 4096, b.ptr % 4096);
    assert.ok(b.ptr >= a.ptr + (1 << 22), 'no overlap');
  });
});
