/** The bench's query: deterministic random normalized inputs for one prompt and one image. */
import { geometryOf, type SegGptConfig } from '../src/engine/config';
import { IMAGENET_MEAN, IMAGENET_STD } from '../src/engine/imageInput';
import { mulberry32 } from '../src/engine/randomWeights';
import type { ModelBatch } from '../src/engine/segGptSession';

/** One query of random normalized inputs: rows 1, one prompt, instance. */
export function makeQuery(config: SegGptConfig, seed: number): ModelBatch {
  const { inputH: h, inputW: w } = geometryOf(config);
  const plane = h * w;
  const rand = mulberry32(seed ^ 0x5eed);
  const image = (): Float32Array => {
    const out = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < plane; i++) {
        out[c * plane + i] = (rand() - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
      }
    }
    return out;
  };
  // A binary mask (black / white) in blocks of 32 pixels, normalized like the engine's masks.
  const mask = new Float32Array(3 * plane);
  const cell = 32;
  const on = new Map<number, boolean>();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const key = Math.floor(y / cell) * 1e6 + Math.floor(x / cell);
      let v = on.get(key);
      if (v === undefined) {
        v = rand() < 0.5;
        on.set(key, v);
      }
      for (let c = 0; c < 3; c++) {
        mask[c * plane + y * w + x] = ((v ? 1 : 0) - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
      }
    }
  }
  return {
    pixelValues: image(),
    promptPixelValues: image(),
    promptMasks: mask,
    rows: 1,
    semantic: false,
    ensembleSize: 1,
  };
}
