/** Synthetic test images and masks: coloured discs on a background, written with sharp. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { encodeMaskPng } from '../../src/engine/maskFile';

/** A filled disc: centre and radius in pixels, and the class id it stands for in masks. */
export interface Disc {
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
  /** Class id in masks (default 1). */
  readonly id?: number;
  /** RGB colour in images (default a red). */
  readonly colour?: readonly [number, number, number];
}

/** A scene: size, background colour and the discs drawn on it (later ones on top). */
export interface Scene {
  readonly width: number;
  readonly height: number;
  readonly background?: readonly [number, number, number];
  readonly discs?: readonly Disc[];
}

/** One disc centred in the image, radius a quarter of the shorter side. */
export function centredDisc(width: number, height: number, id = 1): Scene {
  return {
    width,
    height,
    discs: [{ cx: width / 2, cy: height / 2, r: Math.min(width, height) / 4, id }],
  };
}

function inside(d: Disc, x: number, y: number): boolean {
  const dx = x + 0.5 - d.cx;
  const dy = y + 0.5 - d.cy;
  return dx * dx + dy * dy <= d.r * d.r;
}

/** The scene's class-id map (0 = background), row-major, one byte per pixel. */
export function sceneClassMap(scene: Scene): Uint8Array {
  const out = new Uint8Array(scene.width * scene.height);
  for (let y = 0; y < scene.height; y++) {
    for (let x = 0; x < scene.width; x++) {
      for (const d of scene.discs ?? []) if (inside(d, x, y)) out[y * scene.width + x] = d.id ?? 1;
    }
  }
  return out;
}

/** The scene's RGB pixels, with a gentle gradient on the background so images are not flat. */
export function sceneRgb(scene: Scene): Buffer {
  const { width, height } = scene;
  const bg = scene.background ?? [40, 90, 60];
  const out = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let c: readonly number[] = [
        bg[0],
        Math.min(255, bg[1] + Math.round((40 * x) / width)),
        Math.min(255, bg[2] + Math.round((40 * y) / height)),
      ];
      for (const d of scene.discs ?? []) if (inside(d, x, y)) c = d.colour ?? [220, 40, 30];
      out.set(c, (y * width + x) * 3);
    }
  }
  return out;
}

/** Writes the scene as an image; the format follows the extension (.jpg/.jpeg, .png, .webp). */
export async function writeSceneImage(file: string, scene: Scene): Promise<string> {
  const img = sharp(sceneRgb(scene), {
    raw: { width: scene.width, height: scene.height, channels: 3 },
  });
  const ext = path.extname(file).toLowerCase();
  const encoded =
    ext === '.png' ? img.png() : ext === '.webp' ? img.webp() : img.jpeg({ quality: 92 });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await encoded.toFile(file);
  return file;
}

/** Writes the scene's mask as a plain 8-bit greyscale PNG: 0 background, 255 any disc. */
export async function writeBinaryMask(file: string, scene: Scene): Promise<string> {
  const ids = sceneClassMap(scene);
  const grey = Buffer.from(ids.map((v) => (v ? 255 : 0)));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(grey, { raw: { width: scene.width, height: scene.height, channels: 1 } })
    .png()
    .toFile(file);
  return file;
}

/** Writes the scene's class ids as an 8-bit palette PNG (VOC colours), as the engine does. */
export async function writePaletteMask(
  file: string,
  scene: Scene,
  text?: Record<string, string>,
): Promise<string> {
  const png = await encodeMaskPng(sceneClassMap(scene), scene.width, scene.height, undefined, text);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, png);
  return file;
}

const tempDirs: string[] = [];

/** A fresh temp folder; removed when the process exits (if not removed earlier). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `seggpt-${prefix}-`));
  if (tempDirs.length === 0) {
    process.once('exit', () => {
      for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
    });
  }
  tempDirs.push(dir);
  return dir;
}

/** Reads a PNG's IHDR: width, height, bit depth and colour type (3 = palette). */
export function pngHeader(file: string): {
  width: number;
  height: number;
  depth: number;
  colourType: number;
} {
  const b = fs.readFileSync(file);
  if (b.length < 29 || b.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error(`${file}: not a PNG with an IHDR chunk`);
  }
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), depth: b[24], colourType: b[25] };
}
