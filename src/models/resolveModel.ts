/** Which model file the extension uses: the user's setting first, then the installed model. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** File name of the model installed into global storage, per precision. */
export function installedModelName(precision: 'fp32' | 'fp16'): string {
  return `seggpt-vit-large-${precision}.onnx`;
}

/**
 * The model path to load, or undefined when there is none. In an untrusted workspace the
 * workspace's own `seggpt.modelPath` is ignored (only user settings count).
 */
export function resolveModelPath(context: vscode.ExtensionContext): string | undefined {
  const config = vscode.workspace.getConfiguration('seggpt');
  const inspected = config.inspect<string>('modelPath');
  const fromUser = inspected?.globalValue;
  const fromWorkspace = vscode.workspace.isTrusted
    ? (inspected?.workspaceFolderValue ?? inspected?.workspaceValue)
    : undefined;
  const configured = fromWorkspace ?? fromUser;
  if (configured) return path.resolve(configured);
  const precision = config.get<string>('precision') === 'fp16' ? 'fp16' : 'fp32';
  const installed = path.join(context.globalStorageUri.fsPath, 'models', installedModelName(precision));
  return fs.existsSync(installed) ? installed : undefined;
}
