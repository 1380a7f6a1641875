/**
 * `conv-bias-before-bn` and `momentum-convention` on the real transformers 5.17.0 sources, judged by real PyTorch:
 * `normlens inspect --json` runs over the model folders below, and scripts/corpus/verify_findings.py builds the
 * real transformers classes (torch 2.13) and checks every finding: in train mode the BatchNorm the producer's bias
 * reaches gives the same output when that bias changes; PyTorch's BatchNorm weighs the new batch by the momentum the
 * code passes. Controls from the same files (lines whose bias does NOT get cancelled) must come out FALSE, so the
 * oracle can fail.
 *
 * Needs the unpacked corpus (scripts/corpus/unpack.sh) and a Python with torch and transformers 5.17.0
 * (scripts/corpus/setup-venv.sh: .venv-corpus, or .venv-frameworks when it has them); skips with the reason otherwise.
 */
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from '../cli/helpers';
import { FRAMEWORKS_PYTHON } from '../venv';

const REPO = join(__dirname, '..', '..', '..');
const CORPUS = process.env.NORMLENS_CORPUS_DIR ?? join(REPO, '.cache', 'corpus');
const MODELS = join(CORPUS, 'transformers-5.17.0', 'transformers', 'models');
const SCRIPT = join(REPO, 'scripts', 'corpus', 'verify_findings.py');
// The model folders NormLens reports these two checks in (all of transformers/models takes ~1 min to inspect).
const FOLDERS = ['beit', 'clap', 'data2vec', 'glpn', 'groupvit', 'informer', 'superglue', 'swiftformer', 'vitmatte', 'mobilenet_v1', 'mobilenet_v2'];

function corpusPython(): string | undefined {
  const candidates = [process.env.NORMLENS_CORPUS_PYTHON, join(REPO, '.venv-corpus', 'bin', 'python'), FRAMEWORKS_PYTHON];
  return candidates.find(
    (p) =>
      p !== undefined &&
      existsSync(p) &&
      spawnSync(p, ['-c', 'import importlib.metadata as m, torch; assert m.version("transformers") == "5.17.0"'], { encoding: 'utf8' }).status === 0,
  );
}

interface Row {
  where: string;
  code: string;
  verdict: string;
  how: string;
}

function verify(python: string, json: string): { status: number | null; rows: Row[]; stdout: string; stderr: string } {
  const r = spawnSync(python, [SCRIPT], { input: json, encoding: 'utf8', cwd: REPO, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
  const rows = r.stdout
    .split('\n')
    .map((l) => /^(\S+)\s+(conv-bias-before-bn|momentum-convention)\s+(TRUE|FALSE|UNMAPPED)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ where: m[1], code: m[2], verdict: m[3], how: m[4] }));
  return { status: r.status, rows, stdout: r.stdout, stderr: r.stderr };
}

/** 1-based line of the only line of `file` matching `re`. */
function lineOf(file: string, re: RegExp): number {
  const hits = readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l, i) => (re.test(l) ? [i + 1] : []));
  assert.equal(hits.length, 1, `${re} in ${file}: ${hits.length} lines`);
  return hits[0];
}

describe('conv-bias-before-bn and momentum-convention on transformers 5.17.0, judged by PyTorch', () => {
  let python: string | undefined;
  before(function () {
    this.timeout(300_000);
    // Unpack the sources from the wheels on disk when a fresh checkout has none yet (as the corpus test does);
    // status 3: the wheels are not on this machine.
    if (!existsSync(MODELS) && !process.env.NORMLENS_CORPUS_DIR) {
      try {
        execFileSync('bash', [join(REPO, 'scripts', 'corpus', 'unpack.sh')], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], timeout: 280_000 });
      } catch (e) {
        const err = e as { status?: number; stderr?: Buffer };
        if (err.status !== 3) throw new Error(`scripts/corpus/unpack.sh failed: ${String(err.stderr ?? e)}`, { cause: e });
      }
    }
    if (!existsSync(MODELS)) {
      console.log(`      skipped: ${MODELS} is missing (the library wheels are not on this machine; bash scripts/corpus/unpack.sh)`);
      this.skip();
    }
    python = corpusPython();
    if (!python) {
      console.log('      skipped: no Python with torch and transformers 5.17.0 (bash scripts/corpus/setup-venv.sh)');
      this.skip();
    }
  });

  it('every finding in the real models is confirmed by running the real classes', async function () {
    this.timeout(600_000);
    const r = await inspect(['--json', '--jobs', '1', ...FOLDERS.map((f) => join(MODELS, f))]);
    assert.ok(r.code === 0, `inspect exited ${r.code}: ${r.stderr}`);
    const files = (JSON.parse(r.stdout) as { files: { path: string; diagnostics: { code: string; line: number }[] }[] }).files;
    const findings = files.flatMap((f) =>
      f.diagnostics.filter((d) => d.code === 'conv-bias-before-bn' || d.code === 'momentum-convention').map((d) => ({ ...d, path: f.path })),
    );
    assert.ok(
      findings.some((d) => d.code === 'conv-bias-before-bn'),
      'no conv-bias-before-bn finding to check',
    );
    assert.ok(
      findings.some((d) => d.code === 'momentum-convention'),
      'no momentum-convention finding to check',
    );

    const v = verify(python!, r.stdout);
    assert.equal(v.rows.length, findings.length, `${findings.length} findings, ${v.rows.length} rows:\n${v.stdout}${v.stderr}`);
    const wrong = v.rows.filter((row) => row.verdict !== 'TRUE');
    assert.deepEqual(wrong, [], `not confirmed:\n${v.stdout}${v.stderr}`);
    assert.equal(v.status, 0, v.stdout + v.stderr);
    // each bias row names the BatchNorm the bias reaches; each momentum row the measured update weight
    for (const row of v.rows) {
      if (row.code === 'conv-bias-before-bn') assert.match(row.how, / -> \S+.*BN output /, row.how);
      else assert.match(row.how, /running_mean = 0\.99+7 x batch mean/, row.how);
    }
  });

  it('lines whose bias is not cancelled come out FALSE (the oracle can fail)', function () {
    this.timeout(600_000);
    const sf = join(MODELS, 'swiftformer', 'modeling_swiftformer.py');
    const gv = join(MODELS, 'groupvit', 'modeling_groupvit.py');
    const vm = join(MODELS, 'vitmatte', 'modeling_vitmatte.py');
    const bias = (line: number) => ({ line, column: 1, severity: 'info', code: 'conv-bias-before-bn', message: 'control' });
    // point_wise_conv1 -> GELU -> point_wise_conv2 -> residual add -> next block's BatchNorm: not cancelled;
    // the projection's last Linear and the matting head's last Conv2d: no BatchNorm after them at all.
    const controls = {
      files: [
        { path: sf, diagnostics: [bias(lineOf(sf, /^\s+self\.point_wise_conv1 = nn\.Conv2d\(dim, hidden_dim/))] },
        // both projections (visual, text) end in the same call
        {
          path: gv,
          diagnostics: readFileSync(gv, 'utf8')
            .split('\n')
            .flatMap((l, i) => (/nn\.Linear\(self\.projection_intermediate_dim, self\.projection_dim/.test(l) ? [bias(i + 1)] : [])),
        },
        { path: vm, diagnostics: [bias(lineOf(vm, /nn\.Conv2d\(mid_channels, 1, kernel_size=1/))] },
      ],
    };
    const v = verify(python!, JSON.stringify(controls));
    assert.equal(v.rows.length, 4, v.stdout + v.stderr);
    for (const row of v.rows) assert.equal(row.verdict, 'FALSE', row.where + ' ' + row.how);
    assert.match(v.rows[0].how, /via .*act.*BN input .*BN output/);
    assert.match(v.rows[1].how, /no BatchNorm that runs after it sees its bias/);
    assert.equal(v.status, 1);
  });

  it('says what is wrong with input that is not inspect --json output', function () {
    this.timeout(120_000);
    const v = verify(python!, 'not json');
    assert.equal(v.status, 3);
    assert.match(v.stderr, /stdin is not `normlens inspect --json` output/);
  });
});
