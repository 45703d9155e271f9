import assert from 'node:assert/strict';
import { nearestPaletteIndex, seggptPalette, vocPalette } from '../../src/engine/palette';

function colour(palette: Uint8Array, id: number): number[] {
  return [...palette.subarray(id * 3, id * 3 + 3)];
}

describe('seggptPalette', () => {
  it('K = 1 is black and white', () => {
    assert.deepEqual([...seggptPalette(1)], [0, 0, 0, 255, 255, 255]);
  });

  it('K = 3: base 2, margin 128', () => {
    const p = seggptPalette(3);
    assert.deepEqual(colour(p, 1), [255, 255, 255]);
    assert.deepEqual(colour(p, 2), [255, 255, 127]);
    assert.deepEqual(colour(p, 3), [255, 127, 255]);
  });

  it('K = 64 uses Math.pow (base 4, margin 64), not Math.cbrt (base 5, margin 51)', () => {
    // The whole point: the two cube roots disagree at 64, and HF's K ** (1/3) is the pow one.
    assert.equal(Math.floor(Math.pow(64, 1 / 3)), 3);
    assert.equal(Math.cbrt(64), 4);
    const p = seggptPalette(64);
    assert.equal(p.length, 65 * 3);
    assert.deepEqual(colour(p, 0), [0, 0, 0]);
    assert.deepEqual(colour(p, 1), [255, 255, 255]);
    assert.deepEqual(colour(p, 2), [255, 255, 191]);
    assert.deepEqual(colour(p, 5), [255, 191, 255]);
    assert.deepEqual(colour(p, 17), [191, 255, 255]);
    assert.deepEqual(colour(p, 64), [63, 63, 63]); // with Math.cbrt it would be (153, 153, 102)
    const distinct = new Set(Array.from({ length: 65 }, (_, i) => colour(p, i).join(',')));
    assert.equal(distinct.size, 65); // base 4 gives exactly 4³ = 64 non-black colours
  });

  it('rejects class counts an 8-bit mask cannot hold', () => {
    assert.throws(() => seggptPalette(256), RangeError);
    assert.throws(() => seggptPalette(-1), RangeError);
    assert.throws(() => seggptPalette(1.5), RangeError);
    assert.deepEqual([...seggptPalette(0)], [0, 0, 0]);
  });
});

describe('vocPalette', () => {
  it('has the Pascal VOC colours', () => {
    const p = vocPalette();
    assert.equal(p.length, 768);
    assert.deepEqual(colour(p, 0), [0, 0, 0]);
    assert.deepEqual(colour(p, 1), [128, 0, 0]);
    assert.deepEqual(colour(p, 2), [0, 128, 0]);
    assert.deepEqual(colour(p, 3), [128, 128, 0]);
    assert.deepEqual(colour(p, 15), [192, 128, 128]); // person
    assert.deepEqual(colour(p, 20), [0, 64, 128]); // tv/monitor
    assert.deepEqual(colour(p, 255), [224, 224, 192]); // ignore / boundary
  });
});

describe('nearestPaletteIndex', () => {
  it('picks the nearest colour by squared RGB distance', () => {
    const p = seggptPalette(3);
    assert.equal(nearestPaletteIndex(250, 250, 120, p), 2);
    assert.equal(nearestPaletteIndex(10, 20, 5, p), 0);
    assert.equal(nearestPaletteIndex(240, 100, 250, p), 3);
  });

  it('breaks ties toward the lower id', () => {
    const bw = seggptPalette(1);
    assert.equal(nearestPaletteIndex(127.5, 127.5, 127.5, bw), 0);
    assert.equal(nearestPaletteIndex(127.6, 127.5, 127.5, bw), 1);
    const dup = new Uint8Array([9, 9, 9, 50, 50, 50, 50, 50, 50]);
    assert.equal(nearestPaletteIndex(50, 50, 50, dup), 1);
  });
});
