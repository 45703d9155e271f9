/**
 * A sample dataset and a tiny random SegGPT model, so the product and its tests run anywhere in
 * seconds: folders of synthetic "cell" images (coloured discs), a few hand-made masks, a prompt
 * set and classes in `.seggpt/`, and workspace settings that point at the model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { parseConfig } from '../src/engine/config';
import { convertModel } from '../src/engine/convert';
import { encodeMaskPng } from '../src/engine/maskFile';
import { humanProvenance } from '../src/engine/provenance';
import { mulberry32, RandomWeights } from '../src/engine/randomWeights';

/** The repository root (works from `scripts/` and `out/scripts/`). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** Where the tiny model is kept: `.cache/models/seggpt-tiny-random.onnx`. */
export function tinyModelFile(): string {
  return path.join(repoRoot(), '.cache', 'models', 'seggpt-tiny-random.onnx');
}

/**
 * Builds the tiny model (the fixture config: 64×64 input, random weights, seed 3) unless it is
 * there already; returns its path. Conversion takes well under a second.
 */
export async function ensureTinyModel(out: string = tinyModelFile()): Promise<string> {
  if (fs.existsSync(out)) return out;
  const configPath = path.join(
    repoRoot(),
    'test',
    'fixtures',
    'seggpt-tiny-reference',
    'config.json',
  );
  const config = parseConfig(JSON.parse(fs.readFileSync(configPath, 'utf8')));
  await convertModel({
    config,
    weights: new RandomWeights(config, 3),
    outPath: out,
    precision: 'fp32',
  });
  return out;
}

/** One disc in a picture: centre, radius. */
interface Disc {
  readonly x: number;
  readonly y: number;
  readonly r: number;
}

/** Default size of the sample pictures. */
const DEFAULT_SIZE: readonly [number, number] = [160, 120];

function discs(rand: () => number, W: number, H: number): Disc[] {
  const n = 2 + Math.floor(rand() * 4);
  return Array.from({ length: n }, () => ({
    x: 15 + rand() * (W - 30),
    y: 15 + rand() * (H - 30),
    r: (8 + rand() * 14) * (W / 160),
  }));
}

function inside(ds: readonly Disc[], x: number, y: number): boolean {
  return ds.some((d) => (x + 0.5 - d.x) ** 2 + (y + 0.5 - d.y) ** 2 <= d.r * d.r);
}

/** Writes one picture (and, when asked, its mask as a person would have drawn it). */
async function writePicture(
  file: string,
  seed: number,
  withMask: string | undefined,
  [W, H]: readonly [number, number],
): Promise<void> {
  const rand = mulberry32(seed);
  const ds = discs(rand, W, H);
  const rgb = Buffer.alloc(W * H * 3);
  const ids = new Uint8Array(W * H);
  const tint = Math.floor(rand() * 40);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const on = inside(ds, x, y);
      const noise = Math.floor(rand() * 12);
      const px = on
        ? [200 + noise, 60 + tint, 90 + noise]
        : [30 + noise, 40 + tint + (x >> 3), 70 + (y >> 2)];
      rgb.set(px, (y * W + x) * 3);
      ids[y * W + x] = on ? 1 : 0;
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toFile(file);
  if (withMask) {
    fs.writeFileSync(withMask, await encodeMaskPng(ids, W, H, undefined, humanProvenance()));
  }
}

/** What to generate. */
export interface SampleOptions {
  /** Folders and how many pictures each holds; the first `masked` of each get a person's mask. */
  readonly folders: readonly {
    name: string;
    images: number;
    masked?: number;
    /** Width and height (default 160×120). */
    size?: readonly [number, number];
  }[];
  /** The model the workspace settings point at (absolute). */
  readonly modelPath?: string;
  /** Prompt set made of the first picture of the first folder (default true). */
  readonly prompt?: boolean;
  /** Extra workspace settings. */
  readonly settings?: Record<string, unknown>;
}

/** The layout the README and `npm start` use. */
export const DEFAULT_SAMPLE: SampleOptions = {
  folders: [
    { name: 'cells/train', images: 8, masked: 2 },
    { name: 'cells/val', images: 12 },
    { name: 'cells/test', images: 6 },
  ],
};

/** Writes the sample dataset into `dir` (emptied first); returns the picture paths. */
export async function writeSampleDataset(
  dir: string,
  opts: SampleOptions = DEFAULT_SAMPLE,
): Promise<string[]> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  let seed = 1;
  for (const folder of opts.folders) {
    for (let i = 1; i <= folder.images; i++) {
      const name = `${String(i).padStart(2, '0')}.png`;
      const file = path.join(dir, folder.name, name);
      const mask =
        i <= (folder.masked ?? 0)
          ? path.join(dir, folder.name, `${String(i).padStart(2, '0')}_mask.png`)
          : undefined;
      await writePicture(file, seed++, mask, folder.size ?? DEFAULT_SIZE);
      written.push(file);
    }
  }
  const first = opts.folders[0];
  const meta = path.join(dir, '.seggpt');
  fs.mkdirSync(meta, { recursive: true });
  if ((opts.prompt ?? true) && first && (first.masked ?? 0) > 0) {
    const rel = `${first.name}/01`;
    const prompts = {
      version: 1,
      active: 'cells',
      sets: [
        {
          name: 'cells',
          mode: 'semantic',
          pairs: [{ image: `${rel}.png`, mask: `${rel}_mask.png` }],
        },
      ],
    };
    fs.writeFileSync(path.join(meta, 'prompts.json'), `${JSON.stringify(prompts, null, 2)}\n`);
  }
  const classes = { classes: [{ id: 1, name: 'cell', color: '#800000' }] };
  fs.writeFileSync(path.join(meta, 'classes.json'), `${JSON.stringify(classes, null, 2)}\n`);
  const settings = {
    ...(opts.modelPath ? { 'seggpt.modelPath': opts.modelPath } : {}),
    ...opts.settings,
  };
  if (Object.keys(settings).length) {
    fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, '.vscode', 'settings.json'),
      `${JSON.stringify(settings, null, 2)}\n`,
    );
  }
  return written;
}
