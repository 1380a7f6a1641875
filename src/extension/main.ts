import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('normlens.ping', () => 'pong'));
}

export function deactivate(): void {}
