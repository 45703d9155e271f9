/**
 * The mask editor in a real VS Code: edits drawn through the webview's tool code, undo and redo
 * through VS Code's commands, save, backups, external changes and a model run.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { openImageSource } from '../../../src/editor/imageSource';
import { MaskDocument } from '../../../src/editor/maskDocument';
import { readMaskPng, writeMaskFile } from '../../../src/engine/maskFile';
import { vocPalette } from '../../../src/engine/palette';
import { modelProvenance, PROVENANCE_KEYS } from '../../../src/engine/provenance';
import type { SegGptApi } from '../../../src/extension';
import { pngHeader } from '../../support/syntheticImages';
import {
  closeAll,
  count,
  hostState,
  openEditor,
  waitFor,
  waitInSync,
  webviewState,
  workspaceDir,
  workspaceUri,
} from './editorDriver';

describe('mask editor', function () {
  this.timeout(180_000);

  before(async () => {
    const ext = vscode.extensions.getExtension('seggpt-curator.seggpt-curator');
    assert.ok(ext);
    await ext.activate();
  });

  afterEach(closeAll);

  it('opens an image with its existing mask', async () => {
    const uri = await openEditor('labelled.png');
    const host = await waitInSync(uri);
    assert.equal(host.width, 96);
    assert.equal(host.height, 64);
    assert.equal(host.dirty, false);
    assert.ok(count(host.mask, 2) > 500, 'the palette mask’s disc of class 2');
    assert.equal(host.maskPath, path.join(workspaceDir(), 'labelled_mask.png'));
  });

  it('applies strokes drawn in the webview; VS Code undoes and redoes them', async () => {
    const uri = await openEditor('draw.png');
    const drawn = await webviewState(uri, {
      kind: 'stroke',
      points: [10, 10, 60, 40],
      radius: 3,
      value: 3,
    });
    assert.ok(count(drawn.pixels, 3) > 100, 'the webview drew the stroke at once');
    let host = await waitInSync(uri);
    assert.equal(host.dirty, true);
    assert.equal(count(host.mask, 3), count(drawn.pixels, 3));

    await vscode.commands.executeCommand('undo');
    host = await waitFor('undo', async () => {
      const s = await hostState(uri);
      return count(s.mask, 3) === 0 ? s : undefined;
    });
    assert.equal(host.dirty, false);
    await waitInSync(uri);

    await vscode.commands.executeCommand('redo');
    host = await waitFor('redo', async () => {
      const s = await hostState(uri);
      return count(s.mask, 3) > 0 ? s : undefined;
    });
    assert.equal(host.dirty, true);
    await waitInSync(uri);
  });

  it('saves a palette PNG of the edits, marked as a person’s work', async () => {
    const uri = await openEditor('draw.png');
    await webviewState(uri, {
      kind: 'polygon',
      points: [10, 10, 30, 10, 30, 30, 10, 30],
      value: 4,
    });
    await webviewState(uri, { kind: 'fill', x: 80, y: 5, value: 1 });
    const host = await waitInSync(uri);
    assert.equal(count(host.mask, 4), 400, 'a 20×20 square');
    assert.equal(count(host.mask, 1), 96 * 64 - 400);
    await vscode.commands.executeCommand('workbench.action.files.save');
    await waitFor('the save', async () => ((await hostState(uri)).dirty ? undefined : true));
    const maskPath = path.join(workspaceDir(), 'draw_mask.png');
    assert.equal(pngHeader(maskPath).colourType, 3, 'a palette PNG');
    const png = await readMaskPng(maskPath);
    assert.deepEqual(Buffer.from(png.classes), Buffer.from(host.mask));
    assert.equal(png.classes[20 * 96 + 20], 4);
    assert.equal(png.classes[5 * 96 + 5], 1);
    assert.deepEqual([...png.palette.subarray(0, 15)], [...vocPalette().subarray(0, 15)]);
    assert.equal(png.text[PROVENANCE_KEYS.source], 'human');
  });

  it('backs up unsaved edits for hot exit, and restores them', async () => {
    const uri = await openEditor('backup.png');
    await webviewState(uri, { kind: 'stroke', points: [5, 5, 70, 50], radius: 4, value: 6 });
    const host = await waitInSync(uri);
    // VS Code backs up a dirty custom document about a second after the last edit.
    const backup = await waitFor(
      'a backup of the dirty editor',
      async () => (await hostState(uri)).lastBackupId,
      20_000,
    );
    const image = await openImageSource(
      uri.fsPath,
      path.join(workspaceDir(), '..', '.display-cache'),
    );
    const restored = await MaskDocument.open(
      { uri, maskPath: path.join(workspaceDir(), 'backup_mask.png'), image },
      backup,
    );
    try {
      assert.equal(restored.isDirty, true);
      assert.deepEqual(Buffer.from(restored.mask.data), Buffer.from(host.mask));
      assert.ok(count(restored.mask.data, 6) > 100);
      assert.equal(
        fs.existsSync(path.join(workspaceDir(), 'backup_mask.png')),
        false,
        'nothing saved',
      );
    } finally {
      restored.dispose();
    }
  });

  it('saves a copy with Save As, and never over the image itself', async () => {
    const uri = workspaceUri('saveAs.png');
    const dir = workspaceDir();
    const image = await openImageSource(uri.fsPath, path.join(dir, '..', '.display-cache'));
    const doc = await MaskDocument.open(
      { uri, maskPath: path.join(dir, 'saveAs_mask.png'), image },
      undefined,
    );
    try {
      doc.applyOp({ kind: 'fill', x: 1, y: 1, value: 4 });
      const copy = vscode.Uri.file(path.join(dir, 'copies', 'saveAs_copy.png'));
      await doc.saveAs(copy);
      const png = await readMaskPng(copy.fsPath);
      assert.equal(count(png.classes, 4), 50 * 40);
      assert.equal(png.text[PROVENANCE_KEYS.source], 'human');
      assert.equal(
        fs.existsSync(path.join(dir, 'saveAs_mask.png')),
        false,
        'its own mask untouched',
      );
      const before = fs.readFileSync(uri.fsPath);
      await assert.rejects(doc.saveAs(uri), /overwrite the image itself/);
      await assert.rejects(doc.saveAs(vscode.Uri.file(path.join(dir, 'x.jpg'))), /ending in \.png/);
      assert.deepEqual(fs.readFileSync(uri.fsPath), before);
    } finally {
      doc.dispose();
    }
  });

  it('refuses a mask that does not fit its image, saying why', async () => {
    const uri = workspaceUri('mismatch.png');
    const image = await openImageSource(
      uri.fsPath,
      path.join(workspaceDir(), '..', '.display-cache'),
    );
    const maskPath = path.join(workspaceDir(), 'mismatch_mask.png');
    const before = fs.readFileSync(maskPath);
    await assert.rejects(
      MaskDocument.open({ uri, maskPath, image }, undefined),
      /is 30×30 but its image is 50×40/,
    );
    assert.deepEqual(fs.readFileSync(maskPath), before, 'the mask file is left alone');
  });

  it('reloads a clean editor when its mask changes on disk', async () => {
    const uri = await openEditor('external.png');
    const before = await waitInSync(uri);
    const next = new Uint8Array(40 * 30).fill(9);
    await writeMaskFile(before.maskPath, next, 40, 30, {
      overwrite: true,
      textChunks: modelProvenance('m', 'p'),
    });
    const host = await waitFor('the reload', async () => {
      const s = await hostState(uri);
      return count(s.mask, 9) === 1200 ? s : undefined;
    });
    assert.equal(host.dirty, false);
    await waitInSync(uri);
  });

  it('keeps unsaved edits when the mask changes on disk, until the user reverts', async () => {
    const uri = await openEditor('dirtyExternal.png');
    await webviewState(uri, { kind: 'fill', x: 0, y: 0, value: 5 });
    const edited = await waitInSync(uri);
    const next = new Uint8Array(40 * 30).fill(8);
    await writeMaskFile(edited.maskPath, next, 40, 30, {
      overwrite: true,
      textChunks: modelProvenance('m', 'p'),
    });
    await new Promise((r) => setTimeout(r, 1500)); // the watcher has seen it and asked the user
    const kept = await hostState(uri);
    assert.equal(kept.dirty, true);
    assert.deepEqual(Buffer.from(kept.mask), Buffer.from(edited.mask), 'the edits are not lost');
    await vscode.commands.executeCommand('workbench.action.files.revert');
    const reverted = await waitFor('the revert', async () => {
      const s = await hostState(uri);
      return count(s.mask, 8) === 1200 ? s : undefined;
    });
    assert.equal(reverted.dirty, false);
    await waitInSync(uri);
  });

  it('opens the next and previous image of the folder in the mask editor', async () => {
    await openEditor('draw.png');
    const activeTab = () =>
      vscode.window.tabGroups.activeTabGroup.activeTab?.input as
        { uri?: vscode.Uri; viewType?: string } | undefined;
    await vscode.commands.executeCommand('seggpt.maskEditor.nextImage');
    // Sorted, masks left out: … draw.png, external.png …
    await waitFor('the next image', () =>
      activeTab()?.uri?.fsPath.endsWith('external.png') ? true : undefined,
    );
    assert.equal(activeTab()?.viewType, 'seggpt.maskEditor');
    await openEditor('external.png');
    await vscode.commands.executeCommand('seggpt.maskEditor.previousImage');
    await waitFor('the previous image', () =>
      activeTab()?.uri?.fsPath.endsWith('draw.png') ? true : undefined,
    );
  });

  it('loads the model in the background when an editor opens', async () => {
    const ext = vscode.extensions.getExtension<SegGptApi>('seggpt-curator.seggpt-curator');
    assert.ok(ext);
    const { inference } = await ext.activate();
    await openEditor('labelled.png');
    const ready = await waitFor('the model loaded', () => {
      const s = inference.status();
      return s.state === 'ready' || s.state === 'error' ? s : undefined;
    });
    assert.equal(ready.state, 'ready', ready.error);
  });

  it('runs the model with a prompt and accepts the proposal as one undoable edit', async () => {
    const uri = await openEditor('big.jpg');
    await webviewState(uri, { kind: 'fill', x: 0, y: 0, value: 7 });
    const before = await waitInSync(uri);
    await vscode.commands.executeCommand(
      'seggpt.maskEditor.useAsPrompt',
      workspaceUri('labelled.png'),
    );
    await vscode.commands.executeCommand('seggpt.maskEditor.runModel');
    const ran = await hostState(uri);
    assert.equal(
      ran.proposal,
      'ready',
      `the model run ended ${ran.proposal}: ${ran.proposalMessage ?? ''}`,
    );
    const view = await webviewState(uri);
    assert.equal(view.proposalShown, true);
    await vscode.commands.executeCommand('seggpt.maskEditor.acceptProposal');
    const accepted = await waitInSync(uri);
    assert.equal(accepted.proposal, 'cleared');
    assert.equal(count(accepted.mask, 7), 0, 'replace mode: the proposal replaced the mask');
    assert.ok(
      accepted.mask.every((v) => v <= 2),
      'classes of the prompt only',
    );
    await vscode.commands.executeCommand('undo');
    const undone = await waitFor('undo of the accept', async () => {
      const s = await hostState(uri);
      return count(s.mask, 7) === 400 * 300 ? s : undefined;
    });
    assert.deepEqual(Buffer.from(undone.mask), Buffer.from(before.mask));
  });
});
