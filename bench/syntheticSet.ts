/**
 * Synthetic image sets for the bench: coloured shapes on textured backgrounds, written with sharp.
 * Discs are the "object" (class 1 in masks); rectangles and triangles are distractors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { encodeMaskPng } from '../src/engine/maskFile';
import { mulberry32 } from '../src/engine/randomWeights';

/** A prompt pair and query images, all on disk. */
export interface SyntheticSet {
  readonly promptImage: string;
  /** Palette PNG, class 1 = discs. */
  readonly promptMask: string;
  readonly images: readonly string[];
}

type Rgb = readonly [number, number, number];

interface Shape {
  readonly kind: 'disc' | 'rect' | 'triangle';
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
  readonly colour: Rgb;
}

/** Image sizes cycled through (width × height), like a folder of mixed photos. */
const SIZES: readonly (readonly [number, number])[] = [
  [640, 480],
  [512, 512],
  [800, 600],
  [480, 640],
];

function inside(s: Shape, x: number, y: number): boolean {
  const dx = x + 0.5 - s.cx;
  const dy = y + 0.5 - s.cy;
  if (s.kind === 'disc') return dx * dx + dy * dy <= s.r * s.r;
  if (s.kind === 'rect') return Math.abs(dx) <= s.r && Math.abs(dy) <= s.r * 0.6;
  // Upward triangle of height 2r and base 2r.
  return dy <= s.r && dy >= -s.r && Math.abs(dx) <= (dy + s.r) / 2;
}

/** Pixels (RGB) and class ids of one scene drawn from `seed`. */
export function renderScene(
  seed: number,
  width: number,
  height: number,
): { rgb: Buffer; classes: Uint8Array } {
  const rand = mulberry32(seed * 7919 + 17);
  const pick = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  const bg: Rgb = [pick(40, 160), pick(40, 160), pick(40, 160)];
  const angle = pick(0, Math.PI);
  const freq = pick(0.02, 0.12);
  const side = Math.min(width, height);
  const shapes: Shape[] = [];
  const discs = 1 + Math.floor(rand() * 3);
  const others = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < discs + others; i++) {
    const kind = i < discs ? 'disc' : rand() < 0.5 ? 'rect' : 'triangle';
    const warm: Rgb = [pick(190, 255), pick(20, 90), pick(20, 70)];
    const cool: Rgb = [pick(20, 90), pick(90, 200), pick(150, 255)];
    shapes.push({
      kind,
      cx: pick(0.15, 0.85) * width,
      cy: pick(0.15, 0.85) * height,
      r: pick(0.06, 0.18) * side,
      colour: kind === 'disc' ? warm : cool,
    });
  }
  const rgb = Buffer.alloc(width * height * 3);
  const classes = new Uint8Array(width * height);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // Texture: stripes plus per-pixel noise, so images do not compress to nothing.
      const stripe = 28 * Math.sin(freq * (x * cos + y * sin));
      let c: readonly number[] = bg.map((v) => v + stripe + (rand() - 0.5) * 40);
      for (const s of shapes) {
        if (inside(s, x, y)) {
          c = s.colour.map((v) => v + (rand() - 0.5) * 16);
          classes[i] = s.kind === 'disc' ? 1 : 0;
        }
      }
      rgb[3 * i] = Math.max(0, Math.min(255, Math.round(c[0] as number)));
      rgb[3 * i + 1] = Math.max(0, Math.min(255, Math.round(c[1] as number)));
      rgb[3 * i + 2] = Math.max(0, Math.min(255, Math.round(c[2] as number)));
    }
  }
  return { rgb, classes };
}

async function writeJpeg(file: string, rgb: Buffer, width: number, height: number): Promise<void> {
  await sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(file);
}

/**
 * Writes a prompt (image + palette mask) and `count` query JPEGs into `dir` (sizes vary).
 * With `distinct` < count, only that many scenes are drawn and the rest are copies (fast for
 * large folders; decoding cost is the same).
 */
export async function writeSyntheticSet(
  dir: string,
  count: number,
  opts: { seed?: number; distinct?: number; sizes?: readonly (readonly [number, number])[] } = {},
): Promise<SyntheticSet> {
  const seed = opts.seed ?? 1;
  const sizes = opts.sizes ?? SIZES;
  fs.mkdirSync(path.join(dir, 'prompt'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  const [pw, ph] = sizes[0] as readonly [number, number];
  const prompt = renderScene(seed, pw, ph);
  const promptImage = path.join(dir, 'prompt', 'prompt.jpg');
  const promptMask = path.join(dir, 'prompt', 'prompt_mask.png');
  await writeJpeg(promptImage, prompt.rgb, pw, ph);
  fs.writeFileSync(promptMask, await encodeMaskPng(prompt.classes, pw, ph));
  const distinct = Math.max(1, Math.min(count, opts.distinct ?? count));
  const images: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, 'images', `img_${String(i).padStart(5, '0')}.jpg`);
    if (i < distinct) {
      const [w, h] = sizes[i % sizes.length] as readonly [number, number];
      const scene = renderScene(seed + 1 + i, w, h);
      await writeJpeg(file, scene.rgb, w, h);
    } else {
      fs.copyFileSync(images[i % distinct] as string, file);
    }
    images.push(file);
  }
  return { promptImage, promptMask, images };
}
