/** Apply Prompt to Folder: every image of a folder, existing masks kept by default. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { BatchJobResult } from '../../../src/engine/batchJob';
import { readMaskPng } from '../../../src/engine/maskFile';
import { PROVENANCE_KEYS } from '../../../src/engine/provenance';
import { folderRow, waitFor, ws } from './testApi';

function apply(folder: string, options?: object): Thenable<BatchJobResult | undefined> {
  const uri = vscode.Uri.file(ws(folder));
  return vscode.commands.executeCommand('seggpt.applyPromptToFolder', uri, [uri], options);
}

describe('Apply Prompt to Folder', () => {
  it('writes a palette mask for every image and the count follows', async () => {
    const result = await apply('more');
    assert.ok(result);
    assert.equal(result.written.length, 6);
    assert.equal(result.failed.length, 0);
    assert.equal(result.cancelled, false);
    for (let i = 1; i <= 6; i++) {
      const png = await readMaskPng(ws('more', `0${i}_mask.png`));
      assert.equal(png.palette.length, 256 * 3, '8-bit palette PNG');
      assert.equal(png.text[PROVENANCE_KEYS.source], 'model');
    }
    await waitFor('the tree count', async () =>
      (await folderRow('more')).description === '6/6' ? true : undefined,
    );
  });

  it('skips existing masks on a second run', async () => {
    const result = await apply('more');
    assert.equal(result?.written.length, 0);
    assert.equal(result?.skipped.length, 6);
  });

  it('with overwrite "model", replaces model masks and keeps the ones a person edited', async () => {
    const human = ws('cells', '01_mask.png');
    const other = ws('cells', '03_mask.png');
    const humanBytes = fs.readFileSync(human);
    const otherBytes = fs.readFileSync(other);
    const result = await apply('cells', { overwrite: 'model' });
    assert.ok(result);
    // 01 is the prompt itself (left out); 02 and 04 were made by the model; 03 by another tool.
    assert.deepEqual(result.written.sort(), [
      ws('cells', '02_mask.png'),
      ws('cells', '04_mask.png'),
    ]);
    assert.deepEqual(
      result.skipped.map((s) => s.path),
      [ws('cells', '03.png')],
    );
    assert.deepEqual(fs.readFileSync(human), humanBytes);
    assert.deepEqual(fs.readFileSync(other), otherBytes);
  });
});
