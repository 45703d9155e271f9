/** Which model file the extension uses: the user's setting first, then the installed model. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PRECISIONS } from '../engine/onnx/graphBuilder';
import { installedModelName, installedModels } from './modelFiles';
import { planModel, type ModelPlan, type PrecisionSetting } from './modelPlan';

/** Re-exported from modelFiles, where the installer names its files. */
export { installedModelName };

/**
 * The `seggpt.modelPath` setting as an absolute path, or undefined. In an untrusted workspace
 * the workspace's own value is ignored (only user settings count).
 */
export function configuredModelPath(): string | undefined {
  const inspected = vscode.workspace.getConfiguration('seggpt').inspect<string>('modelPath');
  const fromUser = inspected?.globalValue;
  const fromWorkspace = vscode.workspace.isTrusted
    ? (inspected?.workspaceFolderValue ?? inspected?.workspaceValue)
    : undefined;
  const configured = fromWorkspace ?? fromUser;
  return configured ? path.resolve(configured) : undefined;
}

/** The `seggpt.precision` setting (`auto` when unset or unknown). */
export function precisionSetting(): PrecisionSetting {
  const v = vscode.workspace.getConfiguration('seggpt').get<string>('precision');
  return PRECISIONS.find((p) => p === v) ?? 'auto';
}

/**
 * Model files and providers to try, in order (float16 on GPUs, then float32 on the CPU), or
 * undefined when there is no model.
 */
export function resolveModelPlan(context: vscode.ExtensionContext): ModelPlan | undefined {
  return planModel({
    configuredPath: configuredModelPath(),
    precision: precisionSetting(),
    installed: installedModels(context.globalStorageUri.fsPath),
  });
}

/** The model path to load first, or undefined when there is none. */
export function resolveModelPath(context: vscode.ExtensionContext): string | undefined {
  return resolveModelPlan(context)?.steps[0]?.modelPath;
}
