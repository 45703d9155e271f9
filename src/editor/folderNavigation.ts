/** Next and previous image of the folder, opened in the same editor group. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listImages } from '../engine/listImages';
import { MASK_EDITOR_VIEW_TYPE } from '../protocol/ids';
import { readSettings } from '../settings/settings';
import type { MaskDocument } from './maskDocument';

/** Opens the image `delta` places from the document's image (wrapping around) in the mask editor. */
export async function navigateFolder(
  document: MaskDocument,
  delta: 1 | -1,
  panel: vscode.WebviewPanel,
): Promise<void> {
  const current = document.uri.fsPath;
  const images = await listImages(path.dirname(current), {
    maskTemplate: readSettings(document.uri).maskPathTemplate,
  });
  const index = images.indexOf(current);
  if (images.length < 2 || index < 0) {
    void vscode.window.showInformationMessage('No other image in this folder.');
    return;
  }
  const next = images[(index + delta + images.length) % images.length];
  await vscode.commands.executeCommand(
    'vscode.openWith',
    vscode.Uri.file(next),
    MASK_EDITOR_VIEW_TYPE,
    {
      viewColumn: panel.viewColumn,
      preview: false,
    },
  );
}
