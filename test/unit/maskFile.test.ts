import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { MaskExistsError } from '../../src/engine/atomicWrite';
import { ImageInputError, loadMaskClassMap } from '../../src/engine/imageInput';
import { encodeMaskPng, readMaskPng, writeMaskFile } from '../../src/engine/maskFile';
import { seggptPalette, vocPalette } from '../../src/engine/palette';

/** Chunk types in order, with their data lengths. */
function chunks(png: Uint8Array): [string, number][] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: [string, number][] = [];
  for (let o = 8; o < png.length;) {
    const len = view.getUint32(o);
    out.push([String.fromCharCode(...png.subarray(o + 4, o + 8)), len]);
    o += 12 + len;
  }
  return out;
}

describe('maskFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seggpt-mask-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const w = 7;
  const h = 3;
  const classes = Uint8Array.from({ length: w * h }, (_, i) => [0, 1, 2, 15, 255][i % 5]);

  it('encodes an 8-bit palette PNG with a 256-colour PLTE', async () => {
    const png = await encodeMaskPng(classes, w, h);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    assert.equal(view.getUint32(16), w);
    assert.equal(view.getUint32(20), h);
    assert.equal(png[24], 8); // bit depth
    assert.equal(png[25], 3); // colour type 3: indexed
    assert.deepEqual(
      chunks(png).map(([t]) => t),
      ['IHDR', 'PLTE', 'IDAT', 'IEND'],
    );
    assert.equal(chunks(png)[1]?.[1], 768);
    const meta = await sharp(png).metadata();
    assert.equal(meta.isPalette, true);
    assert.deepEqual([meta.width, meta.height], [w, h]);
    // the VOC colours come out when sharp expands the palette
    const rgb = await sharp(png).removeAlpha().raw().toBuffer();
    assert.deepEqual([...rgb.subarray(9, 12)], [192, 128, 128]); // pixel 3 = id 15
    assert.deepEqual([...rgb.subarray(12, 15)], [224, 224, 192]); // pixel 4 = id 255
  });

  it('writes, then reads back ids, palette and text chunks', async () => {
    const file = join(dir, 'mask.png');
    const palette = seggptPalette(2);
    await writeMaskFile(file, classes, w, h, {
      overwrite: false,
      palette,
      textChunks: { 'seggpt:source': 'model', 'seggpt:prompt': 'ねこ.png' },
    });
    assert.deepEqual(await readdir(dir), ['mask.png']);
    const back = await readMaskPng(file);
    assert.deepEqual([back.width, back.height], [w, h]);
    assert.deepEqual(back.classes, classes);
    assert.equal(back.palette.length, 768);
    assert.deepEqual(back.palette.subarray(0, 9), palette);
    assert.deepEqual(back.palette.subarray(9), vocPalette().subarray(9)); // VOC fills the rest
    assert.equal(back.text['seggpt:source'], 'model');
    assert.equal(back.text['seggpt:prompt'], '\\u{306d}\\u{3053}.png'); // tEXt is Latin-1 only
    assert.deepEqual((await loadMaskClassMap(file)).classes, classes);
  });

  it('round-trips a large mask, in a buffer of its own (safe to transfer to a thread)', async () => {
    const [W, H] = [4000, 3000];
    const big = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) big[y * W + x] = ((x >> 7) + (y >> 6)) % 7;
    }
    const file = join(dir, 'big.png');
    await writeMaskFile(file, big, W, H, { overwrite: false });
    const back = await readMaskPng(file);
    assert.deepEqual([back.width, back.height], [W, H]);
    assert.ok(Buffer.from(back.classes).equals(Buffer.from(big)), 'ids differ after a round trip');
    const meta = await sharp(file).metadata();
    assert.deepEqual([meta.width, meta.height, meta.isPalette], [W, H, true]);
    for (const png of [await encodeMaskPng(big, W, H), await encodeMaskPng(classes, w, h)]) {
      assert.equal(png.byteOffset, 0);
      assert.equal(png.byteLength, png.buffer.byteLength);
    }
  });

  it('never overwrites without the flag, does with it', async () => {
    const file = join(dir, 'twice.png');
    await writeMaskFile(file, classes, w, h, { overwrite: false });
    const zeros = new Uint8Array(w * h);
    await assert.rejects(writeMaskFile(file, zeros, w, h, { overwrite: false }), MaskExistsError);
    assert.deepEqual((await readMaskPng(file)).classes, classes);
    await writeMaskFile(file, zeros, w, h, { overwrite: true });
    assert.deepEqual((await readMaskPng(file)).classes, zeros);
  });

  it('rejects bad sizes, palettes and keywords', async () => {
    await assert.rejects(encodeMaskPng(classes, w, h + 1), RangeError);
    await assert.rejects(encodeMaskPng(classes, w, h, new Uint8Array(4)), RangeError);
    await assert.rejects(encodeMaskPng(classes, w, h, undefined, { ' lead': 'x' }), /keyword/);
    await assert.rejects(encodeMaskPng(classes, w, h, undefined, { '': 'x' }), /keyword/);
  });

  it('readMaskPng refuses non-palette and corrupt files with ImageInputError', async () => {
    const rgb = join(dir, 'rgb.png');
    await sharp({ create: { width: 2, height: 2, channels: 3, background: 'red' } })
      .png()
      .toFile(rgb);
    await assert.rejects(readMaskPng(rgb), /not a palette PNG/);
    const corrupt = join(dir, 'corrupt.png');
    const png = await encodeMaskPng(classes, w, h);
    await writeFile(corrupt, png.subarray(0, 40));
    await assert.rejects(readMaskPng(corrupt), (err: unknown) => {
      assert.ok(err instanceof ImageInputError);
      assert.ok(err.message.startsWith(`Cannot read image "${corrupt}": `), err.message);
      return true;
    });
    assert.ok((await readFile(corrupt)).length === 40);
  });
});
