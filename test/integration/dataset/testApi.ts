/** Helpers for this suite's tests: the extension's API, tree walking, waiting for the watcher. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SegGptApi } from '../../../src/extension';
import type { DatasetNode } from '../../../src/dataset/datasetTreeProvider';

/** The extension's id (publisher.name). */
export const EXTENSION_ID = 'seggpt-curator.seggpt-curator';

/** Activates the extension and returns its API. */
export async function api(): Promise<SegGptApi> {
  const ext = vscode.extensions.getExtension<SegGptApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

/** The workspace folder of the suite. */
export function workspaceDir(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('the suite runs with a workspace folder open');
  return f.uri.fsPath;
}

/** A path inside the workspace. */
export function ws(...parts: string[]): string {
  return path.join(workspaceDir(), ...parts);
}

/** A row of the tree as the user sees it. */
export interface Row {
  readonly label: string;
  readonly description: string;
  readonly contextValue: string;
  readonly icon: string;
  readonly node: DatasetNode;
}

/** The rows under `node` (the roots when undefined). */
export async function rows(node?: DatasetNode): Promise<Row[]> {
  const { datasets } = await api();
  const children = await datasets.getChildren(node);
  return Promise.all(
    children.map(async (child) => {
      const item = await datasets.getTreeItem(child);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      return {
        label,
        description: String(item.description ?? ''),
        contextValue: item.contextValue ?? '',
        icon: item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : '',
        node: child,
      };
    }),
  );
}

/** The row with this label under `node`; fails the test when missing. */
export async function row(label: string, node?: DatasetNode): Promise<Row> {
  const all = await rows(node);
  const found = all.find((r) => r.label === label);
  if (!found) throw new Error(`no row "${label}" among ${all.map((r) => r.label).join(', ')}`);
  return found;
}

/** The folder row `folder` of the first workspace folder. */
export async function folderRow(folder: string): Promise<Row> {
  const [root] = await rows();
  if (!root) throw new Error('no workspace folder row');
  return row(folder, root.node);
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      throw new Error(
        `timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
