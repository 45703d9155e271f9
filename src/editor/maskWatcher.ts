/** Watches one document's mask file and lets the document decide what an event means. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import type { MaskDocument } from './maskDocument';

// File events come in bursts (temp file, rename, our own saves): look once they settle.
const SETTLE_MS = 200;

/** A file watcher on a document's mask file. */
export class MaskWatcher extends Disposable {
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> = Promise.resolve();

  constructor(
    private readonly document: MaskDocument,
    private readonly reload: () => Thenable<unknown>,
  ) {
    super();
    const pattern = new vscode.RelativePattern(
      vscode.Uri.file(path.dirname(document.maskPath)),
      path.basename(document.maskPath),
    );
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(pattern));
    const schedule = () => this.schedule();
    this._register(watcher.onDidChange(schedule));
    this._register(watcher.onDidCreate(schedule));
    this._register(watcher.onDidDelete(schedule));
    this._register({ dispose: () => clearTimeout(this.timer) });
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // One check at a time: a prompt on screen is not asked twice.
      this.checking = this.checking.then(() =>
        this.document.checkDisk(this.reload).catch((err: unknown) => {
          void vscode.window.showErrorMessage(
            `Mask editor: cannot reload "${this.document.maskPath}": ${err instanceof Error ? err.message : String(err)}`,
          );
        }),
      );
    }, SETTLE_MS);
  }
}
