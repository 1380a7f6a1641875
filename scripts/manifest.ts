// The extension manifest's generated parts, derived from the source's declarations: the commands
// (src/explain/commands.ts), the framework ids of the settings (src/frameworks/types.ts) and the
// panel's activation event (src/protocol.ts). `npm run manifest` writes them into package.json
// (through `npm pkg set`, so concurrent edits of other fields are not lost);
// test/unit/package/manifest.test.ts fails when package.json differs from them.
import { execFileSync } from 'node:child_process';
import { COMMAND_CATEGORY, COMMANDS } from '../src/explain/commands';
import { FRAMEWORK_IDS } from '../src/frameworks/types';
import { PANEL_VIEW_TYPE } from '../src/protocol';

export const activationEvents = ['onLanguage:python', 'onNotebook:jupyter-notebook', `onWebviewPanel:${PANEL_VIEW_TYPE}`];

export const contributes = {
  commands: Object.values(COMMANDS).map((c) => ({ command: c.id, title: c.title, category: COMMAND_CATEGORY, ...('icon' in c ? { icon: c.icon } : {}) })),
  menus: {
    commandPalette: [
      // Opened from a diagnostic's code link, with the rule as argument.
      { command: COMMANDS.explainRule.id, when: 'false' },
    ],
    'editor/context': [
      { command: COMMANDS.explainLayer.id, when: 'editorLangId == python', group: 'navigation@89' },
      { command: COMMANDS.openPanel.id, when: 'editorLangId == python', group: 'navigation@90' },
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
        markdownDescription:
          'Turn single checks on or off by rule code, e.g. `{ "groupnorm-divisibility": false }`. A rule\'s code is shown with each problem.',
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
        enum: ['auto', ...FRAMEWORK_IDS],
        default: 'auto',
        markdownDescription:
          "Framework to translate layers into in hovers and calculators (`auto`: PyTorch for other frameworks' layers, Keras for PyTorch's).",
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

if (require.main === module) {
  execFileSync(
    'npm',
    ['pkg', 'set', '--json', `contributes=${JSON.stringify(contributes)}`, `activationEvents=${JSON.stringify(activationEvents)}`, 'icon="media/icon.png"'],
    {
      stdio: 'inherit',
    },
  );
}
