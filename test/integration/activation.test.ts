import * as assert from 'assert';
import * as vscode from 'vscode';

describe('activation', () => {
  it('activates in VS Code', async () => {
    const ext = vscode.extensions.getExtension('normlens.normlens');
    assert.ok(ext, 'extension normlens.normlens is loaded');
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
    assert.match(vscode.version, /^1\.\d+/);
  });
});
