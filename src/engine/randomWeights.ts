/** Random SegGPT weights of the real architecture, for tests and speed measurements. */
import type { SegGptConfig } from './config';
import { expectedTensors, type TensorInfo, type WeightSource } from './weights';

/** A small, fast, seedable PRNG (mulberry32) returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Weights drawn per tensor from a seeded generator: linear and conv weights uniform with the
 * variance 1/fan_in, LayerNorm scales near 1, everything else small, so activations stay in a
 * realistic range through all blocks. Each tensor's values depend only on (seed, name).
 */
export class RandomWeights implements WeightSource {
  private readonly shapes: Map<string, number[]>;

  constructor(
    config: SegGptConfig,
    private readonly seed: number,
  ) {
    this.shapes = expectedTensors(config);
  }

  tensors(): readonly TensorInfo[] {
    return [...this.shapes].map(([name, shape]) => ({ name, dtype: 'F32', shape }));
  }

  async readF32(name: string): Promise<Float32Array> {
    const shape = this.shapes.get(name);
    if (!shape) throw new Error(`random weights have no tensor "${name}"`);
    const n = shape.reduce((a, b) => a * b, 1);
    const rand = mulberry32(this.seed ^ hash(name));
    const out = new Float32Array(n);
    const isNormScale = /(layernorm[^.]*|layernorm)\.weight$/.test(name);
    const fanIn = shape.length >= 2 ? n / (shape[0] as number) : 1;
    // Uniform on [−r, r] has variance r²/3.
    const r = isNormScale
      ? 0.1
      : shape.length >= 2 && !name.includes('rel_pos') && !name.includes('position')
        ? Math.sqrt(3 / fanIn)
        : 0.5;
    const base = isNormScale ? 1 : 0;
    for (let i = 0; i < n; i++) out[i] = base + (2 * rand() - 1) * r;
    return out;
  }

  async close(): Promise<void> {}
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
