import assert from 'node:assert/strict';
import { MaskEditLog } from '../../src/editor/maskEditLog';
import { mergeProposal } from '../../src/editor/proposalMerge';
import { emptyMask, type MaskBuffer } from '../../src/protocol/maskBuffer';

function at(mask: MaskBuffer, x: number, y: number): number {
  return mask.data[y * mask.width + x];
}

describe('mask document edit log', () => {
  it('applies, undoes and redoes tool edits, tracking the dirty state', () => {
    const log = new MaskEditLog(emptyMask(20, 10));
    assert.equal(log.isDirty, false);
    const brush = log.applyOp({ kind: 'stroke', points: [5.5, 5.5], radius: 0.5, value: 2 });
    assert.ok(brush);
    assert.equal(brush.label, 'Brush');
    assert.equal(at(log.mask, 5, 5), 2);
    assert.equal(log.isDirty, true);

    const fill = log.applyOp({ kind: 'fill', x: 0, y: 0, value: 1 });
    assert.ok(fill);
    assert.equal(at(log.mask, 0, 0), 1);
    assert.equal(at(log.mask, 5, 5), 2, 'fill stops at the brushed pixel');

    const change = log.undo(fill);
    assert.deepEqual(change.rect, fill.patch.rect);
    assert.equal(at(log.mask, 0, 0), 0);
    log.undo(brush);
    assert.equal(at(log.mask, 5, 5), 0);
    assert.equal(log.isDirty, false, 'undone to the save point');
    log.redo(brush);
    log.redo(fill);
    assert.equal(at(log.mask, 5, 5), 2);
    assert.equal(at(log.mask, 19, 9), 1);
    assert.equal(log.isDirty, true);
  });

  it('counts a version per change and ignores edits that change nothing', () => {
    const log = new MaskEditLog(emptyMask(8, 8));
    assert.equal(log.version, 0);
    const e = log.applyOp({ kind: 'polygon', points: [1, 1, 4, 1, 4, 4], value: 3 });
    assert.ok(e);
    assert.equal(log.version, 1);
    assert.equal(
      log.applyOp({ kind: 'stroke', points: [0.5, 0.5], radius: 0.5, value: 0 }),
      undefined,
    );
    assert.equal(log.version, 1);
    assert.equal(log.undo(e).version, 2);
    assert.equal(log.redo(e).version, 3);
  });

  it('stays dirty once the saved state is no longer reachable by undo', () => {
    const log = new MaskEditLog(emptyMask(8, 8));
    const a = log.applyOp({ kind: 'fill', x: 0, y: 0, value: 1 });
    assert.ok(a);
    log.markSaved();
    assert.equal(log.isDirty, false);
    log.undo(a);
    assert.equal(log.isDirty, true);
    log.applyOp({ kind: 'fill', x: 0, y: 0, value: 2 }); // drops `a`, the saved state with it
    assert.equal(log.isDirty, true);
    assert.equal(at(log.mask, 3, 3), 2);
  });

  it('tracks the area changed since the last save for backups', () => {
    const log = new MaskEditLog(emptyMask(50, 50));
    assert.equal(log.unsavedRect, undefined);
    log.applyOp({ kind: 'stroke', points: [10.5, 10.5], radius: 0.5, value: 1 });
    log.applyOp({ kind: 'stroke', points: [30.5, 20.5], radius: 0.5, value: 1 });
    assert.deepEqual(log.unsavedRect, { x: 10, y: 10, w: 21, h: 11 });
    log.markSaved();
    assert.equal(log.unsavedRect, undefined);
  });

  it('goes back to the save point on reset (revert), keeping earlier edits undoable', () => {
    const log = new MaskEditLog(emptyMask(8, 8));
    const a = log.applyOp({ kind: 'stroke', points: [1.5, 1.5], radius: 0.5, value: 1 });
    assert.ok(a);
    log.markSaved();
    log.applyOp({ kind: 'stroke', points: [5.5, 5.5], radius: 0.5, value: 1 });
    const disk = emptyMask(8, 8);
    disk.data[1 * 8 + 1] = 1;
    log.reset(disk);
    assert.equal(log.isDirty, false);
    assert.equal(at(log.mask, 5, 5), 0);
    log.undo(a);
    assert.equal(at(log.mask, 1, 1), 0);
    assert.equal(log.isDirty, true);
  });

  it('records a rectangle of new values as one edit (an accepted proposal)', () => {
    const log = new MaskEditLog(emptyMask(4, 4));
    const e = log.applyValues('Accept', { x: 1, y: 1, w: 2, h: 2 }, new Uint8Array([1, 2, 3, 4]));
    assert.ok(e);
    assert.deepEqual([...log.mask.data.slice(4, 8)], [0, 1, 2, 0]);
    assert.equal(
      log.applyValues('Accept', { x: 1, y: 1, w: 2, h: 2 }, new Uint8Array([1, 2, 3, 4])),
      undefined,
    );
    assert.throws(
      () => log.applyValues('x', { x: 3, y: 3, w: 2, h: 2 }, new Uint8Array(4)),
      RangeError,
    );
  });
});

describe('mergeProposal', () => {
  const mask = (): MaskBuffer => ({
    width: 3,
    height: 2,
    data: new Uint8Array([0, 5, 0, 0, 0, 0]),
  });
  const proposal = new Uint8Array([1, 1, 0, 0, 2, 0]);

  it('replaces the whole mask within the changed area', () => {
    const merged = mergeProposal(mask(), proposal, 'replace');
    assert.deepEqual(merged?.rect, { x: 0, y: 0, w: 2, h: 2 });
    assert.deepEqual([...(merged?.values ?? [])], [1, 1, 0, 2]);
  });

  it('fills only unlabeled pixels, keeping what a person drew', () => {
    const merged = mergeProposal(mask(), proposal, 'fillUnlabeled');
    assert.deepEqual(merged?.rect, { x: 0, y: 0, w: 2, h: 2 });
    assert.deepEqual([...(merged?.values ?? [])], [1, 5, 0, 2]);
  });

  it('reports no change and rejects a proposal of the wrong size', () => {
    const m = mask();
    assert.equal(mergeProposal(m, m.data.slice(), 'replace'), undefined);
    assert.throws(() => mergeProposal(m, new Uint8Array(5), 'replace'), RangeError);
  });
});
