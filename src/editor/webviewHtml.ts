/** The mask editor webview's HTML: one script with a nonce, a strict content security policy. */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** Folders under the extension the webview loads from. */
export function webviewAssetRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [
    vscode.Uri.joinPath(extensionUri, 'dist'),
    vscode.Uri.joinPath(extensionUri, 'media'),
    vscode.Uri.joinPath(extensionUri, 'node_modules', '@vscode', 'codicons', 'dist'),
  ];
}

/**
 * Builds the page. The image element is in the page from the start, so the browser fetches and
 * decodes the image while the script loads and asks the host for the mask.
 */
export function webviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  title: string,
  imageUri: string,
): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (...parts: string[]) =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} blob: data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  const attr = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const escaped = attr(title);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${asset('node_modules', '@vscode', 'codicons', 'dist', 'codicon.css')}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" nonce="${nonce}" href="${asset('media', 'maskEditor.css')}">
<title>${escaped}</title>
</head>
<body>
<div id="app" data-state="loading"><div class="loading">Loading ${escaped}…</div></div>
<img id="image" class="layer image" alt="" decoding="async" draggable="false" hidden src="${attr(imageUri)}">
<script nonce="${nonce}" src="${asset('dist', 'webview.js')}"></script>
</body>
</html>`;
}
