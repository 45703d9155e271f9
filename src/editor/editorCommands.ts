/** Commands of the mask editor (palette, keybindings, explorer menu), acting on the active editor. */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { maskPathFor } from '../engine/maskPaths';
import { MASK_EDITOR_VIEW_TYPE } from '../protocol/ids';
import type { AcceptMode, WebviewAction } from '../protocol/messages';
import { readSettings } from '../settings/settings';
import type { EditorPanel } from './editorPanel';
import type { MaskEditorProvider } from './maskEditorProvider';
import { registerTestCommands } from './testCommands';

/** Command ids of the mask editor. */
export const EDITOR_COMMANDS = {
  open: 'seggpt.maskEditor.open',
  runModel: 'seggpt.maskEditor.runModel',
  cancelRun: 'seggpt.maskEditor.cancelRun',
  accept: 'seggpt.maskEditor.acceptProposal',
  acceptUnlabeled: 'seggpt.maskEditor.acceptProposalUnlabeled',
  discard: 'seggpt.maskEditor.discardProposal',
  nextImage: 'seggpt.maskEditor.nextImage',
  previousImage: 'seggpt.maskEditor.previousImage',
  usePrompt: 'seggpt.maskEditor.useAsPrompt',
  toggleMask: 'seggpt.maskEditor.toggleMask',
  toggleOutline: 'seggpt.maskEditor.toggleOutline',
  zoomFit: 'seggpt.maskEditor.zoomToFit',
} as const;

function requirePanel(provider: MaskEditorProvider): EditorPanel {
  const panel = provider.activePanel;
  if (!panel) throw new Error('Open an image in the SegGPT Mask Editor first.');
  return panel;
}

/** Registers the commands; returns one disposable for all. */
export function registerEditorCommands(
  provider: MaskEditorProvider,
  context: vscode.ExtensionContext,
): vscode.Disposable {
  const withPanel = (work: (panel: EditorPanel) => unknown) => () => work(requirePanel(provider));
  const accept = (mode: AcceptMode) =>
    withPanel((p) => provider.proposalOf(p.document).accept(mode));
  const trigger = (action: WebviewAction) => withPanel((p) => p.trigger(action));
  const activeImage = (): vscode.Uri | undefined => {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input as
      { uri?: vscode.Uri } | undefined;
    return tab?.uri;
  };
  const disposables = [
    vscode.commands.registerCommand(EDITOR_COMMANDS.open, (uri?: vscode.Uri) => {
      const target = uri ?? activeImage();
      if (!target) throw new Error('Select an image to open in the SegGPT Mask Editor.');
      return vscode.commands.executeCommand('vscode.openWith', target, MASK_EDITOR_VIEW_TYPE);
    }),
    vscode.commands.registerCommand(
      EDITOR_COMMANDS.runModel,
      withPanel((p) => provider.proposalOf(p.document).run(() => provider.prompts.spec())),
    ),
    vscode.commands.registerCommand(
      EDITOR_COMMANDS.cancelRun,
      withPanel((p) => provider.proposalOf(p.document).cancel()),
    ),
    vscode.commands.registerCommand(EDITOR_COMMANDS.accept, accept('replace')),
    vscode.commands.registerCommand(EDITOR_COMMANDS.acceptUnlabeled, accept('fillUnlabeled')),
    vscode.commands.registerCommand(
      EDITOR_COMMANDS.discard,
      withPanel((p) => provider.proposalOf(p.document).discard()),
    ),
    vscode.commands.registerCommand(
      EDITOR_COMMANDS.nextImage,
      withPanel((p) => p.navigate(1)),
    ),
    vscode.commands.registerCommand(
      EDITOR_COMMANDS.previousImage,
      withPanel((p) => p.navigate(-1)),
    ),
    vscode.commands.registerCommand(
      EDITOR_COMMANDS.usePrompt,
      (uri?: vscode.Uri, all?: vscode.Uri[]) => {
        const images = all?.length ? all : uri ? [uri] : [];
        if (!images.length) throw new Error('Select prompt images in the explorer.');
        const pairs = images.map((image) => ({
          image: image.fsPath,
          mask: maskPathFor(image.fsPath, readSettings(image).maskPathTemplate),
        }));
        const missing = pairs.filter((p) => !fs.existsSync(p.mask));
        if (missing.length) {
          const names = missing.map((p) => vscode.workspace.asRelativePath(p.image)).join(', ');
          void vscode.window.showWarningMessage(
            `No mask yet for ${names}: not added to the prompt.`,
          );
        }
        return provider.prompts.add(pairs.filter((p) => !missing.includes(p)));
      },
    ),
    vscode.commands.registerCommand(EDITOR_COMMANDS.toggleMask, trigger('toggleMask')),
    vscode.commands.registerCommand(EDITOR_COMMANDS.toggleOutline, trigger('toggleOutline')),
    vscode.commands.registerCommand(EDITOR_COMMANDS.zoomFit, trigger('zoomFit')),
  ];
  if (context.extensionMode === vscode.ExtensionMode.Test) {
    disposables.push(registerTestCommands(provider));
  }
  return vscode.Disposable.from(...disposables);
}
