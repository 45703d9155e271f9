import assert from 'node:assert/strict';
import { rowChunks } from '../../src/engine/onnx/relPosAttention';

describe('attention in query chunks', () => {
  it('splits rows into consecutive, even ranges that cover each row once', () => {
    assert.deepEqual(rowChunks(56, 4), [
      [0, 14],
      [14, 28],
      [28, 42],
      [42, 56],
    ]);
    assert.deepEqual(rowChunks(7, 3), [
      [0, 2],
      [2, 5],
      [5, 7],
    ]);
    for (const [rows, n] of [
      [1, 4],
      [3, 4],
      [29, 4],
      [8, 1],
    ] as const) {
      const chunks = rowChunks(rows, n);
      assert.equal(chunks.length, Math.min(rows, n));
      assert.equal(chunks[0]?.[0], 0);
      assert.equal(chunks.at(-1)?.[1], rows);
      for (let i = 0; i < chunks.length; i++) {
        const [a, b] = chunks[i] as [number, number];
        assert.ok(b > a, `chunk ${i} of ${rows}/${n} is empty`);
        if (i > 0) assert.equal(a, (chunks[i - 1] as [number, number])[1]);
      }
    }
  });
});
