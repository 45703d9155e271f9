/** Image and mask loading: model-ready CHW tensors, prompt masks, class maps from mask files. */

import { readFile } from 'node:fs/promises';
import { decode, hasPngSignature, type DecodedPng } from 'fast-png';
import type sharpModule from 'sharp';
import type { SegGptGeometry } from './config';

/**
 * sharp, loaded on first use: importing this module stays cheap for the extension host.
 * `require`, not `import()`: the packaged extension ships sharp's CommonJS entry only.
 */
let sharpLoaded: typeof sharpModule | undefined;
function loadSharp(): typeof sharpModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  sharpLoaded ??= require('sharp') as typeof sharpModule;
  return sharpLoaded;
}

/** The model's input image size; a full `SegGptGeometry` will do. */
export type InputSize = Pick<SegGptGeometry, 'inputH' | 'inputW'>;

/** Per-channel RGB mean used to normalize model inputs (and to undo it on outputs). */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];

/** Per-channel RGB standard deviation used to normalize model inputs. */
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** Most pixels an input may have: sharp's own default `limitInputPixels` (16383²). */
export const MAX_INPUT_PIXELS = 0x3fff * 0x3fff;

/** Longest side an input may have: JPEG's own format limit, generous for any photo or scan. */
export const MAX_INPUT_SIDE = 65_535;

/** Thrown when an image or mask file cannot be read; the message is one line naming the file. */
export class ImageInputError extends Error {
  override readonly name = 'ImageInputError';
}

/** A normalized [3, inputH, inputW] tensor plus the source's size after EXIF orientation. */
export interface ImageTensor {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/** A per-pixel class-id map (row-major, one byte per pixel). */
export interface ClassMap {
  readonly classes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** The pixels and tables of a palette (colour type 3) PNG, indices unpacked to one byte each. */
export interface PalettePng extends ClassMap {
  /** RGB triplets, as many as the PLTE chunk holds. */
  readonly palette: Uint8Array;
  /** tEXt chunks, keyword → Latin-1 text. */
  readonly text: Record<string, string>;
}

// Accept-benign-warnings, reject-truncation: datasets often hold JPEGs with harmless libjpeg
// warnings, but a truncated file would silently load with a grey bottom.
const SHARP_OPTIONS = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated' } as const;

function labelOf(input: string | Uint8Array): string {
  return typeof input === 'string' ? `"${input}"` : 'image buffer';
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]?.trim() || 'unknown error';
}

function inputError(label: string, err: unknown): ImageInputError {
  if (err instanceof ImageInputError) return err;
  const e = new ImageInputError(`Cannot read image ${label}: ${firstLine(err)}`);
  e.cause = err;
  return e;
}

function checkSize(label: string, width: number | undefined, height: number | undefined): void {
  if (!width || !height) throw new ImageInputError(`Cannot read image ${label}: no image size`);
  if (width > MAX_INPUT_SIDE || height > MAX_INPUT_SIDE || width * height > MAX_INPUT_PIXELS) {
    throw new ImageInputError(
      `Image ${label} is ${width}×${height}, over the limit of ${MAX_INPUT_SIDE} pixels a side ` +
        `and ${MAX_INPUT_PIXELS} pixels in all`,
    );
  }
}

/** Reads only the header (without sharp's pixel limit, to say why) and refuses huge images. */
async function checkHeader(input: string | Uint8Array, label: string): Promise<string | undefined> {
  const sharp = loadSharp();
  const meta = await sharp(input, { limitInputPixels: false }).metadata();
  checkSize(label, meta.width, meta.height);
  return meta.format;
}

/** Table value → normalized value per channel: 3×256 entries, so the hot loop is a lookup. */
function normalizeTable(): Float32Array {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
  }
  return lut;
}

/**
 * Loads an image for the model: EXIF orientation, RGB (alpha dropped, as PIL's convert('RGB')),
 * resized to inputW×inputH ignoring aspect exactly as Pillow's BICUBIC, /255, ImageNet-normalized,
 * CHW. `width`/`height` are the oriented original size (for resizing the prediction back).
 */
export async function loadImageTensor(
  input: string | Uint8Array,
  geom: InputSize,
): Promise<ImageTensor> {
  const label = labelOf(input);
  try {
    await checkHeader(input, label);
    const sharp = loadSharp();
    const image = sharp(input, SHARP_OPTIONS);
    // Decode to plain RGB at full size, then resize in TS like Pillow. Alpha is dropped before
    // resampling, as PIL's convert('RGB') does (sharp resizes premultiplied). sharp's own cubic
    // upscales a quarter input pixel off Pillow's grid (at 2×) and its large-factor shrinks
    // differ by ~1 level; see resizeBicubicRgb.
    const rgb = await image
      .autoOrient()
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (rgb.info.channels !== 3) throw new Error(`decoded to ${rgb.info.channels} channels`);
    const { width, height } = rgb.info;
    const data = resizeBicubicRgb(rgb.data, width, height, geom.inputW, geom.inputH);
    const plane = geom.inputW * geom.inputH;
    const lut = normalizeTable();
    const out = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      out[i] = lut[data[i * 3]];
      out[plane + i] = lut[256 + data[i * 3 + 1]];
      out[2 * plane + i] = lut[512 + data[i * 3 + 2]];
    }
    return { data: out, width, height };
  } catch (err) {
    throw inputError(label, err);
  }
}

/**
 * Source index per output index for a nearest-neighbour resize, the way Pillow computes it: pixel
 * centres, x_in = trunc((x + 0.5) · in/out), with the position accumulated in floating point. At
 * exact ties that lands one lower than exact arithmetic would (6 → 9: out 4 reads in 2, not 3);
 * we keep Pillow's answer so prompt masks match the references pixel for pixel.
 */
function nearestIndices(inSize: number, outSize: number): Uint32Array {
  const scale = inSize / outSize;
  const idx = new Uint32Array(outSize);
  let pos = scale * 0.5;
  for (let i = 0; i < outSize; i++, pos += scale) idx[i] = Math.min(inSize - 1, Math.trunc(pos));
  return idx;
}

/** Nearest-neighbour resize of a one-byte-per-pixel map (class ids), sampling as Pillow does. */
export function resizeNearest(
  src: Uint8Array,
  inW: number,
  inH: number,
  outW: number,
  outH: number,
): Uint8Array {
  if (src.length !== inW * inH) {
    throw new RangeError(`map has ${src.length} pixels, expected ${inW}×${inH}`);
  }
  const out = new Uint8Array(outW * outH);
  const xs = nearestIndices(inW, outW);
  const ys = nearestIndices(inH, outH);
  for (let y = 0; y < outH; y++) {
    const row = y * outW;
    if (y > 0 && ys[y] === ys[y - 1]) {
      out.copyWithin(row, row - outW, row); // upscaling repeats rows: copy instead of resampling
      continue;
    }
    const srcRow = ys[y] * inW;
    for (let x = 0; x < outW; x++) out[row + x] = src[srcRow + xs[x]];
  }
  return out;
}

// Fixed-point weights as Pillow uses for 8-bit images: 32 − 8 − 2 bits, so a sum of 8-bit values
// times weights (whose absolute sum stays under ~1.2) fits in an int32.
const PRECISION_BITS = 22;

/** Keys cubic with a = −0.5 (Catmull-Rom), Pillow's BICUBIC filter; support 2. */
function cubic(t: number): number {
  const a = -0.5;
  const x = Math.abs(t);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Per output index: first source index, tap count and fixed-point weights (maxTaps per row). */
interface Taps {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly weights: Int32Array;
  readonly maxTaps: number;
}

/**
 * Antialiased bicubic taps: when shrinking, the kernel is stretched by the scale factor so every
 * source pixel contributes (what makes Pillow's resize "antialiased"); pixel centres aligned.
 */
function bicubicTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const inv = 1 / filterScale;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * maxTaps);
  const k = new Float64Array(maxTaps);
  for (let x = 0; x < outSize; x++) {
    const center = (x + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const n = Math.min(inSize, Math.trunc(center + support + 0.5)) - lo;
    let total = 0;
    for (let j = 0; j < n; j++) {
      k[j] = cubic((j + lo - center + 0.5) * inv);
      total += k[j];
    }
    for (let j = 0; j < n; j++) {
      const w = total !== 0 ? (k[j] / total) * (1 << PRECISION_BITS) : 0;
      weights[x * maxTaps + j] = Math.trunc(w < 0 ? w - 0.5 : w + 0.5);
    }
    first[x] = lo;
    count[x] = n;
  }
  return { first, count, weights, maxTaps };
}

function clip8(fixed: number): number {
  const v = fixed >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Resizes interleaved 8-bit RGB like Pillow's `resize(size, BICUBIC)`: separable, horizontal pass
 * first, each pass rounded to 8 bits, antialiased when shrinking. An axis whose size does not
 * change is left alone, as Pillow does.
 */
export function resizeBicubicRgb(
  src: Uint8Array,
  inW: number,
  inH: number,
  outW: number,
  outH: number,
): Uint8Array {
  if (src.length !== inW * inH * 3) {
    throw new RangeError(`image has ${src.length} bytes, expected ${inW}×${inH}×3`);
  }
  // A plain view of a Buffer (what sharp gives): the loops below then see one array type only,
  // which V8 runs about a quarter faster.
  const plain =
    src.constructor === Uint8Array ? src : new Uint8Array(src.buffer, src.byteOffset, src.length);
  let img = plain;
  if (outW !== inW) img = resizeRows(img, inW, inH, outW);
  if (outH !== inH) img = resizeColumns(img, outW * 3, inH, outH);
  return img === plain ? new Uint8Array(plain) : img;
}

/** The horizontal pass: each row of interleaved RGB from inW to outW pixels. */
function resizeRows(src: Uint8Array, inW: number, inH: number, outW: number): Uint8Array {
  const { first, count, weights, maxTaps } = bicubicTaps(inW, outW);
  const half = 1 << (PRECISION_BITS - 1); // rounds the fixed-point sum to nearest
  const out = new Uint8Array(outW * inH * 3);
  for (let y = 0; y < inH; y++) {
    const rowIn = y * inW * 3;
    let o = y * outW * 3;
    for (let x = 0; x < outW; x++) {
      let r = half;
      let g = half;
      let b = half;
      let p = rowIn + (first[x] as number) * 3;
      const end = x * maxTaps + (count[x] as number);
      for (let wi = x * maxTaps; wi < end; wi++, p += 3) {
        const w = weights[wi] as number;
        r += (src[p] as number) * w;
        g += (src[p + 1] as number) * w;
        b += (src[p + 2] as number) * w;
      }
      out[o++] = clip8(r);
      out[o++] = clip8(g);
      out[o++] = clip8(b);
    }
  }
  return out;
}

/** The vertical pass: rows of `stride` bytes, from inH rows to outH. */
function resizeColumns(src: Uint8Array, stride: number, inH: number, outH: number): Uint8Array {
  const { first, count, weights, maxTaps } = bicubicTaps(inH, outH);
  const half = 1 << (PRECISION_BITS - 1);
  const out = new Uint8Array(stride * outH);
  for (let y = 0; y < outH; y++) {
    const n = count[y] as number;
    const wb = y * maxTaps;
    const base = (first[y] as number) * stride;
    const o = y * stride;
    for (let i = 0; i < stride; i++) {
      let sum = half;
      for (let j = 0, p = base + i; j < n; j++, p += stride) {
        sum += (src[p] as number) * (weights[wb + j] as number);
      }
      out[o + i] = clip8(sum);
    }
  }
  return out;
}

/**
 * Turns a class-id map into the model's prompt-mask input: nearest-resized to inputW×inputH (on
 * the ids, which is the same as resizing the colour image), class id → palette colour, /255,
 * ImageNet-normalized, CHW. Binary masks need ids 0/1 with a black/white palette.
 */
export function promptMaskTensor(
  classMap: Uint8Array,
  width: number,
  height: number,
  palette: Uint8Array,
  geom: InputSize,
): Float32Array {
  const colours = Math.floor(palette.length / 3);
  const ids = resizeNearest(classMap, width, height, geom.inputW, geom.inputH);
  const lut = new Float32Array(colours * 3); // normalized colour per class
  for (let k = 0; k < colours; k++) {
    for (let c = 0; c < 3; c++) {
      lut[k * 3 + c] = (palette[k * 3 + c] / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
    }
  }
  const plane = ids.length;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    const k = ids[i];
    if (k >= colours) {
      throw new RangeError(`class id ${k} has no colour in a palette of ${colours}`);
    }
    out[i] = lut[k * 3];
    out[plane + i] = lut[k * 3 + 1];
    out[2 * plane + i] = lut[k * 3 + 2];
  }
  return out;
}

/** Unpacks 1/2/4-bit samples (rows padded to whole bytes) to one byte per sample. */
function unpackSamples(data: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  if (depth === 8) return data;
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = data[y * rowBytes + (bit >> 3)];
      out[y * width + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

// For EXIF orientation 2..8 as [base, dx, dy]: the stored index of displayed pixel (0, 0), and
// how the stored index moves for x' + 1 and for y' + 1 (±1 along a stored row, ±w across rows).
function orientationSteps(o: number, w: number, h: number): [number, number, number] {
  const last = (h - 1) * w;
  switch (o) {
    case 2:
      return [w - 1, -1, w]; // mirror left-right
    case 3:
      return [last + w - 1, -1, -w]; // rotate 180°
    case 4:
      return [last, 1, -w]; // mirror top-bottom
    case 5:
      return [0, w, 1]; // transpose
    case 6:
      return [last, -w, 1]; // rotate 90° clockwise
    case 7:
      return [last + w - 1, -w, -1]; // transverse
    default:
      return [w - 1, w, -1]; // 8: rotate 90° counter-clockwise
  }
}

/** Applies EXIF orientation 1..8 to a one-byte map; 5..8 swap width and height. */
export function orientMap(map: ClassMap, orientation: number): ClassMap {
  const { classes, width: w, height: h } = map;
  if (!Number.isInteger(orientation) || orientation < 2 || orientation > 8) return map;
  const [ow, oh] = orientation >= 5 ? [h, w] : [w, h];
  const [base, dx, dy] = orientationSteps(orientation, w, h);
  const out = new Uint8Array(w * h);
  for (let y = 0; y < oh; y++) {
    let src = base + y * dy;
    const row = y * ow;
    for (let x = 0; x < ow; x++, src += dx) out[row + x] = classes[src];
  }
  return { classes: out, width: ow, height: oh };
}

/** Reads width and height from a PNG's IHDR without decoding it (to refuse huge files early). */
function pngSize(bytes: Uint8Array): [number, number] {
  if (bytes.length < 24) return [0, 0];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

function decodePng(bytes: Uint8Array, label: string): DecodedPng {
  const [w, h] = pngSize(bytes);
  checkSize(label, w, h);
  const png = decode(bytes, { checkCrc: true });
  const expected = png.depth < 8 ? Math.ceil((w * png.depth) / 8) * h : w * h * png.channels;
  if (png.data.length !== expected) throw new Error('truncated pixel data');
  return png;
}

function isIndexed(png: DecodedPng): boolean {
  return png.palette !== undefined && png.channels === 1;
}

/** EXIF orientation of an encoded image per sharp (PNGs can carry an eXIf chunk); 1 if none. */
async function orientationOf(bytes: Uint8Array): Promise<number> {
  const sharp = loadSharp();
  return (await sharp(bytes, SHARP_OPTIONS).metadata()).orientation ?? 1;
}

/**
 * Reads a palette (colour type 3) PNG: its indices, palette and text, EXIF orientation applied.
 * Throws ImageInputError for an unreadable file or one without a palette.
 */
export async function readPalettePng(path: string): Promise<PalettePng> {
  const label = `"${path}"`;
  try {
    const bytes = await readFile(path);
    if (!hasPngSignature(bytes)) throw new Error('not a PNG file');
    const png = decodePng(bytes, label);
    if (!isIndexed(png) || !png.palette) throw new Error('not a palette PNG');
    const indices = unpackSamples(png.data as Uint8Array, png.width, png.height, png.depth);
    const palette = new Uint8Array(png.palette.length * 3);
    png.palette.forEach((rgb, i) => palette.set(rgb.slice(0, 3), i * 3));
    const map = { classes: indices, width: png.width, height: png.height };
    const oriented = orientMap(map, await orientationOf(bytes));
    return { ...oriented, palette, text: png.text };
  } catch (err) {
    throw inputError(label, err);
  }
}

/** 1 where any colour sample reaches `threshold`, else 0; alpha samples are ignored. */
function binarize(
  data: ArrayLike<number>,
  pixels: number,
  channels: number,
  colourChannels: number,
  threshold: number,
): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    let on = 0;
    for (let c = 0; c < colourChannels; c++) if (data[i * channels + c] >= threshold) on = 1;
    out[i] = on;
  }
  return out;
}

/**
 * Reads an existing mask file as a class map, EXIF orientation applied.
 * - Palette PNG: the palette indices are the class ids.
 * - Any other PNG (grey, grey+alpha, RGB, RGBA; 1–16 bits): binary, 0 where all colour samples
 *   are 0, else 1, so 0/1, 0/255 and 0/65535 masks all work; alpha is ignored.
 * - Other formats, decoded by sharp to 8-bit RGB: binary the same way, except JPEG, which is
 *   thresholded at mid-grey (≥ 128) because compression leaves black pixels slightly non-zero.
 */
export async function loadMaskClassMap(path: string): Promise<ClassMap> {
  const label = `"${path}"`;
  try {
    const bytes = await readFile(path);
    if (hasPngSignature(bytes)) {
      const png = decodePng(bytes, label);
      const { width, height, channels } = png;
      let map: Uint8Array;
      if (isIndexed(png)) {
        map = unpackSamples(png.data as Uint8Array, width, height, png.depth);
      } else if (png.depth < 8) {
        const grey = unpackSamples(png.data as Uint8Array, width, height, png.depth); // grey only
        map = binarize(grey, width * height, 1, 1, 1);
      } else {
        map = binarize(png.data, width * height, channels, channels <= 2 ? 1 : 3, 1);
      }
      return orientMap({ classes: map, width, height }, await orientationOf(bytes));
    }
    const format = await checkHeader(bytes, label);
    const sharp = loadSharp();
    const image = sharp(bytes, SHARP_OPTIONS);
    const { data, info } = await image
      .autoOrient()
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const threshold = format === 'jpeg' ? 128 : 1;
    const pixels = info.width * info.height;
    const classes = binarize(data, pixels, info.channels, Math.min(info.channels, 3), threshold);
    return { classes, width: info.width, height: info.height };
  } catch (err) {
    throw inputError(label, err);
  }
}
