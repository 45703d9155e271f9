/** File changes on disk reach the tree through the watcher, debounced and targeted. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { encodeMaskPng } from '../../../src/engine/maskFile';
import { humanProvenance } from '../../../src/engine/provenance';
import { api, folderRow, rows, waitFor, ws } from './testApi';

async function writeMask(file: string): Promise<void> {
  const ids = new Uint8Array(160 * 120).fill(1, 0, 4000);
  fs.writeFileSync(file, await encodeMaskPng(ids, 160, 120, undefined, humanProvenance()));
}

describe('watcher refresh', () => {
  it('updates a folder count and the image state when a mask appears or goes', async () => {
    const { datasets } = await api();
    const fired: unknown[] = [];
    const sub = datasets.onDidChangeTreeData((e) => fired.push(e));
    try {
      await rows((await folderRow('nested/deep')).node); // expanded, as a user would have it
      await writeMask(ws('nested', 'deep', '01_mask.png'));
      await waitFor('the count to include the new mask', async () =>
        (await folderRow('nested/deep')).description === '1/2' ? true : undefined,
      );
      const image = (await rows((await folderRow('nested/deep')).node))[0]!;
      assert.equal(image.description, 'edited mask');
      // Targeted: the change names nodes, it is not a refresh of the whole tree.
      assert.ok(fired.length > 0 && fired.every((e) => e !== undefined), 'targeted events only');

      fs.rmSync(ws('nested', 'deep', '01_mask.png'));
      await waitFor('the count to drop again', async () =>
        (await folderRow('nested/deep')).description === '0/2' ? true : undefined,
      );
    } finally {
      sub.dispose();
    }
  });

  it('lists a new folder of images and drops a deleted one', async () => {
    fs.mkdirSync(ws('added'), { recursive: true });
    fs.copyFileSync(ws('more', '01.png'), ws('added', 'x.png'));
    fs.copyFileSync(ws('more', '02.png'), ws('added', 'y.png'));
    await waitFor('the new folder', async () =>
      (await folderRow('added')).description === '0/2' ? true : undefined,
    );
    fs.rmSync(ws('added'), { recursive: true });
    await waitFor('the folder to go', async () => {
      const [root] = await rows();
      const labels = (await rows(root!.node)).map((r) => r.label);
      return labels.includes('added') ? undefined : true;
    });
  });
});
