import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import madge from 'madge';

// The import graph of src/ as madge reads it (type-only imports included), folded to the layers
// of eslint.config.mjs: src/<folder>, and src/protocol.ts on its own.
const root = path.join(__dirname, '..', '..', '..');

interface Layer {
  type: string;
  rank: number;
}

function layerOf(file: string): string {
  if (file === 'protocol.ts') return 'protocol';
  const slash = file.indexOf('/');
  return slash < 0 ? file : file.slice(0, slash);
}

/** A cycle of the directed graph, as a list of nodes (first repeated at the end), or null. */
function findCycle(edges: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of edges.keys()) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return null;
}

describe('layers of src/: the import graph (madge)', function () {
  this.timeout(120000);
  let edges: Map<string, Set<string>>;
  let files: Record<string, string[]>;
  let ranks: Map<string, number>;

  before(async () => {
    const config = (await import(pathToFileURL(path.join(root, 'eslint.config.mjs')).href)) as { LAYERS: Layer[]; PROTOCOL: { rank: number } };
    ranks = new Map(config.LAYERS.map((l) => [l.type, l.rank]));
    ranks.set('protocol', config.PROTOCOL.rank);
    const graph = await madge(path.join(root, 'src'), {
      fileExtensions: ['ts'],
      tsConfig: path.join(root, 'tsconfig.json'),
      detectiveOptions: { ts: { skipTypeImports: false }, es6: { skipTypeImports: false } },
    });
    assert.deepEqual(graph.warnings().skipped, [], 'every import of src/ resolves');
    files = graph.obj();
    edges = new Map();
    for (const [from, deps] of Object.entries(files)) {
      for (const to of deps) {
        if (to.startsWith('..')) continue; // ../package.json (the CLI's version)
        const a = layerOf(from);
        const b = layerOf(to);
        if (a === b) continue;
        if (!edges.has(a)) edges.set(a, new Set());
        edges.get(a)!.add(b);
      }
    }
  });

  it('reads the whole of src/', () => {
    assert.ok(Object.keys(files).length >= 90, `${Object.keys(files).length} files`);
    assert.ok(edges.get('extension')?.has('explain') && edges.get('python')?.has('frameworks'), 'the graph has the known edges');
  });

  it('has no cycle between folders', () => {
    const cycle = findCycle(edges);
    assert.equal(cycle, null, `folders import each other in a circle: ${cycle?.join(' → ')}`);
  });

  it('every folder imports only lower layers (the order of eslint.config.mjs)', () => {
    const wrong: string[] = [];
    for (const [a, bs] of edges) {
      assert.ok(ranks.has(a), `src/${a} is a layer of eslint.config.mjs`);
      for (const b of bs) if (!(ranks.get(b)! < ranks.get(a)!)) wrong.push(`${a} → ${b}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const g = new Map([
      ['calc', new Set(['explain', 'core'])],
      ['explain', new Set(['calc'])],
    ]);
    assert.deepEqual(findCycle(g), ['calc', 'explain', 'calc']);
    assert.equal(
      findCycle(
        new Map([
          ['calc', new Set(['explain'])],
          ['explain', new Set(['core'])],
        ]),
      ),
      null,
    );
  });
});
