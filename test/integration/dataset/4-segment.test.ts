/** Segment Image: the active prompt set on one image, in the worker, mask written and shown. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { readMaskPng } from '../../../src/engine/maskFile';
import { PROVENANCE_KEYS } from '../../../src/engine/provenance';
import { api, folderRow, row, waitFor, ws } from './testApi';

describe('Segment Image', () => {
  it('writes a palette mask with provenance and the tree shows an AI mask', async () => {
    const image = ws('cells', '04.png');
    const mask = ws('cells', '04_mask.png');
    assert.equal(fs.existsSync(mask), false);
    const result = (await vscode.commands.executeCommand(
      'seggpt.segmentImage',
      vscode.Uri.file(image),
    )) as {
      written: string[];
    };
    assert.deepEqual(result.written, [mask]);
    const png = await readMaskPng(mask);
    assert.equal(png.width, 160);
    assert.equal(png.height, 120);
    assert.ok(
      png.classes.every((c) => c <= 1),
      'binary prompt: ids 0/1',
    );
    assert.equal(png.text[PROVENANCE_KEYS.source], 'model');
    assert.equal(png.text[PROVENANCE_KEYS.model], 'seggpt-tiny-random.onnx');
    assert.equal(JSON.parse(png.text[PROVENANCE_KEYS.prompt] ?? '{}').set, 'cells');
    const status = (await api()).inference.status();
    assert.equal(status.state, 'ready');
    assert.equal(status.provider, 'cpu');
    await waitFor('the tree to show the AI mask', async () =>
      (await row('04.png', (await folderRow('cells')).node)).description === 'AI mask'
        ? true
        : undefined,
    );
    assert.equal((await folderRow('cells')).description, '4/4');
  });

  it('Show Engine Status reports model, precision, provider and threads', async () => {
    const status = (await vscode.commands.executeCommand('seggpt.showEngineStatus')) as {
      state: string;
      modelPath: string;
      precision: string;
      provider: string;
      threads: number;
    };
    assert.equal(status.state, 'ready');
    assert.match(status.modelPath, /seggpt-tiny-random\.onnx$/);
    assert.equal(status.precision, 'fp32');
    assert.equal(status.provider, 'cpu');
    assert.equal(status.threads, 0, 'seggpt.threads 0: onnxruntime decides');
  });

  it('replaces a mask the model made without asking', async () => {
    const mask = ws('cells', '02_mask.png');
    const before = (await readMaskPng(mask)).text[PROVENANCE_KEYS.created];
    const result = (await vscode.commands.executeCommand(
      'seggpt.segmentImage',
      vscode.Uri.file(ws('cells', '02.png')),
    )) as { written: string[] };
    assert.deepEqual(result.written, [mask]);
    assert.notEqual((await readMaskPng(mask)).text[PROVENANCE_KEYS.created], before);
  });

  it('explains an image it cannot read, and writes nothing', async () => {
    const bad = ws('cells', 'broken.png');
    fs.writeFileSync(bad, 'this is not a picture');
    try {
      const result = (await vscode.commands.executeCommand(
        'seggpt.segmentImage',
        vscode.Uri.file(bad),
      )) as {
        written: string[];
      };
      assert.deepEqual(result.written, []);
      assert.equal(fs.existsSync(ws('cells', 'broken_mask.png')), false);
    } finally {
      fs.rmSync(bad);
    }
  });
});
