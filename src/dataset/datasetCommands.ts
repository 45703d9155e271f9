/** Tree commands: open an image, open it in the mask editor, reveal or delete its mask, refresh. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { targetPaths } from '../commands/commandTargets';
import { openImage } from '../commands/openImage';
import { isImageFile, maskPathFor } from '../engine/maskPaths';
import { MASK_EDITOR_VIEW_TYPE } from '../protocol/ids';
import { disposeAll } from '../util/dispose';
import type { DatasetExplorer } from './datasetExplorer';
import { OPEN_IMAGE_COMMAND } from './imageNode';

/** Command ids. */
export const DATASET_COMMANDS = {
  openImage: OPEN_IMAGE_COMMAND,
  openInMaskEditor: 'seggpt.openInMaskEditor',
  revealMask: 'seggpt.revealMask',
  deleteMask: 'seggpt.deleteMask',
  refresh: 'seggpt.refreshDatasets',
} as const;

/** Registers the commands. */
export function registerDatasetCommands(
  context: vscode.ExtensionContext,
  explorer: DatasetExplorer,
): vscode.Disposable {
  const images = (clicked: unknown, selected: unknown): string[] =>
    targetPaths(clicked, selected).filter(isImageFile);
  const maskOf = (image: string): string => maskPathFor(image, explorer.model.maskTemplate);

  const deleteMasks = async (clicked: unknown, selected: unknown): Promise<number> => {
    const masks = images(clicked, selected)
      .map(maskOf)
      .filter((m) => fs.existsSync(m));
    if (masks.length === 0) {
      void vscode.window.showInformationMessage('SegGPT: no mask to delete.');
      return 0;
    }
    const del = 'Move to Trash';
    const what = masks.length === 1 ? path.basename(masks[0] as string) : `${masks.length} masks`;
    const choice = await vscode.window.showWarningMessage(
      `Delete ${what}?`,
      { modal: true, detail: 'The mask files go to the trash; the images stay.' },
      del,
    );
    if (choice !== del) return 0;
    let deleted = 0;
    for (const mask of masks) {
      try {
        await vscode.workspace.fs.delete(vscode.Uri.file(mask), { useTrash: true });
        deleted++;
      } catch (err) {
        const permanently = 'Delete Permanently';
        const again = await vscode.window.showWarningMessage(
          `SegGPT: could not move ${path.basename(mask)} to the trash (${err instanceof Error ? err.message : String(err)}). Delete it permanently?`,
          { modal: true },
          permanently,
        );
        if (again !== permanently) break;
        await vscode.workspace.fs.delete(vscode.Uri.file(mask), { useTrash: false });
        deleted++;
      }
    }
    return deleted;
  };

  const subs = [
    vscode.commands.registerCommand(DATASET_COMMANDS.openImage, (uri: vscode.Uri) =>
      openImage(
        context,
        uri,
        fs.existsSync(maskOf(uri.fsPath)) ? vscode.Uri.file(maskOf(uri.fsPath)) : undefined,
      ),
    ),
    vscode.commands.registerCommand(
      DATASET_COMMANDS.openInMaskEditor,
      async (c: unknown, s: unknown) => {
        for (const image of images(c, s)) {
          await vscode.commands.executeCommand(
            'vscode.openWith',
            vscode.Uri.file(image),
            MASK_EDITOR_VIEW_TYPE,
          );
        }
      },
    ),
    vscode.commands.registerCommand(DATASET_COMMANDS.revealMask, async (c: unknown, s: unknown) => {
      const image = images(c, s)[0];
      const mask = image ? maskOf(image) : undefined;
      if (!mask || !fs.existsSync(mask)) {
        void vscode.window.showInformationMessage(
          `SegGPT: ${image ? path.basename(image) : 'this image'} has no mask yet.`,
        );
        return;
      }
      await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(mask));
    }),
    vscode.commands.registerCommand(DATASET_COMMANDS.deleteMask, deleteMasks),
    vscode.commands.registerCommand(DATASET_COMMANDS.refresh, () => explorer.refresh()),
  ];
  return { dispose: () => disposeAll(subs) };
}
