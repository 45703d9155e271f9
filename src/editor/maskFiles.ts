/**
 * Reading and writing the mask behind a mask document, with the engine's mask IO. No `vscode`
 * import: the provider passes paths in.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadMaskClassMap } from '../engine/imageInput';
import { readMaskPng, writeMaskFile } from '../engine/maskFile';
import { humanProvenance } from '../engine/provenance';
import { emptyMask, type MaskBuffer } from '../protocol/maskBuffer';

/** A mask as loaded for editing. */
export interface LoadedMask {
  readonly mask: MaskBuffer;
  /** Whether the file exists (otherwise the mask is new and empty). */
  readonly exists: boolean;
  /** The file's own palette, kept on save (palette PNGs only). */
  readonly palette?: Uint8Array;
  /** Set when the file is not a palette PNG: saving will convert it. */
  readonly notice?: string;
}

/** What identifies one version of a file on disk (an atomic write gives a new inode). */
export interface DiskStamp {
  readonly mtimeMs: number;
  readonly size: number;
  readonly ino: number;
}

/** Thrown when a mask does not fit its image. */
export class MaskMismatchError extends Error {
  override readonly name = 'MaskMismatchError';
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The file's stamp, or undefined when there is no file. */
export async function diskStamp(path: string): Promise<DiskStamp | undefined> {
  try {
    const s = await stat(path);
    return { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino };
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Whether two stamps name the same file version. */
export function sameStamp(a: DiskStamp | undefined, b: DiskStamp | undefined): boolean {
  if (!a || !b) return a === b;
  return a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino;
}

/**
 * Loads the mask of a width × height image: a palette PNG as it is; any other mask file (grey,
 * RGB, JPEG…) as a binary mask, with a notice; no file: an empty mask. Throws MaskMismatchError
 * when the mask's size differs from the image's, ImageInputError when it cannot be read.
 */
export async function loadMask(path: string, width: number, height: number): Promise<LoadedMask> {
  if (!(await diskStamp(path))) return { mask: emptyMask(width, height), exists: false };
  let loaded: LoadedMask;
  try {
    const png = await readMaskPng(path);
    loaded = {
      mask: { width: png.width, height: png.height, data: png.classes },
      exists: true,
      palette: png.palette,
    };
  } catch {
    const map = await loadMaskClassMap(path);
    loaded = {
      mask: { width: map.width, height: map.height, data: map.classes },
      exists: true,
      notice:
        'This mask is not a palette PNG: it was read as a binary mask, and saving writes it as a palette PNG.',
    };
  }
  const { mask } = loaded;
  if (mask.width !== width || mask.height !== height) {
    throw new MaskMismatchError(
      `The mask "${path}" is ${mask.width}×${mask.height} but its image is ${width}×${height}; fix or move the mask file to edit this image.`,
    );
  }
  return loaded;
}

/** Writes the mask atomically as a palette PNG marked as a person's work; returns its stamp. */
export async function saveMask(
  path: string,
  mask: MaskBuffer,
  palette: Uint8Array | undefined,
): Promise<DiskStamp | undefined> {
  await mkdir(dirname(path), { recursive: true });
  await writeMaskFile(path, mask.data, mask.width, mask.height, {
    overwrite: true,
    palette,
    textChunks: humanProvenance(),
  });
  return diskStamp(path);
}
