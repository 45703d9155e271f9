/** Tree node for one image, showing its mask state. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ImageState } from './datasetModel';
import type { FolderNode } from './folderNode';

/** How each state looks: icon, its colour and the description text. */
const LOOK: Record<ImageState, { icon: string; colour?: string; text: string }> = {
  none: { icon: 'circle-large-outline', text: 'no mask' },
  model: { icon: 'sparkle', colour: 'charts.blue', text: 'AI mask' },
  human: { icon: 'pencil', colour: 'charts.green', text: 'edited mask' },
  unknown: { icon: 'file-media', colour: 'charts.purple', text: 'mask' },
};

/** The command that opens an image when its row is clicked. */
export const OPEN_IMAGE_COMMAND = 'seggpt.openImage';

/** An image in a folder node. */
export class ImageNode {
  readonly kind = 'image';

  constructor(
    readonly parent: FolderNode,
    readonly image: string,
  ) {}

  /** The image as a URI (command arguments). */
  get uri(): vscode.Uri {
    return vscode.Uri.file(this.image);
  }

  /** The tree item: state icon and text; `contextValue` says whether a mask exists (menus). */
  toTreeItem(state: ImageState, mask: string, isPrompt: boolean): vscode.TreeItem {
    const look = LOOK[state];
    const item = new vscode.TreeItem(
      path.basename(this.image),
      vscode.TreeItemCollapsibleState.None,
    );
    item.id = `image:${this.image}`;
    item.resourceUri = this.uri;
    item.iconPath = isPrompt
      ? new vscode.ThemeIcon('star-full', new vscode.ThemeColor('charts.yellow'))
      : new vscode.ThemeIcon(
          look.icon,
          look.colour ? new vscode.ThemeColor(look.colour) : undefined,
        );
    item.description = isPrompt ? `prompt · ${look.text}` : look.text;
    item.contextValue = `seggpt.image.${state === 'none' ? 'unmasked' : 'masked'}${isPrompt ? '.prompt' : ''}`;
    item.tooltip = new vscode.MarkdownString(
      [
        `**${path.basename(this.image)}** — ${item.description}`,
        '',
        `Image: \`${this.image}\``,
        `Mask: \`${mask}\`${state === 'none' ? ' (not yet)' : ''}`,
      ].join('\n\n'),
    );
    item.command = { command: OPEN_IMAGE_COMMAND, title: 'Open', arguments: [this.uri] };
    return item;
  }
}
