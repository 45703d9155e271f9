/** Opening an image: in the mask editor when this build has one, else in VS Code's image preview. */
import * as vscode from 'vscode';
import { MASK_EDITOR_VIEW_TYPE } from '../protocol/ids';

/** Whether the extension contributes the mask editor (read from its package.json). */
export function maskEditorAvailable(context: vscode.ExtensionContext): boolean {
  const editors = (
    context.extension.packageJSON as { contributes?: { customEditors?: { viewType?: string }[] } }
  ).contributes?.customEditors;
  return editors?.some((e) => e.viewType === MASK_EDITOR_VIEW_TYPE) ?? false;
}

/** Opens an image in the mask editor, or (without one) opens its mask file, or the image. */
export async function openImage(
  context: vscode.ExtensionContext,
  image: vscode.Uri,
  mask?: vscode.Uri,
): Promise<void> {
  if (maskEditorAvailable(context)) {
    await vscode.commands.executeCommand('vscode.openWith', image, MASK_EDITOR_VIEW_TYPE);
  } else {
    await vscode.commands.executeCommand('vscode.open', mask ?? image);
  }
}
