/** The "SegGPT Datasets" view: model, watcher, tree provider and view, wired to settings. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DATASETS_VIEW_ID } from '../protocol/ids';
import { readSettings, onSettingsChanged } from '../settings/settings';
import { SETTING } from '../settings/settingKeys';
import { Disposable } from '../util/dispose';
import { DatasetModel } from './datasetModel';
import { DatasetTreeProvider, type DatasetNode, type PromptMarks } from './datasetTreeProvider';
import { DatasetWatcher } from './datasetWatcher';

function workspaceRoots(): string[] {
  return (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === 'file')
    .map((f) => f.uri.fsPath);
}

function rootName(root: string): string {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(root));
  return folder?.name ?? path.basename(root);
}

/** Owns the dataset model and its view; commands reach the model and the tree through it. */
export class DatasetExplorer extends Disposable {
  /** The model (shared with commands). */
  readonly model: DatasetModel;
  /** The tree provider (finding nodes to reveal). */
  readonly provider: DatasetTreeProvider;
  /** The view. */
  readonly view: vscode.TreeView<DatasetNode>;

  private constructor(prompts: PromptMarks) {
    super();
    this.model = new DatasetModel(workspaceRoots(), readSettings().maskPathTemplate);
    this._register({ dispose: () => this.model.dispose() });
    const watcher = this._register(new DatasetWatcher(this.model));
    this.provider = this._register(new DatasetTreeProvider(this.model, prompts, rootName));
    this.view = this._register(
      vscode.window.createTreeView(DATASETS_VIEW_ID, {
        treeDataProvider: this.provider,
        canSelectMany: true,
        showCollapseAll: true,
      }),
    );
    const reset = (): void => {
      this.model.reset(workspaceRoots(), readSettings().maskPathTemplate);
      watcher.watch(this.model.rootPaths);
    };
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(reset));
    this._register(onSettingsChanged([SETTING.maskPathTemplate], reset));
  }

  /** Creates the explorer; dispose it to remove the view's provider and watchers. */
  static register(prompts: PromptMarks): DatasetExplorer {
    return new DatasetExplorer(prompts);
  }

  /** Rescans every folder. */
  refresh(): void {
    this.model.reset(workspaceRoots(), readSettings().maskPathTemplate);
  }

  /** Shows an image's row in the view, if it is listed. */
  async reveal(image: string): Promise<void> {
    const node = await this.provider.findImage(image);
    if (node) await this.view.reveal(node, { select: true, focus: false });
  }
}
