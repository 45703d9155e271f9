/** Feeds file events of the workspace folders into the dataset model. */
import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import type { FileEventKind } from './datasetIndex';
import type { DatasetModel } from './datasetModel';

/** One recursive watcher per workspace folder; the model debounces and applies the events. */
export class DatasetWatcher extends Disposable {
  private watchers: vscode.Disposable[] = [];

  constructor(private readonly model: DatasetModel) {
    super();
    this.watch(model.rootPaths);
    this._register({ dispose: () => this.unwatch() });
  }

  /** Watches a new set of folders. */
  watch(roots: readonly string[]): void {
    this.unwatch();
    for (const root of roots) {
      const w = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(root), '**/*'),
      );
      const on = (kind: FileEventKind) => (uri: vscode.Uri) => this.model.queue(kind, uri.fsPath);
      this.watchers.push(
        w,
        w.onDidCreate(on('created')),
        w.onDidChange(on('changed')),
        w.onDidDelete(on('deleted')),
      );
    }
  }

  private unwatch(): void {
    for (const w of this.watchers.splice(0)) w.dispose();
  }
}
