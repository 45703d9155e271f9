import assert from 'node:assert/strict';
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  promptMaskTensor,
  resizeNearest,
} from '../../src/engine/imageInput';
import { nearestPaletteIndex, seggptPalette } from '../../src/engine/palette';
import { predictionToClasses, predictionToClassMap } from '../../src/engine/predictionOutput';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normalized [3, h, w] prediction from 0..255-ish RGB values (may go outside, to test clipping). */
function normalized(rgb: Float64Array, plane: number): Float32Array {
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      out[c * plane + i] = (rgb[i * 3 + c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
    }
  }
  return out;
}

/** The denormalization the engine must apply, done independently. */
function denorm(pred: Float32Array, plane: number, i: number): number[] {
  return [0, 1, 2].map((c) => {
    const v = (pred[c * plane + i] * IMAGENET_STD[c] + IMAGENET_MEAN[c]) * 255;
    return Math.min(255, Math.max(0, v));
  });
}

describe('predictionToClassMap', () => {
  it('binary: class 1 exactly where mean(RGB) > 127.5, soft = mean', () => {
    const geom = { inputH: 24, inputW: 32 };
    const plane = 24 * 32;
    const rand = rng(7);
    const rgb = new Float64Array(plane * 3).map(() => rand() * 340 - 40); // some out of 0..255
    for (let i = 0; i < 40; i++) rgb.set([127.5, 127.5, 127.5], i * 3); // ties
    for (let i = 40; i < 80; i++) rgb.set([100, 155, 127.5 + (i % 3) * 1e-3 - 1e-3], i * 3);
    const pred = normalized(rgb, plane);
    const bw = seggptPalette(1);
    const { classes, soft } = predictionToClassMap(pred, geom, 32, 24, bw);
    let ones = 0;
    for (let i = 0; i < plane; i++) {
      const v = denorm(pred, plane, i);
      const mean = (v[0] + v[1] + v[2]) / 3;
      assert.equal(classes[i], mean > 127.5 ? 1 : 0, `pixel ${i}: mean ${mean}`);
      assert.ok(Math.abs(soft[i] - mean) <= 0.5 + 1e-9);
      // and it agrees with the general nearest-colour rule away from exact ties
      if (Math.abs(mean - 127.5) > 1e-6)
        assert.equal(classes[i], nearestPaletteIndex(v[0], v[1], v[2], bw));
      ones += classes[i];
    }
    assert.ok(ones > plane / 4 && ones < (3 * plane) / 4);
  });

  it('two colours other than black/white use the nearest-colour rule', () => {
    const palette = Uint8Array.from([0, 0, 0, 255, 0, 0]);
    const rgb = Float64Array.from([200, 200, 200, 140, 0, 0, 120, 0, 0, 0, 255, 255]);
    const { classes } = predictionToClassMap(
      normalized(rgb, 4),
      { inputH: 2, inputW: 2 },
      2,
      2,
      palette,
    );
    assert.deepEqual([...classes], [1, 1, 0, 0]);
  });

  it('recovers a known class map at a different output size', () => {
    const geom = { inputH: 16, inputW: 24 };
    const plane = 16 * 24;
    const palette = seggptPalette(5);
    const rand = rng(3);
    const truth = Uint8Array.from({ length: plane }, () => Math.floor(rand() * 6));
    // The prompt-mask encoding of the class map is exactly a perfect "prediction"; add noise.
    const pred = promptMaskTensor(truth, 24, 16, palette, geom);
    for (let i = 0; i < pred.length; i++) pred[i] += (rand() - 0.5) * 0.3; // ±0.15 σ ≈ ±9 levels
    for (const [w, h] of [
      [24, 16],
      [37, 50],
      [7, 5],
    ]) {
      const { classes, soft } = predictionToClassMap(pred, geom, w, h, palette);
      assert.deepEqual(classes, resizeNearest(truth, 24, 16, w, h), `${w}×${h}`);
      assert.ok(
        soft.every((s) => s >= 200),
        'confident near the palette colours',
      );
    }
    const exact = promptMaskTensor(truth, 24, 16, palette, geom);
    const { soft } = predictionToClassMap(exact, geom, 24, 16, palette);
    assert.ok(soft.every((s) => s === 255));
  });

  it('multi-class soft value is 128 half-way between two colours', () => {
    const palette = seggptPalette(2); // black, white, (255,255,127)
    const rgb = Float64Array.from([255, 255, 191]);
    const { classes, soft } = predictionToClassMap(
      normalized(rgb, 1),
      { inputH: 1, inputW: 1 },
      1,
      1,
      palette,
    );
    assert.equal(classes[0], 1); // tie between 1 and 2 goes to the lower id
    assert.equal(soft[0], 128);
  });

  it('maps a 448² prediction to a 4000×3000 output', () => {
    const geom = { inputH: 448, inputW: 448 };
    const plane = 448 * 448;
    const rand = rng(11);
    const pred = new Float32Array(3 * plane).map(() => rand() * 4 - 2);
    for (const palette of [seggptPalette(1), seggptPalette(20)]) {
      const { classes, soft } = predictionToClassMap(pred, geom, 4000, 3000, palette);
      assert.equal(classes.length, 12_000_000);
      assert.equal(soft.length, 12_000_000);
      // Nearest resize samples pixel centres: output (x, y) is input (⌊(x + ½)·448/4000⌋, …).
      const small = predictionToClassMap(pred, geom, 448, 448, palette).classes;
      for (const [x, y] of [
        [0, 0],
        [3999, 2999],
        [1234, 2345],
      ] as const) {
        const sx = Math.floor(((x + 0.5) * 448) / 4000);
        const sy = Math.floor(((y + 0.5) * 448) / 3000);
        assert.equal(classes[y * 4000 + x], small[sy * 448 + sx]);
      }
    }
  });

  it('predictionToClasses gives the class ids of predictionToClassMap, without the soft map', () => {
    const geom = { inputH: 40, inputW: 56 };
    const plane = 40 * 56;
    const rand = rng(5);
    const pred = new Float32Array(3 * plane).map(() => rand() * 4 - 2);
    for (const palette of [seggptPalette(1), seggptPalette(6)]) {
      for (const [w, h] of [
        [56, 40],
        [97, 13],
        [640, 480],
      ] as const) {
        const classes = predictionToClasses(pred, geom, w, h, palette);
        assert.deepEqual(classes, predictionToClassMap(pred, geom, w, h, palette).classes);
        assert.ok(new Set(classes).size > 1);
      }
    }
    assert.throws(
      () => predictionToClasses(new Float32Array(7), geom, 4, 4, seggptPalette(1)),
      /prediction has 7 values/,
    );
  });

  it('rejects a prediction of the wrong size', () => {
    assert.throws(
      () =>
        predictionToClassMap(
          new Float32Array(10),
          { inputH: 2, inputW: 2 },
          2,
          2,
          seggptPalette(1),
        ),
      RangeError,
    );
  });
});
