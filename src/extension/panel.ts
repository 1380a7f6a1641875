/**
 * The comparison panel's host side: one WebviewPanel at a time, opened by the
 * `normlens.openPanel` command (from the palette, or from a hover link carrying the layer's
 * framework, kind and arguments), revived after a window reload by a registered serializer.
 * All computing happens in the webview; the host only creates it and relays a few messages.
 */
import * as vscode from 'vscode';
import { linkArgs, OPEN_PANEL_COMMAND } from '../explain/links';
import { notificationText } from '../core/visible';
import { PANEL_VIEW_TYPE, parseOpenRequest, parsePanelState, parseWebviewMessage, type HostToWebview, type OpenRequest } from '../protocol';

function makeNonce(): string {
  // 128 bits from the platform CSPRNG; base64 keeps it within the CSP nonce grammar.
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64');
}

/** The webview options: scripts on, and only our built assets readable. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** The CSP of the panel's page: nothing by default, our script by nonce, our own styles and images. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `img-src ${cspSource}`, `font-src ${cspSource}`].join('; ');
}

export class ComparisonPanel implements vscode.Disposable {
  static current: ComparisonPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private pending: HostToWebview[] = [];

  /** Shows the panel (creating it if needed) and, when given, applies a prefill request. */
  static createOrShow(extensionUri: vscode.Uri, request?: OpenRequest): ComparisonPanel {
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    let panel = ComparisonPanel.current;
    if (panel) {
      panel.panel.reveal(column);
    } else {
      const webviewPanel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'NormLens: Compare Normalizations', column, {
        ...webviewOptions(extensionUri),
        // The view model is cheap to rebuild from the persisted state, so the hidden webview is not kept alive.
        retainContextWhenHidden: false,
      });
      panel = new ComparisonPanel(webviewPanel, extensionUri);
    }
    if (request) panel.post({ type: 'open', request });
    return panel;
  }

  /** Re-attaches to a panel VS Code restored after a reload; the webview restores its own state. */
  static revive(webviewPanel: vscode.WebviewPanel, extensionUri: vscode.Uri): ComparisonPanel {
    ComparisonPanel.current?.dispose();
    return new ComparisonPanel(webviewPanel, extensionUri);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
  ) {
    ComparisonPanel.current = this;
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'panel-icon.svg');
    panel.webview.html = this.html(panel.webview);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      // A hidden panel's webview is discarded (no retained context) and reloads when shown again:
      // hold messages until it reports ready once more.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
    );
  }

  post(message: HostToWebview): void {
    if (!this.ready || !this.panel.visible) {
      this.pending.push(message);
      return;
    }
    void this.panel.webview.postMessage(message).then((delivered) => {
      if (!delivered) this.pending.push(message);
    });
  }

  private receive(raw: unknown): void {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      console.warn(`NormLens panel: ignored a malformed message: ${parsed.reason}`);
      return;
    }
    const msg = parsed.value;
    switch (msg.type) {
      case 'ready': {
        this.ready = true;
        const queued = this.pending;
        this.pending = [];
        for (const m of queued) void this.panel.webview.postMessage(m);
        break;
      }
      case 'copy':
        void vscode.env.clipboard.writeText(msg.text).then(() => vscode.window.setStatusBarMessage('NormLens: copied to the clipboard', 3000));
        break;
      case 'error':
        console.error(`NormLens panel: ${msg.message}`);
        break;
    }
  }

  private html(webview: vscode.Webview): string {
    const nonce = makeNonce();
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css'));
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>NormLens: Compare Normalizations</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Loading the comparison…</p></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    if (ComparisonPanel.current === this) ComparisonPanel.current = undefined;
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}

/**
 * Registers the open command and the serializer. The command takes an optional
 * `{ framework, kind, args }` (what a hover link sends); malformed arguments are reported and
 * the panel opens without a prefill.
 */
export function registerPanel(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(OPEN_PANEL_COMMAND, (arg?: unknown) => {
      const parsed = parseOpenRequest(arg);
      // A link's arguments are only ever values the links' validator accepts (bounded literals).
      if (parsed.ok && parsed.value.args) parsed.value.args = { ...linkArgs(parsed.value.args) };
      if (!parsed.ok) void vscode.window.showWarningMessage(notificationText(`NormLens: ${parsed.reason}; opening the panel with its current settings.`));
      ComparisonPanel.createOrShow(context.extensionUri, parsed.ok && Object.keys(parsed.value).length ? parsed.value : undefined);
    }),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, state: unknown) {
        // The webview reads its own state with getState(); this check only reports a bad one.
        if (state !== undefined && state !== null) {
          const parsed = parsePanelState(state);
          if (!parsed.ok) console.warn(`NormLens panel: restored state dropped: ${parsed.reason}`);
        }
        ComparisonPanel.revive(webviewPanel, context.extensionUri);
      },
    }),
    { dispose: () => ComparisonPanel.current?.dispose() },
  );
}
