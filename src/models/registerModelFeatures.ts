/** Wires the model and GPU features: commands, the status bar item, GPU library placement. */
import * as vscode from 'vscode';
import { registerGpuFeatures } from '../gpu/gpuFeature';
import { registerModelCommands } from './modelCommands';
import { ModelManager } from './modelManager';
import { ModelStatusBar } from './modelStatusBar';

/** Registers everything; the returned disposable goes into `context.subscriptions`. */
export function registerModelFeatures(context: vscode.ExtensionContext): vscode.Disposable {
  const manager = new ModelManager(context);
  return vscode.Disposable.from(
    manager,
    registerModelCommands(manager),
    registerGpuFeatures(manager),
    ModelStatusBar.register(manager),
  );
}
