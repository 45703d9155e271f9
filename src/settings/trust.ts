/** Workspace trust: SegGPT lists images in any workspace, but runs a model only in a trusted one. */
import * as vscode from 'vscode';

/** The sentence shown when the workspace is not trusted. */
export const RESTRICTED_MESSAGE =
  'SegGPT does not run a model in Restricted Mode. Trust this workspace to segment images.';

/**
 * False when the workspace is untrusted, after saying why with a button to manage trust (the
 * message does not hold up the caller).
 */
export function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window.showWarningMessage(`SegGPT: ${RESTRICTED_MESSAGE}`, manage).then((choice) => {
    if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
