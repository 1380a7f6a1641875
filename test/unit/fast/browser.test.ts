import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { layerNormJs } from '../../../src/core/fast/js';

const CHROMIUM = '/usr/bin/chromium';
const root = join(__dirname, '..', '..', '..');

/** The page's script: the fast LayerNorm on a fixed input, result left on window. */
const ENTRY = `
import { fastBackend, fastLayerNorm } from './src/core/fast';
const x = new Float32Array(4 * 40).map((_, i) => Math.sin(i) * 3 + 1e4);
const r = fastLayerNorm(x, 4, 40, null, null, 1e-5);
window.result = { backend: fastBackend(), output: r ? Array.from(r.output) : null };
`;

(existsSync(CHROMIUM) ? describe : describe.skip)('fast kernels in a browser (Chromium)', function () {
  this.timeout(120_000);

  it('load synchronously without Node APIs; under a CSP without wasm-unsafe-eval fall back to JavaScript', async () => {
    const { chromium } = await import('playwright-core');
    const bundle = await esbuild.build({
      stdin: { contents: ENTRY, resolveDir: root, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
    });
    const js = bundle.outputFiles[0].text;
    const x = new Float32Array(4 * 40).map((_, i) => Math.sin(i) * 3 + 1e4);
    const expected = layerNormJs(x, 4, 40, null, null, 1e-5).output;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      for (const [csp, backend] of [
        [null, 'wasm-simd'],
        ["script-src 'unsafe-inline'", 'js'],
        ["script-src 'unsafe-inline' 'wasm-unsafe-eval'", 'wasm-simd'],
      ] as const) {
        const page = await browser.newPage();
        const meta = csp ? `<meta http-equiv="Content-Security-Policy" content="${csp}">` : '';
        await page.setContent(`<html><head>${meta}</head><body><script>${js}</script></body></html>`);
        const r = (await page.evaluate('window.result')) as { backend: string; output: number[] | null };
        await page.close();
        assert.equal(r.backend, backend, `CSP ${csp}`);
        assert.ok(r.output);
        r.output.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 4e-6, `CSP ${csp}: output[${i}] ${v} vs ${expected[i]}`));
      }
    } finally {
      await browser.close();
    }
  });
});
