/**
 * The recognizer against CPython's own parser: every call of a dotted name (name, exact
 * start/end, positional count, keyword names) and every import in the corpora must equal what
 * `ast` reports (scripts/ast_oracle.py, output committed beside each file).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { scanPython } from '../../../src/python/index';

const DIR = join(__dirname, '../../fixtures/python');
const ORACLE = join(__dirname, '../../../scripts/ast_oracle.py');

interface OracleCall {
  name: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  nargs: number;
  keywords: (string | null)[];
}
interface OracleImport {
  local: string;
  target: string;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export const corpusFiles = readdirSync(DIR)
  .filter((f) => f.endsWith('.py') && existsSync(join(DIR, f.replace(/\.py$/, '.ast.json'))))
  .sort();

export function ours(text: string): { calls: OracleCall[]; imports: OracleImport[] } {
  const r = scanPython(text);
  return {
    calls: r.calls.map((c) => ({
      name: c.callee,
      line: c.range.start.line,
      col: c.range.start.character,
      endLine: c.range.end.line,
      endCol: c.range.end.character,
      nargs: c.args.filter((a) => a.name === undefined && a.star !== '**').length,
      keywords: c.args.filter((a) => a.name !== undefined || a.star === '**').map((a) => a.name ?? null),
    })),
    imports: r.imports.map((i) => ({
      local: i.local,
      target: i.target,
      line: i.range.start.line,
      col: i.range.start.character,
      endLine: i.range.end.line,
      endCol: i.range.end.character,
    })),
  };
}

/** A Python >= 3.12 (the oracle follows PEP 701), or null. */
export function findPython312(): string | null {
  const candidates = [process.env.NORMLENS_PYTHON, 'python3.13', 'python3.12', 'python3'];
  const pyenv = join(process.env.PYENV_ROOT ?? join(homedir(), '.pyenv'), 'versions');
  if (existsSync(pyenv)) {
    for (const v of readdirSync(pyenv).sort().reverse()) if (/^3\.(1[2-9]|[2-9]\d)/.test(v)) candidates.push(join(pyenv, v, 'bin/python3'));
  }
  for (const c of candidates) {
    if (!c) continue;
    try {
      const out = execFileSync(c, ['-c', 'import sys; print(sys.version_info >= (3, 12))'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      if (out.trim() === 'True') return c;
    } catch {
      // not installed
    }
  }
  return null;
}

describe('python recognizer vs CPython ast', () => {
  it('has corpora: generated files and the hand-written tricky cases', () => {
    assert.ok(corpusFiles.includes('tricky.py'));
    assert.ok(corpusFiles.filter((f) => f.startsWith('corpus_')).length >= 10);
    const lines = corpusFiles.reduce((n, f) => n + readFileSync(join(DIR, f), 'utf8').split('\n').length, 0);
    assert.ok(lines > 5000, `only ${lines} lines`);
  });

  for (const file of corpusFiles) {
    it(`${file}: calls and imports equal the oracle's`, () => {
      const text = readFileSync(join(DIR, file), 'utf8');
      const expected = JSON.parse(readFileSync(join(DIR, file.replace(/\.py$/, '.ast.json')), 'utf8'));
      const got = ours(text);
      assert.ok(expected.calls.length > 0);
      assert.deepEqual(got.calls, expected.calls);
      assert.deepEqual(got.imports, expected.imports);
    });
  }

  it('the committed oracle output is what CPython says today', function () {
    const py = findPython312();
    if (!py) {
      this.skip();
      return;
    }
    this.timeout(60000);
    for (const file of corpusFiles) {
      const out: string = execFileSync(py, [ORACLE, join(DIR, file)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
      const committed = readFileSync(join(DIR, file.replace(/\.py$/, '.ast.json')), 'utf8');
      const strip = (j: string) => ({ ...JSON.parse(j), python: undefined });
      assert.deepEqual(strip(out), strip(committed), `${file}: regenerate with scripts/ast_oracle.py --out`);
    }
  });
});
