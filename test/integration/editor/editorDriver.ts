/** Helpers for driving mask editors from the extension host: open, wait, read both sides' state. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TEST_COMMANDS, type TestDocumentState } from '../../../src/editor/testCommands';
import type { EditOp } from '../../../src/protocol/editOps';
import { MASK_EDITOR_VIEW_TYPE } from '../../../src/protocol/ids';
import { unpackMask } from '../../../src/protocol/maskCodec';
import type { AutomationResultMessage } from '../../../src/protocol/messages';

/** The workspace folder's path. */
export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the suite runs with its workspace open');
  return folder.uri.fsPath;
}

/** A file of the workspace. */
export function workspaceUri(name: string): vscode.Uri {
  return vscode.Uri.file(path.join(workspaceDir(), name));
}

/** Polls `check` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The host document's state. */
export function hostState(uri: vscode.Uri): Thenable<TestDocumentState> {
  return vscode.commands.executeCommand<TestDocumentState>(TEST_COMMANDS.state, uri);
}

/** The webview's state, after applying `op` through its tool code when given. */
export async function webviewState(
  uri: vscode.Uri,
  op?: EditOp,
): Promise<AutomationResultMessage & { pixels: Uint8Array }> {
  const action = op ? { kind: 'op' as const, op } : { kind: 'snapshot' as const };
  const result = await vscode.commands.executeCommand<AutomationResultMessage>(
    TEST_COMMANDS.automate,
    uri,
    action,
  );
  const host = await hostState(uri);
  // Before its Init message the webview has no mask yet: version -1, nothing packed.
  const pixels =
    result.version < 0 ? new Uint8Array(0) : unpackMask(result.mask, host.width * host.height);
  return { ...result, pixels };
}

// In code-server every webview shares one origin, so each new one waits for its own service
// worker to take over from the last one's; now and then that takes tens of seconds (desktop
// VS Code gives each webview an origin of its own).
const WEBVIEW_START_MS = 90_000;

/** Opens an image in the mask editor and waits until its webview answers. */
export async function openEditor(name: string): Promise<vscode.Uri> {
  const uri = workspaceUri(name);
  const started = Date.now();
  await vscode.commands.executeCommand('vscode.openWith', uri, MASK_EDITOR_VIEW_TYPE);
  await waitFor(
    `the mask editor on ${name}`,
    async () => (await webviewState(uri)).version >= 0 || undefined,
    WEBVIEW_START_MS,
  );
  const ms = Date.now() - started;
  if (ms > 5000)
    console.log(`      (the webview of ${name} took ${(ms / 1000).toFixed(1)} s to start)`);
  return uri;
}

/** Waits until the webview's mask equals the host's (they sync asynchronously). */
export async function waitInSync(uri: vscode.Uri): Promise<TestDocumentState> {
  return waitFor('the webview to match the document', async () => {
    const [host, view] = await Promise.all([hostState(uri), webviewState(uri)]);
    return host.version === view.version && Buffer.compare(host.mask, view.pixels) === 0
      ? host
      : undefined;
  });
}

/** Closes every editor, dropping unsaved changes. */
export async function closeAll(): Promise<void> {
  for (let i = 0; i < 20 && vscode.window.tabGroups.all.some((g) => g.tabs.length > 0); i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
}

/** Number of pixels of `mask` equal to `value`. */
export function count(mask: Uint8Array, value: number): number {
  let n = 0;
  for (const v of mask) if (v === value) n++;
  return n;
}
