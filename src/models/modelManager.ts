/**
 * The extension's view of its model: where storage is, what is installed, whether an install
 * is running; fires `onDidChange` when any of that (or a model setting) changes.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../util/dispose';
import type { ModelPlan } from './modelPlan';
import { resolveModelPlan } from './resolveModel';

/** Settings whose change changes the model plan. */
const MODEL_SETTINGS = ['seggpt.modelPath', 'seggpt.precision'];

/** Owns the model state shared by the commands and the status bar. */
export class ModelManager extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires when the installed model, a model setting or the busy state changes. */
  readonly onDidChange = this.changed.event;
  private busyText: string | undefined;

  constructor(readonly context: vscode.ExtensionContext) {
    super();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (MODEL_SETTINGS.some((k) => e.affectsConfiguration(k))) this.changed.fire();
      }),
    );
  }

  /** The extension's global storage folder (models, downloads, GPU libraries). */
  get storageDir(): string {
    return this.context.globalStorageUri.fsPath;
  }

  /** The child-process entry that converts and probes (bundled beside the extension). */
  get taskScript(): string {
    return path.join(this.context.extensionPath, 'dist', 'modelTasks.js');
  }

  /** Which model would load now, or undefined when there is none. */
  plan(): ModelPlan | undefined {
    return resolveModelPlan(this.context);
  }

  /** What a running install or setup is doing, for the status bar. */
  get busy(): string | undefined {
    return this.busyText;
  }

  /**
   * Runs `work` as the one model task at a time; returns undefined (after saying why) when
   * another is running. `report` updates the status bar text.
   */
  async exclusive<T>(
    title: string,
    work: (report: (text: string) => void) => Promise<T>,
  ): Promise<T | undefined> {
    if (this.busyText !== undefined) {
      void vscode.window.showInformationMessage(`SegGPT is busy: ${this.busyText}`);
      return undefined;
    }
    this.setBusy(title);
    try {
      return await work((text) => this.setBusy(text));
    } finally {
      this.setBusy(undefined);
    }
  }

  /** Tells listeners that models were installed or removed. */
  notifyChanged(): void {
    this.changed.fire();
  }

  private setBusy(text: string | undefined): void {
    if (text === this.busyText) return;
    this.busyText = text;
    this.changed.fire();
  }
}
