// Writes the extension manifest's `contributes` section into package.json (through `npm pkg set`,
// so concurrent edits of other fields are not lost). Run after changing commands or settings.
import { execFileSync } from 'node:child_process';

const frameworks = ['auto', 'pytorch', 'keras', 'tf_keras', 'flax_linen', 'flax_nnx', 'haiku', 'mlx', 'paddle', 'jax'];
const cmd = (command, title, extra = {}) => ({ command, title, category: 'NormLens', ...extra });

export const contributes = {
  commands: [
    cmd('normlens.openPanel', 'Open Comparison Panel', { icon: '$(beaker)' }),
    cmd('normlens.calc.normalize', 'Normalize Values…', { icon: '$(symbol-operator)' }),
    cmd('normlens.calc.momentum', 'Convert Momentum Between Frameworks…'),
    cmd('normlens.calc.parameters', 'Count Parameters and Memory…'),
    cmd('normlens.calc.fold', 'Fold BatchNorm into the Preceding Conv/Linear…'),
    cmd('normlens.calc.simulate', 'Simulate Running Statistics…'),
    cmd('normlens.calc.choose', 'Choose a Normalization…'),
    cmd('normlens.calc.port', 'Port a Normalization Layer…'),
    cmd('normlens.explainLayer', 'Explain Layer at Cursor', { icon: '$(book)' }),
    cmd('normlens.calculators', 'Calculators for Layer at Cursor…'),
    cmd('normlens.copyLastResult', 'Copy Last Calculator Result'),
    cmd('normlens.explainRule', 'Explain Diagnostic'),
  ],
  menus: {
    commandPalette: [
      // Opened from a diagnostic's code link, with the rule as argument.
      { command: 'normlens.explainRule', when: 'false' },
    ],
    'editor/context': [
      { command: 'normlens.explainLayer', when: 'editorLangId == python', group: 'navigation@89' },
      { command: 'normlens.openPanel', when: 'editorLangId == python', group: 'navigation@90' },
    ],
  },
  configuration: {
    title: 'NormLens',
    properties: {
      'normlens.diagnostics.enable': {
        type: 'boolean',
        default: true,
        description: 'Check normalization layers in Python files and notebooks and show problems as you type.',
      },
      'normlens.rules': {
        type: 'object',
        default: {},
        additionalProperties: { type: 'boolean' },
        markdownDescription: 'Turn single checks on or off by rule code, e.g. `{ "groupnorm-divisibility": false }`. A rule\'s code is shown with each problem.',
      },
      'normlens.hover.mode': {
        type: 'string',
        enum: ['compact', 'full', 'off'],
        enumDescriptions: [
          'A short hover that fits without scrolling: what the line builds, what it normalizes over, the arguments that matter, the checks that hold here, one line of numbers, and links.',
          'The whole explanation in the hover (formula, modes, every argument, other frameworks, advice, worked example).',
          'No NormLens hover (the full explanation stays available with "NormLens: Explain Layer at Cursor").',
        ],
        default: 'compact',
        description: 'What NormLens shows when hovering over a normalization layer.',
      },
      'normlens.hover.enable': {
        type: 'boolean',
        default: true,
        description: 'Explain normalization layers when hovering over them.',
        markdownDeprecationMessage: 'Use `#normlens.hover.mode#` instead; `false` here still turns hovers off while the mode is `compact`.',
      },
      'normlens.preferredFramework': {
        type: 'string',
        enum: frameworks,
        default: 'auto',
        markdownDescription: 'Framework to translate layers into in hovers and calculators (`auto`: PyTorch for other frameworks\' layers, Keras for PyTorch\'s).',
      },
      'normlens.decimals': {
        type: 'integer',
        default: 4,
        minimum: 0,
        maximum: 10,
        description: 'Decimals shown for computed numbers in hovers and calculator results.',
      },
      'normlens.sampleSeed': {
        type: 'integer',
        default: 0,
        minimum: 0,
        description: 'Seed of the sample tensor used for worked examples in hovers and calculators.',
      },
    },
  },
};

if (process.argv[1] && process.argv[1].endsWith('manifest.mjs')) {
  execFileSync('npm', ['pkg', 'set', '--json', `contributes=${JSON.stringify(contributes)}`, 'icon="media/icon.png"'], { stdio: 'inherit' });
}
