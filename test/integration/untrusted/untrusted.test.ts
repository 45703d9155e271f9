/** Restricted Mode: images are listed, but no model runs and the workspace's model path is ignored. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SegGptApi } from '../../../src/extension';

const ws = (...p: string[]): string =>
  path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', ...p);

async function api(): Promise<SegGptApi> {
  const ext = vscode.extensions.getExtension<SegGptApi>('seggpt-curator.seggpt-curator');
  assert.ok(ext, 'extension loaded');
  return ext.activate();
}

describe('untrusted workspace', () => {
  it('opens untrusted, and the extension still activates', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    await api();
  });

  it('ignores seggpt.modelPath from the workspace settings', () => {
    const onDisk = JSON.parse(fs.readFileSync(ws('.vscode', 'settings.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.ok(onDisk['seggpt.modelPath'], 'the workspace settings do name a model');
    // Declared in restrictedConfigurations: VS Code withholds the workspace's value.
    assert.equal(vscode.workspace.getConfiguration('seggpt').get('modelPath'), '');
  });

  it('refuses to load a model, saying why', async () => {
    const { inference } = await api();
    await assert.rejects(inference.load(), /Restricted Mode/);
    assert.equal(inference.status().state, 'idle');
  });

  it('segments nothing and writes no mask', async () => {
    const image = vscode.Uri.file(ws('pics', '02.png'));
    assert.equal(await vscode.commands.executeCommand('seggpt.segmentImage', image), undefined);
    const folder = vscode.Uri.file(ws('pics'));
    assert.equal(
      await vscode.commands.executeCommand('seggpt.applyPromptToFolder', folder, [folder]),
      undefined,
    );
    assert.deepEqual(
      fs.readdirSync(ws('pics')).filter((f) => f.endsWith('_mask.png')),
      ['01_mask.png'],
    );
  });

  it('still lists the images with their states', async () => {
    const { datasets } = await api();
    const [root] = await datasets.getChildren();
    const [folder] = await datasets.getChildren(root);
    assert.ok(folder);
    const item = await datasets.getTreeItem(folder);
    assert.equal(item.description, '1/3');
  });
});
