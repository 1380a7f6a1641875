// ESLint (flat config): typescript-eslint's recommended rules, plus the architecture that
// CONTRIBUTING.md's "How the code is laid out" promises, enforced by eslint-plugin-boundaries:
//   - the layers, lowest first; a layer imports only from its own rank or lower ranks, so no two
//     folders can import each other (test/unit/package/layers.test.ts also checks the real import
//     graph for folder cycles with madge);
//   - the pure layers (everything that computes, recognizes or explains, and the panel's webview)
//     import neither `vscode` nor a Node built-in, and use no browser- or Node-only global.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';

/**
 * The layers of src/, lowest first. Each may import from layers of a lower rank and from itself;
 * layers of equal rank may not import each other.
 */
export const LAYERS = [
  { type: 'core', pattern: 'src/core', rank: 0 },
  { type: 'frameworks', pattern: 'src/frameworks', rank: 1 },
  { type: 'python', pattern: 'src/python', rank: 2 },
  { type: 'checks', pattern: 'src/checks', rank: 3 },
  { type: 'explain', pattern: 'src/explain', rank: 4 },
  { type: 'calc', pattern: 'src/calc', rank: 5 },
  { type: 'extension', pattern: 'src/extension', rank: 6 },
  { type: 'webview', pattern: 'src/webview', rank: 6 },
  { type: 'cli', pattern: 'src/cli', rank: 6 },
];

/**
 * src/protocol.ts, the panel's message format, shared by the extension host, the webview and the
 * links that hovers and calculators build: it sits just above `frameworks`.
 */
export const PROTOCOL = { file: 'src/protocol.ts', rank: 1.5 };

/** Layers that run in every host (extension host, webview, CLI, web extension host): no `vscode`, no Node, no DOM. */
export const PURE_LAYERS = ['core', 'frameworks', 'python', 'checks', 'explain', 'calc'];

/** External packages each layer may use (besides the layers below it). */
const EXTERNAL = {
  python: ['@lezer/*', 'diff'],
  extension: ['vscode'],
  webview: ['@vscode-elements/*'],
};

// Globals of only one environment: a pure layer must not touch them (console, timers, URL,
// TextEncoder, WebAssembly ... exist everywhere and stay allowed).
const browserOnly = Object.keys(globals.browser).filter((g) => !(g in globals.node));
const nodeOnly = Object.keys(globals.node).filter((g) => !(g in globals.browser));
const restrictedGlobals = (names, where) =>
  names.map((name) => ({
    name,
    message: `${name} exists only in ${where}; src/core … src/calc run in every host (CONTRIBUTING.md: How the code is laid out).`,
  }));

const below = (rank) => LAYERS.filter((to) => to.rank < rank).map((to) => to.type);
const layerPolicies = [
  ...LAYERS.map((from) => ({
    from: { element: { type: from.type } },
    allow: {
      to: [{ element: { types: { anyOf: [from.type, ...below(from.rank)] } } }, ...(from.rank > PROTOCOL.rank ? [{ file: { categories: 'protocol' } }] : [])],
    },
  })),
  { from: { file: { categories: 'protocol' } }, allow: { to: { element: { types: { anyOf: below(PROTOCOL.rank) } } } } },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      '.tools/**',
      '.cache/**',
      'test-output/**',
      '.scratch/**',
      '.venv-*/**',
      'media/**',
      'src/core/fast/kernels.wasm.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Unused parameters that keep a signature readable (`_doc`) and caught errors are intended.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': LAYERS.map(({ type, pattern }) => ({ type, pattern })),
      'boundaries/files': [{ category: 'protocol', pattern: PROTOCOL.file }],
      'boundaries/include': ['src/**/*.ts'],
      'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          // External packages and Node built-ins too, and local files outside every layer (package.json).
          checkAllOrigins: true,
          checkUnknownLocals: true,
          policies: [
            ...layerPolicies,
            // External packages: a layer uses only those listed for it; Node built-ins only the CLI.
            ...Object.entries(EXTERNAL).map(([type, sources]) => ({
              from: { element: { type } },
              allow: { to: sources.map((source) => ({ module: { origin: 'external', source } })) },
            })),
            { from: { element: { type: 'cli' } }, allow: { to: [{ module: { origin: 'core' } }, { file: { path: 'package.json' } }] } },
          ],
        },
      ],
    },
  },
  {
    files: [...PURE_LAYERS.map((l) => `src/${l}/**/*.ts`), PROTOCOL.file],
    rules: {
      'no-restricted-globals': ['error', ...restrictedGlobals(browserOnly, 'a browser'), ...restrictedGlobals(nodeOnly, 'Node')],
    },
  },
  {
    // Tests feed hostile text (escape sequences, NUL) on purpose.
    files: ['test/**'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['src/webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-globals': ['error', ...restrictedGlobals(nodeOnly, 'Node')] },
  },
);
