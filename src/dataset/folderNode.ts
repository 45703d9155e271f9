/** Tree node for a folder that holds images. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FolderCounts } from './datasetIndex';
import type { RootNode } from './rootNode';

/** A folder with images, shown by its path relative to the workspace folder. */
export class FolderNode {
  readonly kind = 'folder';

  constructor(
    readonly parent: RootNode,
    readonly dir: string,
  ) {}

  /** The folder as a URI (command arguments). */
  get uri(): vscode.Uri {
    return vscode.Uri.file(this.dir);
  }

  /** The label: the path below the workspace folder, or the folder's own name at the top. */
  get label(): string {
    const rel = path.relative(this.parent.root, this.dir);
    return rel === '' ? path.basename(this.dir) : rel.split(path.sep).join('/');
  }

  /** The tree item: collapsed (children are listed when opened), `masked/total` as description. */
  toTreeItem(counts: FolderCounts): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `folder:${this.dir}`;
    item.iconPath = vscode.ThemeIcon.Folder;
    item.resourceUri = this.uri;
    item.contextValue = 'seggpt.folder';
    item.description = `${counts.masked}/${counts.total}`;
    item.tooltip = `${this.dir}\n${counts.masked} of ${counts.total} images have a mask`;
    return item;
  }
}
