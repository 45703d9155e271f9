/**
 * The image behind a mask document: its size as displayed (EXIF orientation applied) and a file a
 * webview can show. Browsers cannot show TIFF, so TIFFs are converted once to a cached PNG.
 * sharp loads lazily, on the first image opened.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { ImageInputError, MAX_INPUT_PIXELS } from '../engine/imageInput';

/** An image ready for the editor. */
export interface ImageSource {
  readonly width: number;
  readonly height: number;
  /** The file the webview loads: the image itself, or a PNG copy of a TIFF. */
  readonly displayPath: string;
  /** Changes when the file changes, for cache-busting URI queries. */
  readonly version: string;
}

const NEEDS_CONVERSION = new Set(['.tif', '.tiff']);

/** sharp on first use; `require` because the packaged extension ships its CommonJS entry only. */
async function loadSharp(): Promise<typeof import('sharp')> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('sharp') as typeof import('sharp');
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
}

/** Reads an image's header; `cacheDir` receives PNG copies of TIFFs. ImageInputError on failure. */
export async function openImageSource(imagePath: string, cacheDir: string): Promise<ImageSource> {
  const label = `"${imagePath}"`;
  try {
    const sharp = await loadSharp();
    const info = await stat(imagePath);
    const meta = await sharp(imagePath, { limitInputPixels: false }).metadata();
    if (!meta.width || !meta.height) throw new Error('no image size');
    if (meta.width * meta.height > MAX_INPUT_PIXELS) {
      throw new Error(
        `${meta.width}×${meta.height} is over the limit of ${MAX_INPUT_PIXELS} pixels`,
      );
    }
    // EXIF orientations 5–8 turn the image a quarter: width and height swap.
    const turned = (meta.orientation ?? 1) >= 5;
    const width = turned ? meta.height : meta.width;
    const height = turned ? meta.width : meta.height;
    const version = `${info.mtimeMs.toFixed(0)}-${info.size}`;
    if (!NEEDS_CONVERSION.has(path.extname(imagePath).toLowerCase())) {
      return { width, height, displayPath: imagePath, version };
    }
    const key = createHash('sha1').update(imagePath).update(version).digest('hex').slice(0, 20);
    const displayPath = path.join(cacheDir, `${key}.png`);
    if (!(await stat(displayPath).catch(() => undefined))) {
      await mkdir(cacheDir, { recursive: true });
      const tmp = `${displayPath}.${process.pid}.tmp`;
      try {
        await sharp(imagePath, { limitInputPixels: false })
          .autoOrient()
          .png({ compressionLevel: 1 })
          .toFile(tmp);
        await rename(tmp, displayPath);
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    }
    return { width, height, displayPath, version };
  } catch (err) {
    if (err instanceof ImageInputError) throw err;
    throw new ImageInputError(`Cannot open image ${label}: ${firstLine(err)}`, { cause: err });
  }
}
