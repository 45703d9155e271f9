/** The "SegGPT" output channel: one log for every command and job. */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

/** The shared log channel (created on first use; dispose through `disposeOutputLog`). */
export function outputLog(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('SegGPT', { log: true });
  return channel;
}

/** Disposes the channel (on deactivation). */
export function disposeOutputLog(): vscode.Disposable {
  return {
    dispose: () => {
      channel?.dispose();
      channel = undefined;
    },
  };
}
