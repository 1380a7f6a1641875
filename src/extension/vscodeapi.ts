/**
 * The VS Code API surface NormLens uses, in one place. The rest of src/extension calls these
 * wrappers rather than `vscode.*` directly, so what the extension depends on is easy to see.
 */
import {
  commands,
  Disposable,
  env,
  ExtensionContext,
  languages,
  DocumentSelector,
  HoverProvider,
  CodeActionProvider,
  CodeActionProviderMetadata,
  DiagnosticCollection,
  TextDocumentContentProvider,
  TextDocument,
  TextDocumentChangeEvent,
  NotebookDocument,
  QuickPickItem,
  QuickPickOptions,
  Uri,
  window,
  workspace,
  WorkspaceConfiguration,
  ConfigurationChangeEvent,
  TextEditor,
  ViewColumn,
  InputBox,
  QuickPick,
  QuickInputButtons,
  QuickInputButton,
} from 'vscode';

// Command arguments are untyped JSON from VS Code (each command validates its own), as in vscode.d.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function registerCommand(command: string, callback: (...args: any[]) => unknown, thisArg?: unknown): Disposable {
  return commands.registerCommand(command, callback, thisArg);
}

export function executeCommand<T = unknown>(command: string, ...rest: unknown[]): Thenable<T> {
  return commands.executeCommand<T>(command, ...rest);
}

export function registerHoverProvider(selector: DocumentSelector, provider: HoverProvider): Disposable {
  return languages.registerHoverProvider(selector, provider);
}

export function registerCodeActionsProvider(selector: DocumentSelector, provider: CodeActionProvider, metadata?: CodeActionProviderMetadata): Disposable {
  return languages.registerCodeActionsProvider(selector, provider, metadata);
}

export function createDiagnosticCollection(name: string): DiagnosticCollection {
  return languages.createDiagnosticCollection(name);
}

export function registerTextDocumentContentProvider(scheme: string, provider: TextDocumentContentProvider): Disposable {
  return workspace.registerTextDocumentContentProvider(scheme, provider);
}

export function getConfiguration(section?: string, scope?: Uri | TextDocument): WorkspaceConfiguration {
  return workspace.getConfiguration(section, scope);
}

export function onDidChangeConfiguration(handler: (e: ConfigurationChangeEvent) => unknown): Disposable {
  return workspace.onDidChangeConfiguration(handler);
}

export function onDidOpenTextDocument(handler: (doc: TextDocument) => unknown): Disposable {
  return workspace.onDidOpenTextDocument(handler);
}

export function onDidChangeTextDocument(handler: (e: TextDocumentChangeEvent) => unknown): Disposable {
  return workspace.onDidChangeTextDocument(handler);
}

export function onDidCloseTextDocument(handler: (doc: TextDocument) => unknown): Disposable {
  return workspace.onDidCloseTextDocument(handler);
}

export function onDidOpenNotebookDocument(handler: (nb: NotebookDocument) => unknown): Disposable {
  return workspace.onDidOpenNotebookDocument(handler);
}

export function onDidCloseNotebookDocument(handler: (nb: NotebookDocument) => unknown): Disposable {
  return workspace.onDidCloseNotebookDocument(handler);
}

export function textDocuments(): readonly TextDocument[] {
  return workspace.textDocuments;
}

export function notebookDocuments(): readonly NotebookDocument[] {
  return workspace.notebookDocuments;
}

export function openTextDocument(uri: Uri): Thenable<TextDocument> {
  return workspace.openTextDocument(uri);
}

export function showTextDocument(doc: TextDocument, column?: ViewColumn, preserveFocus?: boolean): Thenable<TextEditor> {
  return window.showTextDocument(doc, { viewColumn: column, preserveFocus, preview: true });
}

export function activeTextEditor(): TextEditor | undefined {
  return window.activeTextEditor;
}

export function showQuickPick<T extends QuickPickItem>(items: readonly T[] | Thenable<readonly T[]>, options?: QuickPickOptions): Thenable<T | undefined> {
  return window.showQuickPick(items, options);
}

export function showInformationMessage<T extends string>(message: string, ...items: T[]): Thenable<T | undefined> {
  return window.showInformationMessage(message, ...items);
}

export function showErrorMessage(message: string): Thenable<string | undefined> {
  return window.showErrorMessage(message);
}

export function writeClipboard(text: string): Thenable<void> {
  return env.clipboard.writeText(text);
}

export function pushAll(context: ExtensionContext, ...disposables: Disposable[]): void {
  context.subscriptions.push(...disposables);
}

export function createInputBox(): InputBox {
  return window.createInputBox();
}

export function createQuickPick<T extends QuickPickItem>(): QuickPick<T> {
  return window.createQuickPick<T>();
}

export const BACK_BUTTON: QuickInputButton = QuickInputButtons.Back;

export function onDidChangeActiveTextEditor(handler: (e: TextEditor | undefined) => unknown): Disposable {
  return window.onDidChangeActiveTextEditor(handler);
}

/** Bytes of a file through the workspace's file system (any scheme, so it works in a web extension host too); undefined when it cannot be read. */
export async function readWorkspaceFile(uri: Uri): Promise<Uint8Array | undefined> {
  try {
    return await workspace.fs.readFile(uri);
  } catch {
    return undefined;
  }
}
