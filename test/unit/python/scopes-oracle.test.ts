/**
 * Scopes and bindings against CPython's symtable (scripts/symtable_oracle.py): for every function
 * and class of real model code (the unpacked torchvision, timm and transformers sources when the
 * corpus is there, and the committed fixture corpus), the names the semantic model treats as
 * local are exactly the names CPython binds locally.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModuleModel } from '../../../src/python/semantic/model';
import { parsePython } from '../../../src/python/semantic/syntax';

const REPO = join(__dirname, '../../..');
const PYTHON = '/usr/bin/python3';

function files(): string[] {
  const out = readdirSync(join(REPO, 'test/fixtures/python'))
    .filter((f) => /^corpus_.*\.py$/.test(f))
    .map((f) => join(REPO, 'test/fixtures/python', f));
  const corpus = join(REPO, '.cache/corpus');
  const pick = (dir: string, n: number) => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir)
      .filter((x) => x.endsWith('.py'))
      .sort()
      .slice(0, n))
      out.push(join(dir, f));
  };
  pick(join(corpus, 'torchvision-0.28.0/torchvision/models'), 40);
  pick(join(corpus, 'timm-1.0.29/timm/layers'), 40);
  pick(join(corpus, 'transformers-5.17.0/transformers/models/llama'), 10);
  pick(join(corpus, 'transformers-5.17.0/transformers/models/t5'), 10);
  return out;
}

describe('semantic model scopes vs CPython symtable', function () {
  this.timeout(120000);
  it("locals of every def and class equal CPython's", function () {
    if (!existsSync(PYTHON)) {
      this.skip(); // CPython is the oracle; Debian's python3 comes with python3-torch (see .ci/run)
      return;
    }
    const paths = files();
    const oracle = JSON.parse(
      execFileSync(PYTHON, [join(REPO, 'scripts/symtable_oracle.py'), ...paths], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }),
    ) as Record<string, { name: string; line: number; kind: string; locals: string[] }[]>;
    let scopes = 0;
    const wrong: string[] = [];
    for (const p of paths) {
      const text = readFileSync(p, 'utf8');
      const m = new ModuleModel(text, parsePython(text));
      const lineOf = (o: number) => text.slice(0, o).split('\n').length;
      const mine = new Map<string, Set<string>>();
      for (const f of m.funcs) if (!f.isLambda) mine.set(`function ${f.name}:${lineOf(f.node.from)}`, f.locals);
      for (const c of m.classes) mine.set(`class ${c.name}:${lineOf(c.node.from)}`, c.locals);
      for (const s of oracle[p]) {
        // a decorated def starts at its decorator for symtable, at `def` for the tree: match by name and nearest line
        const key = [...mine.keys()].find((k) => k.startsWith(`${s.kind} ${s.name}:`) && Math.abs(Number(k.split(':').pop()) - s.line) <= 8);
        scopes++;
        if (!key) {
          wrong.push(`${p}: ${s.kind} ${s.name} at line ${s.line} not found`);
          continue;
        }
        const got = [...mine.get(key)!].sort();
        if (JSON.stringify(got) !== JSON.stringify(s.locals))
          wrong.push(`${p}: ${s.kind} ${s.name}:${s.line} locals ${JSON.stringify(got)} ≠ CPython ${JSON.stringify(s.locals)}`);
        mine.delete(key);
      }
    }
    assert.ok(scopes > 100, `only ${scopes} scopes compared`);
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${scopes} scopes differ`);
  });
});
