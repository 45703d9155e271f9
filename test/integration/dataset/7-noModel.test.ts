/** Without a usable model every command says so plainly and writes nothing. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { api, ws } from './testApi';

describe('missing or broken model', () => {
  const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('seggpt');
  let original: string | undefined;
  before(() => {
    original = config().inspect<string>('modelPath')?.workspaceValue;
  });
  after(async () => {
    await config().update('modelPath', original, vscode.ConfigurationTarget.Workspace);
  });

  it('names a missing model file and writes no mask', async () => {
    await config().update(
      'modelPath',
      ws('no-such-model.onnx'),
      vscode.ConfigurationTarget.Workspace,
    );
    const { inference } = await api();
    await assert.rejects(inference.load(), /no-such-model\.onnx: model file not found/);
    assert.equal(inference.status().state, 'error');
    const result = (await vscode.commands.executeCommand(
      'seggpt.segmentImage',
      vscode.Uri.file(ws('nested', 'deep', '02.png')),
    )) as { written: string[] };
    assert.deepEqual(result.written, []);
    assert.equal(fs.existsSync(ws('nested', 'deep', '02_mask.png')), false);
  });

  it('loads again once the setting is fixed', async () => {
    await config().update('modelPath', original, vscode.ConfigurationTarget.Workspace);
    const status = await (await api()).inference.load();
    assert.equal(status.state, 'ready');
  });
});
