import * as assert from 'assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './helpers';
import { COMMANDS } from '../../src/explain/commands';

describe('activation and manifest', () => {
  it('activates in VS Code', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, 'extension normlens.normlens is loaded');
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
    assert.match(vscode.version, /^1\.\d+/);
  });

  it('activates only for Python files, notebooks and its own commands and panel; runs untrusted and virtual', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    for (const e of pkg.activationEvents as string[]) {
      assert.ok(/^(onLanguage:python|onNotebook:jupyter-notebook|onWebviewPanel:normlens\.|onCommand:normlens\.)/.test(e), `activation event ${e}`);
    }
    assert.deepStrictEqual(pkg.capabilities.untrustedWorkspaces, { supported: true });
    assert.strictEqual(pkg.capabilities.virtualWorkspaces, true);
    const settings = Object.keys(pkg.contributes.configuration.properties);
    for (const s of ['normlens.diagnostics.enable', 'normlens.rules', 'normlens.preferredFramework', 'normlens.decimals', 'normlens.sampleSeed']) {
      assert.ok(settings.includes(s), `setting ${s}`);
    }
  });

  it('opens the comparison panel from its command, prefilled from a layer', async () => {
    await vscode.commands.executeCommand(COMMANDS.openPanel.id, { framework: 'pytorch', kind: 'batch_norm', args: { num_features: 64 } });
    const tab = await waitFor('the panel tab', () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('normlens.comparisonPanel')),
    );
    assert.match(tab.label, /NormLens/);
    await vscode.window.tabGroups.close(tab);
  });
});
