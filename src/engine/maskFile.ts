/** Mask files: 8-bit palette PNGs (class id = palette index), written atomically, with tEXt notes. */

import { encode } from 'fast-png';
import { writeFileAtomic } from './atomicWrite';
import { readPalettePng, type InputSize, type PalettePng } from './imageInput';
import { vocPalette } from './palette';
import { predictionToClasses } from './predictionOutput';

/** Options for writing a mask file. */
export interface WriteMaskOptions {
  readonly overwrite: boolean;
  /** RGB triplets for ids 0.., at most 256; missing entries are filled from the VOC map. */
  readonly palette?: Uint8Array;
  /** Stored as PNG tEXt chunks (e.g. provenance `seggpt:source` = `model`). */
  readonly textChunks?: Record<string, string>;
}

/** A full 256-colour PLTE: the given colours first, the VOC colour map for the rest. */
function fullPalette(palette: Uint8Array): number[][] {
  if (palette.length % 3 !== 0 || palette.length > 256 * 3) {
    throw new RangeError(`palette must be up to 256 RGB triplets, got ${palette.length} bytes`);
  }
  const voc = vocPalette();
  const out: number[][] = [];
  for (let i = 0; i < 256; i++) {
    const src = i * 3 < palette.length ? palette : voc;
    out.push([src[i * 3], src[i * 3 + 1], src[i * 3 + 2]]);
  }
  return out;
}

// tEXt is Latin-1 only: other characters (say, a Japanese file name in provenance) are written as
// \u{hex} escapes rather than failing the whole mask write.
function latin1(text: string): string {
  return text.replace(/[\u0100-\u{10ffff}]/gu, (ch) => `\\u{${ch.codePointAt(0)?.toString(16)}}`);
}

/** PNG keywords: 1–79 printable Latin-1 characters, no leading, trailing or double spaces. */
function isKeyword(key: string): boolean {
  const printable = [...key].every((ch) => {
    const c = ch.codePointAt(0) ?? 0;
    return (c >= 0x20 && c <= 0x7e) || (c >= 0xa1 && c <= 0xff);
  });
  return (
    printable && key.length >= 1 && key.length <= 79 && key.trim() === key && !key.includes('  ')
  );
}

function checkedText(text: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(text)) {
    if (!isKeyword(key)) throw new RangeError(`"${key}" is not a valid PNG text keyword`);
    out[key] = latin1(value);
  }
  return out;
}

/** What a folder job's mask file is made from: a prediction, the query's size, the prompt's palette. */
export interface MaskRequest {
  /** One query's prediction at model resolution (see Segmenter.predict). */
  readonly pred: Float32Array;
  readonly width: number;
  readonly height: number;
  /** The prompt's colours (class id → RGB) that the prediction's pixels are matched against. */
  readonly palette: Uint8Array;
  /** tEXt chunks of the file. */
  readonly text: Record<string, string>;
}

/**
 * A mask file's bytes from one query's prediction: its class ids at the query's size (see
 * predictionToClasses) in a PNG with the default palette.
 */
export async function predictionMaskPng(req: MaskRequest, geom: InputSize): Promise<Uint8Array> {
  const classes = predictionToClasses(req.pred, geom, req.width, req.height, req.palette);
  return encodeMaskPng(classes, req.width, req.height, undefined, req.text);
}

/** Encodes a class-id map as an 8-bit indexed PNG with a 256-colour PLTE and optional tEXt. */
export async function encodeMaskPng(
  classes: Uint8Array,
  width: number,
  height: number,
  palette: Uint8Array = vocPalette(),
  text?: Record<string, string>,
): Promise<Uint8Array> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`mask size must be positive integers, got ${width}×${height}`);
  }
  if (classes.length !== width * height) {
    throw new RangeError(`mask has ${classes.length} pixels, expected ${width}×${height}`);
  }
  return encode({
    width,
    height,
    data: classes,
    depth: 8,
    channels: 1,
    palette: fullPalette(palette),
    text: text ? checkedText(text) : undefined,
  });
}

/** Encodes and atomically writes a mask PNG; MaskExistsError if it exists and !overwrite. */
export async function writeMaskFile(
  path: string,
  classes: Uint8Array,
  width: number,
  height: number,
  opts: WriteMaskOptions,
): Promise<void> {
  const png = await encodeMaskPng(classes, width, height, opts.palette, opts.textChunks);
  await writeFileAtomic(path, png, { overwrite: opts.overwrite });
}

/** Reads a palette PNG mask: ids, size, its palette (RGB triplets) and tEXt; ImageInputError else. */
export async function readMaskPng(path: string): Promise<PalettePng> {
  return readPalettePng(path);
}
