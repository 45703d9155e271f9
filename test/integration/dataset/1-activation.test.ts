/** The extension activates in a real VS Code, with its commands and view. */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, EXTENSION_ID } from './testApi';

describe('activation', () => {
  it('activates and registers every command it contributes', async () => {
    const a = await api();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    assert.equal(
      a.inference.status().state,
      'idle',
      'the model loads on first use, not on activation',
    );
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = (
      vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as {
        contributes: { commands: { command: string }[] };
      }
    ).contributes.commands.map((c) => c.command);
    const mine = contributed.filter((c) => !c.startsWith('seggpt.maskEditor.'));
    assert.ok(mine.length >= 15, `contributes ${mine.length} commands`);
    assert.deepEqual(
      mine.filter((c) => !registered.has(c)),
      [],
    );
  });

  it('shows the SegGPT Datasets view', async () => {
    await vscode.commands.executeCommand('seggpt.datasets.focus');
  });
});
