/**
 * Commands for the extension's own integration tests, registered only when VS Code runs the
 * extension under test: they reach into a mask editor's webview and report the document's state.
 */
import * as vscode from 'vscode';
import type { AutomationAction } from '../protocol/messages';
import type { MaskEditorProvider } from './maskEditorProvider';

/** Test command ids. */
export const TEST_COMMANDS = {
  automate: 'seggpt.maskEditor.test.automate',
  state: 'seggpt.maskEditor.test.state',
} as const;

/** A document's state as the tests see it. */
export interface TestDocumentState {
  readonly dirty: boolean;
  readonly version: number;
  readonly maskPath: string;
  readonly width: number;
  readonly height: number;
  readonly mask: Uint8Array;
  readonly proposal: string;
  readonly proposalMessage?: string;
  readonly notice?: string;
  readonly lastBackupId?: string;
}

/** Registers the test commands. */
export function registerTestCommands(provider: MaskEditorProvider): vscode.Disposable {
  const panelFor = (uri: vscode.Uri) => {
    const panel = provider.panelFor(uri);
    if (!panel) throw new Error(`no mask editor is open on ${uri.fsPath}`);
    return panel;
  };
  return vscode.Disposable.from(
    vscode.commands.registerCommand(
      TEST_COMMANDS.automate,
      (uri: vscode.Uri, action: AutomationAction) => panelFor(uri).automate(action),
    ),
    vscode.commands.registerCommand(TEST_COMMANDS.state, (uri: vscode.Uri): TestDocumentState => {
      const { document } = panelFor(uri);
      return {
        dirty: document.isDirty,
        version: document.version,
        maskPath: document.maskPath,
        width: document.mask.width,
        height: document.mask.height,
        mask: document.mask.data.slice(),
        proposal: provider.proposalOf(document).status.state,
        proposalMessage: provider.proposalOf(document).status.message,
        notice: document.notice,
        lastBackupId: document.lastBackupId,
      };
    }),
  );
}
