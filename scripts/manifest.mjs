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
    cmd('normlens.copyLastResult', 'Copy Last Calculator Result'),
    cmd('normlens.explainRule', 'Explain Diagnostic'),
  ],
  menus: {
    commandPalette: [
      // Opened from a diagnostic's code link, with the rule as argument.
      { command: 'normlens.explainRule', when: 'false' },
    ],
    'editor/context': [
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
      'normlens.hover.enable': {
        type: 'boolean',
        default: true,
        description: 'Explain normalization layers when hovering over them.',
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
