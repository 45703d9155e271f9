/** Asking which image folders to work on, when a command runs from the palette. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DatasetModel } from '../dataset/datasetModel';
import type { FolderTarget } from './commandTargets';

/** A multi-select quick pick of the workspace's image folders with their counts. */
export async function pickFolders(model: DatasetModel): Promise<FolderTarget[] | undefined> {
  if (model.rootPaths.length === 0) {
    void vscode.window.showErrorMessage('SegGPT: open a folder of images first.');
    return undefined;
  }
  type Item = vscode.QuickPickItem & { dir: string };
  const items: Item[] = [];
  for (const root of model.rootPaths) {
    const index = await model.index(root);
    for (const dir of index.folders()) {
      const c = index.folderCounts(dir);
      const rel = path.relative(root, dir) || path.basename(dir);
      items.push({
        label: rel.split(path.sep).join('/'),
        description: `${c.masked}/${c.total} masked`,
        detail: model.rootPaths.length > 1 ? root : undefined,
        dir,
      });
    }
  }
  if (items.length === 0) {
    void vscode.window.showErrorMessage('SegGPT: no folder in this workspace holds images.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Apply Prompt to Folder',
    placeHolder: 'Folders to segment (Space to select, Enter to start)',
    canPickMany: true,
    matchOnDescription: true,
  });
  return picked?.map((p) => ({ path: p.dir, recursive: false }));
}
