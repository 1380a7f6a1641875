/**
 * Every command NormLens contributes, declared once: its id, its title in the command palette and
 * its icon. The extension registers them by these ids, hover and calculator links name them,
 * and package.json's `contributes` is generated from this list (`npm run manifest`,
 * scripts/manifest.ts) and checked against it (test/unit/package/manifest.test.ts).
 */
export const COMMANDS = {
  openPanel: { id: 'normlens.openPanel', title: 'Open Comparison Panel', icon: '$(beaker)' },
  normalize: { id: 'normlens.calc.normalize', title: 'Normalize Values…', icon: '$(symbol-operator)' },
  momentum: { id: 'normlens.calc.momentum', title: 'Convert Momentum Between Frameworks…' },
  count: { id: 'normlens.calc.parameters', title: 'Count Parameters and Memory…' },
  fold: { id: 'normlens.calc.fold', title: 'Fold BatchNorm into the Preceding Conv/Linear…' },
  simulate: { id: 'normlens.calc.simulate', title: 'Simulate Running Statistics…' },
  choose: { id: 'normlens.calc.choose', title: 'Choose a Normalization…' },
  port: { id: 'normlens.calc.port', title: 'Port a Normalization Layer…' },
  explainLayer: { id: 'normlens.explainLayer', title: 'Explain Layer at Cursor', icon: '$(book)' },
  calculators: { id: 'normlens.calculators', title: 'Calculators for Layer at Cursor…' },
  copyLastResult: { id: 'normlens.copyLastResult', title: 'Copy Last Calculator Result' },
  /** Opened from a diagnostic's code link, with the rule as argument; hidden from the palette. */
  explainRule: { id: 'normlens.explainRule', title: 'Explain Diagnostic' },
} as const satisfies Record<string, { id: `normlens.${string}`; title: string; icon?: string }>;

/** The palette category of every command. */
export const COMMAND_CATEGORY = 'NormLens';
