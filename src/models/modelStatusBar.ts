/** Status bar item: says when there is no model (and offers the download) or an install runs. */
import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import { DOWNLOAD_MODEL_COMMAND } from './modelCommandIds';
import type { ModelManager } from './modelManager';

/** Shown while no model is configured or installed, or while a model task runs. */
export class ModelStatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;

  private constructor(private readonly manager: ModelManager) {
    super();
    this.item = this._register(
      vscode.window.createStatusBarItem('seggpt.model', vscode.StatusBarAlignment.Left, 49),
    );
    this.item.name = 'SegGPT Model';
    this._register(manager.onDidChange(() => this.render()));
    this.render();
  }

  /** Creates the item. */
  static register(manager: ModelManager): ModelStatusBar {
    return new ModelStatusBar(manager);
  }

  /** The text shown now, or undefined when hidden (for tests). */
  get text(): string | undefined {
    return this.visible ? this.item.text : undefined;
  }

  private visible = false;

  private render(): void {
    const busy = this.manager.busy;
    if (busy) {
      this.item.text = `$(sync~spin) SegGPT: ${busy}`;
      this.item.tooltip = busy;
      this.item.command = undefined;
      this.item.backgroundColor = undefined;
      return this.show(true);
    }
    if (this.manager.plan()) return this.show(false);
    this.item.text = '$(cloud-download) SegGPT: no model';
    this.item.tooltip = new vscode.MarkdownString(
      'No SegGPT model is installed. **Click to download** BAAI/seggpt-vit-large (1.5 GB, converted once), ' +
        'or run *SegGPT: Import Model from File…* on a machine without internet.',
    );
    this.item.command = DOWNLOAD_MODEL_COMMAND;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    this.show(true);
  }

  private show(visible: boolean): void {
    this.visible = visible;
    if (visible) this.item.show();
    else this.item.hide();
  }
}
