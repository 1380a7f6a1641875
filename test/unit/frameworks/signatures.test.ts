/**
 * The framework table against the real packages: test/fixtures/framework-signatures.json holds
 * `inspect.signature` of every normalization class and function of torch 2.13, Keras 3.15.1, Flax 0.12.8 (linen and
 * nnx) and JAX, written by scripts/gen_framework_signatures.py. Every table entry of those frameworks must match
 * its real signature (names, order, positional or keyword-only, required or default, literal defaults), every real
 * normalization must be in the table or deliberately left out below, and every importable alias the real package
 * has must be known to the table. When .venv-frameworks exists, the fixture is regenerated and compared.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRAMEWORKS, NORM_CLASSES, bindArguments, findByQualifiedName, frameworkInfo } from '../../../src/frameworks/index';
import type { NormClassSpec, PyValue } from '../../../src/frameworks/types';
import { FRAMEWORKS_PYTHON } from '../venv';

interface RealParam {
  name: string;
  kind?: 'var_keyword' | 'var_positional';
  keywordOnly?: boolean;
  positionalOnly?: boolean;
  required?: boolean;
  default?: PyValue;
  repr?: string;
}
interface Fixture {
  versions: Record<string, string>;
  signatures: Record<string, { form: 'module' | 'function'; params: RealParam[]; aliases: string[] }>;
}

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'framework-signatures.json');
const real = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;

/** Real normalizations the table leaves out on purpose, and why. */
const LEFT_OUT: Record<string, string> = {
  'keras.layers.Normalization': 'a preprocessing layer with fixed, adapted mean and variance (feature scaling), not a normalization layer',
  'keras.layers.SpectralNormalization': "a wrapper that reparametrizes another layer's kernel, not an activation normalization",
  'flax.linen.SpectralNorm': "reparametrizes another layer's weights",
  'flax.linen.WeightNorm': "reparametrizes another layer's weights",
  'flax.nnx.SpectralNorm': "reparametrizes another layer's weights",
  'flax.nnx.WeightNorm': "reparametrizes another layer's weights",
};

/** The real signature a table entry is checked against (tf.keras in TF >= 2.16 is Keras 3: the same classes). */
function realKey(s: NormClassSpec): string | undefined {
  // The standalone tf_keras package (Keras 2) is not installable here: documentation-checked only.
  if (s.framework === 'tf_keras')
    return s.id.startsWith('tensorflow.keras.layers.') ? s.id.replace(/^tensorflow\.keras\.layers\./, 'keras.layers.') : undefined;
  // The frameworks the table says are checked against the real package (FrameworkInfo.signaturesFrom).
  if (frameworkInfo(s.framework)?.signaturesFrom) return s.id;
  return undefined;
}

function tableRow(s: NormClassSpec): unknown[] {
  const rows: unknown[] = s.params
    .filter((p) => !p.viaKwargs)
    .map((p) => [p.name, p.keywordOnly ? 'keyword-only' : 'positional', 'default' in p ? 'default' : 'required']);
  if (s.varKeywords) rows.push(['**kwargs']);
  return rows;
}

function realRow(params: RealParam[]): unknown[] {
  return params.map((p) =>
    p.kind === 'var_keyword' ? ['**kwargs'] : [p.name, p.keywordOnly ? 'keyword-only' : 'positional', p.required ? 'required' : 'default'],
  );
}

describe('framework table against the real signatures (torch 2.13, Keras 3.15.1, Flax 0.12.8, JAX 0.10.2)', () => {
  it('the fixture comes from the pinned versions', () => {
    assert.deepEqual([real.versions.torch, real.versions.keras, real.versions.flax, real.versions.jax], ['2.13.0+cpu', '3.15.1', '0.12.8', '0.10.2']);
  });

  const checked = NORM_CLASSES.filter((s) => realKey(s));
  for (const s of checked) {
    it(`${s.id}: names, order, kinds and defaults`, () => {
      const sig = real.signatures[realKey(s)!];
      assert.ok(sig, `${s.id} does not exist in the installed package`);
      assert.equal(s.form, sig.form, `${s.id}: class or function`);
      assert.deepEqual(tableRow(s), realRow(sig.params), s.id);
      for (const p of s.params) {
        const r = sig.params.find((q) => q.name === p.name);
        if (!r || !('default' in r)) continue;
        // Literal defaults must be equal; non-literal ones (initializers, dtypes) are kept as expressions.
        assert.deepEqual(p.default, r.default, `${s.id}.${p.name} default`);
      }
    });
  }

  it('every real normalization class and function is in the table or deliberately left out', () => {
    const known = new Set(checked.map((s) => realKey(s)));
    const missing = Object.keys(real.signatures).filter((k) => !known.has(k) && !(k in LEFT_OUT));
    assert.deepEqual(missing, []);
    for (const k of Object.keys(LEFT_OUT)) assert.ok(real.signatures[k], `${k} is left out but does not exist`);
  });

  it('every path the real packages export a class under is recognized as that class', () => {
    for (const [k, sig] of Object.entries(real.signatures)) {
      if (k in LEFT_OUT) continue;
      const spec = findByQualifiedName(k);
      for (const alias of sig.aliases) assert.equal(findByQualifiedName(alias), spec, `${alias} should be ${k}`);
    }
  });

  it('the frameworks whose signatures the table says are checked are exactly those in the fixture, at its versions', () => {
    // binding-error makes an unknown keyword an error only for these (src/checks/binding-error.ts).
    const inFixture = new Set(
      Object.keys(real.signatures)
        .map((k) => NORM_CLASSES.find((s) => s.id === k)?.framework)
        .filter((f) => f !== undefined),
    );
    assert.deepEqual(
      FRAMEWORKS.filter((f) => f.signaturesFrom)
        .map((f) => f.id)
        .sort(),
      [...inFixture].sort(),
    );
    const version: Record<string, string> = { pytorch: 'torch', keras: 'keras', flax_linen: 'flax', flax_nnx: 'flax', jax: 'jax' };
    for (const f of FRAMEWORKS.filter((x) => x.signaturesFrom)) {
      const v = real.versions[version[f.id]];
      assert.ok(v && v.startsWith(f.signaturesFrom!.split(' ').pop()!), `${f.id}: ${f.signaturesFrom} vs ${v}`);
    }
  });

  it('a real keyword never surfaces as a binding error (every real keyword binds)', () => {
    for (const s of checked) {
      const sig = real.signatures[realKey(s)!];
      for (const r of sig.params) {
        if (r.kind || r.positionalOnly) continue;
        const b = bindArguments(s, [], { [r.name]: { expr: 'value' } });
        assert.ok(!b.errors.some((e) => e.problem === 'unexpected-keyword' && e.param === r.name), `${s.id}(${r.name}=...)`);
      }
    }
  });

  const PY = FRAMEWORKS_PYTHON;
  it('regenerating the fixture with the installed packages reproduces it', function () {
    if (!existsSync(PY)) this.skip(); // npm test creates the venv with scripts/setup-frameworks.sh
    this.timeout(120000);
    const dir = mkdtempSync(join(tmpdir(), 'normlens-sig-'));
    try {
      const out = join(dir, 'sig.json');
      const r = spawnSync(PY, [join(ROOT, 'scripts', 'gen_framework_signatures.py')], {
        env: { ...process.env, NORMLENS_SIGNATURES_OUT: out },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), real);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
