/** Tree node for a workspace folder. */
import * as vscode from 'vscode';

/** A workspace folder at the top of the dataset tree. */
export class RootNode {
  readonly kind = 'root';

  constructor(
    readonly root: string,
    readonly name: string,
  ) {}

  /** The folder as a URI (command arguments). */
  get uri(): vscode.Uri {
    return vscode.Uri.file(this.root);
  }

  /** The tree item: expanded, so its image folders show at once. */
  toTreeItem(folderCount: number | undefined): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `root:${this.root}`;
    item.iconPath = new vscode.ThemeIcon('root-folder');
    item.resourceUri = this.uri;
    item.contextValue = 'seggpt.root';
    if (folderCount !== undefined) {
      item.description = `${folderCount} image folder${folderCount === 1 ? '' : 's'}`;
    }
    item.tooltip = this.root;
    return item;
  }
}
