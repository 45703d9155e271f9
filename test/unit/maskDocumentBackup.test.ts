import assert from 'node:assert/strict';
import { MaskEditLog } from '../../src/editor/maskEditLog';
import {
  applyBackup,
  BackupError,
  decodeBackup,
  encodeBackup,
  hashMask,
  makeBackup,
} from '../../src/editor/maskBackup';
import { emptyMask } from '../../src/protocol/maskBuffer';

describe('mask document backups', () => {
  function editedLog() {
    const saved = emptyMask(400, 300);
    saved.data.fill(1, 0, 400 * 10); // some saved labels in the top rows
    const base = { ...saved, data: saved.data.slice() };
    const log = new MaskEditLog(saved);
    log.applyOp({ kind: 'stroke', points: [100, 100, 250, 180], radius: 6, value: 3 });
    log.applyOp({ kind: 'fill', x: 390, y: 290, value: 2 });
    return { log, base };
  }

  it('round-trips the unsaved edits onto the saved mask exactly', () => {
    const { log, base } = editedLog();
    const bytes = encodeBackup(makeBackup(log.mask, hashMask(base), log.unsavedRect));
    assert.ok(bytes.length < 4000, `backup is ${bytes.length} bytes`); // deflated, not 120 kB
    const restored = applyBackup(base, decodeBackup(bytes));
    assert.equal(restored.exact, true);
    assert.deepEqual(restored.mask.data, log.mask.data);
  });

  it('stores no pixels when nothing is unsaved', () => {
    const base = emptyMask(10, 10);
    const backup = decodeBackup(encodeBackup(makeBackup(base, hashMask(base), undefined)));
    assert.equal(backup.rect, undefined);
    assert.deepEqual(applyBackup(base, backup).mask.data, base.data);
  });

  it('keeps the edited area over a mask file that changed since, and says so', () => {
    const { log, base } = editedLog();
    const bytes = encodeBackup(makeBackup(log.mask, hashMask(base), log.unsavedRect));
    const changedOnDisk = { ...base, data: base.data.slice() };
    changedOnDisk.data[0] = 9; // outside the edited area
    const restored = applyBackup(changedOnDisk, decodeBackup(bytes));
    assert.equal(restored.exact, false);
    assert.equal(restored.mask.data[0], 9);
    assert.equal(restored.mask.data[140 * 400 + 175], 3, 'the stroke survives');
  });

  it('rejects damaged, truncated and mismatched backups with a BackupError', () => {
    const { log, base } = editedLog();
    const bytes = encodeBackup(makeBackup(log.mask, hashMask(base), log.unsavedRect));
    assert.throws(() => decodeBackup(new Uint8Array([1, 2, 3])), BackupError);
    assert.throws(() => decodeBackup(bytes.subarray(0, bytes.length - 20)), BackupError);
    const garbled = bytes.slice();
    garbled[14] ^= 0xff;
    assert.throws(() => decodeBackup(garbled), BackupError);
    assert.throws(() => applyBackup(emptyMask(10, 10), decodeBackup(bytes)), BackupError);
  });
});
