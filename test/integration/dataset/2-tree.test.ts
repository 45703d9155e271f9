/** The tree over the fixture workspace: folders with counts, images with their mask states. */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { folderRow, rows, waitFor } from './testApi';

describe('dataset tree', () => {
  it('lists the workspace folder, then the folders that hold images, with masked/total', async () => {
    const roots = await rows();
    assert.equal(roots.length, 1);
    const folders = await rows(roots[0]!.node);
    assert.deepEqual(
      folders.map((f) => [f.label, f.description]),
      [
        ['big', '0/60'],
        ['cells', '3/4'],
        ['more', '0/6'],
        ['nested/deep', '0/2'],
      ],
    );
    assert.ok(folders.every((f) => f.contextValue === 'seggpt.folder'));
    assert.equal((await rows())[0]!.description, '4 image folders');
  });

  it('shows each image state; masks are states, not images', async () => {
    const images = await rows((await folderRow('cells')).node);
    assert.deepEqual(
      images.map((i) => [i.label, i.description, i.icon, i.contextValue]),
      [
        ['01.png', 'prompt · edited mask', 'star-full', 'seggpt.image.masked.prompt'],
        ['02.png', 'AI mask', 'sparkle', 'seggpt.image.masked'],
        ['03.png', 'mask', 'file-media', 'seggpt.image.masked'],
        ['04.png', 'no mask', 'circle-large-outline', 'seggpt.image.unmasked'],
      ],
    );
  });

  it('follows seggpt.maskPathTemplate', async () => {
    const config = vscode.workspace.getConfiguration('seggpt');
    await config.update(
      'maskPathTemplate',
      '${dir}/masks/${stem}.png',
      vscode.ConfigurationTarget.Workspace,
    );
    try {
      // With masks in a masks/ folder, the *_mask.png files are pictures again.
      const cells = await waitFor('the tree to use the new template', async () => {
        const r = await folderRow('cells');
        return r.description === '0/7' ? r : undefined;
      });
      const labels = (await rows(cells.node)).map((r) => r.label);
      assert.ok(labels.includes('01_mask.png'));
    } finally {
      await config.update('maskPathTemplate', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('the default template again', async () =>
      (await folderRow('cells')).description === '3/4' ? true : undefined,
    );
  });
});
