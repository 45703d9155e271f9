import assert from 'node:assert/strict';
import { applyOp } from '../../src/protocol/editOps';
import { floodRegion } from '../../src/protocol/floodFill';
import {
  applyRegion,
  emptyMask,
  type MaskBuffer,
  type Region,
} from '../../src/protocol/maskBuffer';
import { polygonRegion, strokeRegion } from '../../src/protocol/rasterize';

/** The covered pixels of a region as sorted "x,y" strings. */
function pixels(region: Region | undefined): string[] {
  if (!region) return [];
  const out: string[] = [];
  for (let row = 0; row < region.rect.h; row++) {
    for (let col = 0; col < region.rect.w; col++) {
      if (region.inside[row * region.rect.w + col])
        out.push(`${region.rect.x + col},${region.rect.y + row}`);
    }
  }
  return out.sort();
}

function count(mask: MaskBuffer, value: number): number {
  return mask.data.reduce((n, v) => n + (v === value ? 1 : 0), 0);
}

describe('editor rasterization', () => {
  describe('strokeRegion', () => {
    it('covers exactly the clicked pixel with the smallest brush', () => {
      assert.deepEqual(pixels(strokeRegion([3.5, 3.5], 0.5, 10, 10)), ['3,3']);
      // A click on a pixel corner is 0.7 px from every centre: the pixel under it still counts.
      assert.deepEqual(pixels(strokeRegion([3, 3], 0.5, 10, 10)), ['3,3']);
    });

    it('covers the 12 pixels whose centres lie within radius 2 of a pixel corner', () => {
      const got = pixels(strokeRegion([5, 5], 2, 20, 20));
      assert.equal(got.length, 12);
      for (const p of got) {
        const [x, y] = p.split(',').map(Number);
        assert.ok((x + 0.5 - 5) ** 2 + (y + 0.5 - 5) ** 2 <= 4, p);
      }
    });

    it('draws a one-pixel horizontal line between two centres', () => {
      const got = pixels(strokeRegion([2.5, 5.5, 8.5, 5.5], 0.5, 20, 20));
      assert.deepEqual(got, ['2,5', '3,5', '4,5', '5,5', '6,5', '7,5', '8,5'].sort());
    });

    it('fills a disc of about πr² pixels', () => {
      const n = pixels(strokeRegion([50, 50], 20, 100, 100)).length;
      assert.ok(Math.abs(n - Math.PI * 400) < 0.02 * Math.PI * 400, `${n} pixels`);
    });

    it('clips at the image border and returns nothing entirely outside it', () => {
      const got = strokeRegion([0, 0], 3, 10, 10);
      assert.ok(got);
      assert.equal(got.rect.x, 0);
      assert.equal(got.rect.y, 0);
      assert.equal(strokeRegion([-50, -50], 3, 10, 10), undefined);
    });

    it('covers the same pixels drawn segment by segment as the whole stroke at once', () => {
      const points = [3.2, 4.1, 40.7, 9.9, 22.5, 61.3, 70.1, 70.8, 71, 71];
      const piecewise = emptyMask(80, 80);
      for (let i = 0; i + 3 < points.length; i += 2) {
        applyOp(piecewise, {
          kind: 'stroke',
          points: points.slice(i, i + 4),
          radius: 3.7,
          value: 4,
        });
      }
      const whole = emptyMask(80, 80);
      applyOp(whole, { kind: 'stroke', points, radius: 3.7, value: 4 });
      assert.ok(count(whole, 4) > 100);
      assert.deepEqual(whole.data, piecewise.data);
    });
  });

  describe('polygonRegion', () => {
    it('fills the 16 pixels of a 4×4 square', () => {
      const got = pixels(polygonRegion([2, 2, 6, 2, 6, 6, 2, 6], 10, 10));
      const want: string[] = [];
      for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) want.push(`${x},${y}`);
      assert.deepEqual(got, want.sort());
    });

    it('fills the pixels whose centres lie inside a right triangle', () => {
      const got = pixels(polygonRegion([0, 0, 10, 0, 0, 10], 20, 20));
      assert.equal(got.length, 45); // x + y < 9 for centres below the hypotenuse x + y = 10
      for (const p of got) {
        const [x, y] = p.split(',').map(Number);
        assert.ok(x + y < 9, p);
      }
    });

    it('leaves the notch of a U shape empty', () => {
      const u = [0, 0, 3, 0, 3, 7, 7, 7, 7, 0, 10, 0, 10, 10, 0, 10];
      const mask = emptyMask(10, 10);
      applyOp(mask, { kind: 'polygon', points: u, value: 1 });
      assert.equal(mask.data[3 * 10 + 5], 0, 'inside the notch');
      assert.equal(mask.data[3 * 10 + 1], 1, 'left arm');
      assert.equal(mask.data[8 * 10 + 5], 1, 'base');
      assert.equal(count(mask, 1), 100 - 4 * 7);
    });

    it('needs three vertices and rejects bad coordinates', () => {
      assert.equal(polygonRegion([1, 1, 5, 5], 10, 10), undefined);
      assert.throws(() => polygonRegion([1, 1, 5], 10, 10), RangeError);
      assert.throws(() => polygonRegion([1, NaN, 5, 5, 2, 2], 10, 10), RangeError);
    });
  });

  describe('floodRegion', () => {
    /** A 12×12 mask with a closed square ring of class 1 from (2,2) to (9,9). */
    function ring(): MaskBuffer {
      const mask = emptyMask(12, 12);
      for (let i = 2; i <= 9; i++) {
        mask.data[2 * 12 + i] = 1;
        mask.data[9 * 12 + i] = 1;
        mask.data[i * 12 + 2] = 1;
        mask.data[i * 12 + 9] = 1;
      }
      return mask;
    }

    it('fills the inside of a closed ring and nothing outside', () => {
      const mask = ring();
      const patch = applyOp(mask, { kind: 'fill', x: 5.5, y: 5.5, value: 3 });
      assert.ok(patch);
      assert.deepEqual(patch.rect, { x: 3, y: 3, w: 6, h: 6 });
      assert.equal(count(mask, 3), 36);
      assert.equal(count(mask, 1), 28);
      assert.equal(mask.data[0], 0);
    });

    it('does not leak through a diagonal gap (4-connected)', () => {
      const mask = ring();
      mask.data[2 * 12 + 2] = 0; // open the corner: the inside touches it only diagonally
      applyOp(mask, { kind: 'fill', x: 5, y: 5, value: 3 });
      assert.equal(count(mask, 3), 36);
    });

    it('fills a whole empty image', () => {
      const mask = emptyMask(300, 200);
      const region = floodRegion(mask, 150, 100);
      assert.ok(region);
      assert.deepEqual(region.rect, { x: 0, y: 0, w: 300, h: 200 });
      assert.equal(applyRegion(mask, region, 7)?.after.length, 60000);
      assert.equal(count(mask, 7), 60000);
    });

    it('fills a long zig-zag corridor completely', () => {
      // Walls of class 1 every other row, with alternating gaps: one long zig-zag corridor.
      const w = 41;
      const h = 41;
      const mask = emptyMask(w, h);
      for (let y = 1; y < h; y += 2) {
        for (let x = 0; x < w; x++) mask.data[y * w + x] = 1;
        mask.data[y * w + ((y >> 1) % 2 === 0 ? w - 1 : 0)] = 0;
      }
      const corridor = count(mask, 0);
      applyOp(mask, { kind: 'fill', x: 0, y: 0, value: 2 });
      assert.equal(count(mask, 2), corridor);
    });

    it('records no edit for a fill with the class already there, or outside the image', () => {
      const mask = ring();
      assert.equal(applyOp(mask, { kind: 'fill', x: 2, y: 2, value: 1 }), undefined);
      assert.equal(applyOp(mask, { kind: 'fill', x: -1, y: 2, value: 1 }), undefined);
      assert.equal(floodRegion(mask, 12, 0), undefined);
    });
  });
});
