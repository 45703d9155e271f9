import * as assert from 'node:assert/strict';
import { geometryOf, parseConfig } from '../../src/engine/config';
import {
  foldValueBias,
  wideKeyOneHot,
  widenedWidth,
  widenRows,
} from '../../src/engine/onnx/flashProjections';

describe('flash projections (weights laid out as the widened attention reads them)', () => {
  it('spreads each head of a projection to its widened slot, zero elsewhere', () => {
    // 2 heads of 2 rows, 3 inputs; widened width 4.
    const w = Float32Array.from({ length: 4 * 3 }, (_, i) => i + 1);
    const out = widenRows(w, 2, 2, 4, 3);
    assert.deepEqual(
      Array.from(out),
      [1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0, 0, 0],
    );
  });

  it('puts the key one-hot columns after hd in every head', () => {
    const config = parseConfig({
      hidden_size: 8,
      num_attention_heads: 2,
      image_size: [64, 32],
      patch_size: 16,
    });
    const geo = geometryOf(config); // 4×2 patches, head dim 4
    const width = widenedWidth(geo, 2);
    assert.equal(width, 4 + 4 + 2 + 2);
    const table = wideKeyOneHot(geo, 2, width);
    assert.equal(table.length, 8 * 2 * width);
    for (let t = 0; t < 8; t++) {
      const [kh, kw] = [Math.floor(t / 2), t % 2];
      for (let n = 0; n < 2; n++) {
        const row = Array.from(
          table.subarray(t * 2 * width + n * width, t * 2 * width + (n + 1) * width),
        );
        const want = Array<number>(width).fill(0);
        want[4 + kh] = 1;
        want[4 + 4 + kw] = 1;
        assert.deepEqual(row, want, `token ${t}, head ${n}`);
      }
    }
  });

  it('folds the value bias into the output projection: b + W·b_v', () => {
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]); // [out 2, in 3]
    const folded = foldValueBias(w, Float32Array.from([0.5, -1]), Float32Array.from([1, 0, -1]));
    assert.deepEqual(Array.from(folded), [0.5 + 1 - 3, -1 + 4 - 6]);
  });
});
