import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode } from 'fast-png';
import sharp from 'sharp';
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  ImageInputError,
  loadImageTensor,
  loadMaskClassMap,
  orientMap,
  promptMaskTensor,
  resizeBicubicRgb,
  resizeNearest,
} from '../../src/engine/imageInput';
import { seggptPalette, vocPalette } from '../../src/engine/palette';

const norm = (v: number, c: number): number => (v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];

/** Mean of channel c over a rectangle of a [3, h, w] tensor, back in 0..255. */
function meanRgb(
  t: Float32Array,
  w: number,
  h: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number[] {
  const plane = w * h;
  return [0, 1, 2].map((c) => {
    let sum = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) sum += t[c * plane + y * w + x];
    }
    const v = sum / ((x1 - x0) * (y1 - y0));
    return (v * IMAGENET_STD[c] + IMAGENET_MEAN[c]) * 255;
  });
}

function dominant(rgb: number[]): 'r' | 'g' | 'b' {
  const i = rgb.indexOf(Math.max(...rgb));
  return (['r', 'g', 'b'] as const)[i];
}

describe('imageInput', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seggpt-image-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('resizeNearest', () => {
    it('samples pixel centres: floor((i + 0.5) · in / out)', () => {
      const src = Uint8Array.from({ length: 8 }, (_, i) => i); // 4×2
      assert.deepEqual([...resizeNearest(src, 4, 2, 2, 1)], [5, 7]);
      const three = Uint8Array.from([10, 20, 30]); // 3×1 → 7×1 and → 2×1
      assert.deepEqual([...resizeNearest(three, 3, 1, 7, 1)], [10, 10, 20, 20, 20, 30, 30]);
      assert.deepEqual([...resizeNearest(three, 3, 1, 2, 1)], [10, 30]);
    });

    it('matches Pillow at exact ties (float accumulation lands one lower)', () => {
      const six = Uint8Array.from([0, 1, 2, 3, 4, 5]);
      assert.deepEqual([...resizeNearest(six, 6, 1, 9, 1)], [0, 1, 1, 2, 2, 3, 4, 5, 5]); // Pillow 9.4
    });

    it('doubles a 2×2 pattern into 2×2 blocks and keeps identity', () => {
      const src = Uint8Array.from([1, 2, 3, 4]);
      assert.deepEqual(
        [...resizeNearest(src, 2, 2, 4, 4)],
        [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4],
      );
      assert.deepEqual([...resizeNearest(src, 2, 2, 2, 2)], [1, 2, 3, 4]);
    });
  });

  describe('resizeBicubicRgb', () => {
    const grey = (values: number[]): Uint8Array =>
      Uint8Array.from(values.flatMap((v) => [v, v, v]));
    const channel0 = (rgb: Uint8Array): number[] => [...rgb].filter((_, i) => i % 3 === 0);
    const impulse = grey([0, 0, 0, 200, 0, 0, 0, 0]);

    it('upscales on the pixel-centre grid Pillow uses', () => {
      // Pillow: [0,0,0,0,0,45,173,173,45,0,…]; sharp's cubic gives …,113,200,113,… (shifted grid)
      const out = channel0(resizeBicubicRgb(impulse, 8, 1, 16, 1));
      assert.deepEqual(out, [0, 0, 0, 0, 0, 45, 173, 173, 45, 0, 0, 0, 0, 0, 0, 0]);
    });

    it('shrinks with a stretched (antialiasing) kernel, clipping negative lobes', () => {
      assert.deepEqual(channel0(resizeBicubicRgb(impulse, 8, 1, 3, 1)), [12, 68, 0]); // Pillow
    });

    it('matches Pillow resize((5, 7), BICUBIC) of a 13×9 pattern exactly', () => {
      const w = 13;
      const h = 9;
      const src = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          src.set(
            [(x * 37 + y * 91) % 256, (x * x + 3 * y) % 256, (x * y * 7) % 256],
            (y * w + x) * 3,
          );
        }
      }
      // prettier-ignore
      const pillow = [
        51, 1, 1, 152, 11, 4, 121, 36, 7, 80, 75, 10, 162, 124, 12, 145, 5, 9, 121, 15, 33, 104, 40,
        60, 142, 79, 86, 117, 128, 111, 80, 9, 16, 110, 19, 63, 165, 44, 114, 79, 83, 167, 136, 132,
        215, 142, 13, 24, 113, 23, 94, 90, 48, 175, 158, 87, 183, 86, 136, 83, 129, 17, 32, 98, 27,
        128, 145, 52, 196, 108, 91, 79, 124, 140, 160, 118, 21, 39, 154, 31, 165, 71, 56, 141, 150,
        95, 134, 139, 144, 153, 185, 25, 51, 92, 35, 162, 153, 60, 97, 89, 99, 179, 101, 148, 103,
      ];
      assert.deepEqual([...resizeBicubicRgb(src, w, h, 5, 7)], pillow);
      const same = resizeBicubicRgb(src, w, h, w, h);
      assert.deepEqual(same, src);
      assert.notEqual(same, src); // a copy, not the caller's buffer
    });
  });

  describe('loadImageTensor', () => {
    it('normalizes a solid colour, resizes to a non-square input size, reports the size', async () => {
      const file = join(dir, 'solid.png');
      await sharp({
        create: {
          width: 10,
          height: 7,
          channels: 4,
          background: { r: 255, g: 128, b: 0, alpha: 0.5 },
        },
      })
        .png()
        .toFile(file);
      const t = await loadImageTensor(file, { inputH: 8, inputW: 16 });
      assert.equal(t.width, 10);
      assert.equal(t.height, 7);
      assert.equal(t.data.length, 3 * 8 * 16);
      const expected = [norm(255, 0), norm(128, 1), norm(0, 2)];
      for (let c = 0; c < 3; c++) {
        for (let i = 0; i < 128; i++) assert.ok(Math.abs(t.data[c * 128 + i] - expected[c]) < 1e-6);
      }
      assert.ok(Math.abs(expected[0] - (1 - 0.485) / 0.229) < 1e-12);
    });

    it('takes a buffer and turns grey into three equal channels', async () => {
      const png = await sharp(new Uint8Array(6).fill(51), {
        raw: { width: 3, height: 2, channels: 1 },
      })
        .png()
        .toBuffer();
      const t = await loadImageTensor(png, { inputH: 4, inputW: 4 });
      assert.deepEqual([t.width, t.height], [3, 2]);
      for (let c = 0; c < 3; c++) assert.ok(Math.abs(t.data[c * 16 + 5] - norm(51, c)) < 1e-6);
    });

    it('applies EXIF orientation 6 (rotate 90° clockwise) first', async () => {
      // Stored 40×20: top-left red, top-right green, bottom half blue.
      const w = 40;
      const h = 20;
      const raw = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const c = y >= h / 2 ? 2 : x < w / 2 ? 0 : 1;
          raw[(y * w + x) * 3 + c] = 255;
        }
      }
      const file = join(dir, 'rotated.jpg');
      await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 95 })
        .withMetadata({ orientation: 6 })
        .toFile(file);
      assert.equal((await sharp(file).metadata()).orientation, 6);
      const t = await loadImageTensor(file, { inputH: 32, inputW: 32 });
      assert.deepEqual([t.width, t.height], [20, 40]); // swapped
      // Displayed (20×40): stored top row is now the right column, stored left is the top.
      // So: right-top red, right-bottom green, left half blue.
      assert.equal(dominant(meanRgb(t.data, 32, 32, 20, 2, 30, 12)), 'r');
      assert.equal(dominant(meanRgb(t.data, 32, 32, 20, 20, 30, 30)), 'g');
      assert.equal(dominant(meanRgb(t.data, 32, 32, 2, 2, 12, 30)), 'b');
    });

    it('throws ImageInputError naming the file for corrupt, truncated and missing files', async () => {
      const garbage = join(dir, 'garbage.jpg');
      await writeFile(
        garbage,
        Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 255),
      );
      const good = await sharp({
        create: { width: 64, height: 64, channels: 3, background: 'red' },
      })
        .png({ compressionLevel: 0 })
        .toBuffer();
      const truncated = join(dir, 'truncated.png');
      await writeFile(truncated, good.subarray(0, good.length / 2));
      for (const file of [garbage, truncated, join(dir, 'missing.png')]) {
        await assert.rejects(loadImageTensor(file, { inputH: 8, inputW: 8 }), (err: unknown) => {
          assert.ok(err instanceof ImageInputError);
          assert.ok(err.message.includes(file), err.message);
          assert.ok(!err.message.includes('\n'));
          return true;
        });
      }
    });

    it('refuses absurd sizes from the header alone', async () => {
      const file = join(dir, 'huge.png');
      await writeFile(file, pngHeaderOnly(70_000, 70_000));
      await assert.rejects(loadImageTensor(file, { inputH: 8, inputW: 8 }), (err: unknown) => {
        assert.ok(err instanceof ImageInputError);
        assert.match(err.message, /70000×70000, over the limit/);
        return true;
      });
      await assert.rejects(loadMaskClassMap(file), /70000×70000, over the limit/);
    });
  });

  describe('promptMaskTensor', () => {
    it('colours ids by the palette, nearest-resizes, normalizes, CHW', () => {
      const ids = Uint8Array.from([0, 1, 2, 0]); // 2×2
      const palette = seggptPalette(2);
      const t = promptMaskTensor(ids, 2, 2, palette, { inputH: 4, inputW: 6 });
      assert.equal(t.length, 3 * 24);
      const at = (x: number, y: number): number[] => [0, 1, 2].map((c) => t[c * 24 + y * 6 + x]);
      const want = (k: number): number[] =>
        [0, 1, 2].map((c) => Math.fround(norm(palette[k * 3 + c], c)));
      assert.deepEqual(at(0, 0), want(0));
      assert.deepEqual(at(2, 1), want(0));
      assert.deepEqual(at(3, 0), want(1));
      assert.deepEqual(at(5, 1), want(1));
      assert.deepEqual(at(0, 2), want(2));
      assert.deepEqual(at(5, 3), want(0));
    });

    it('rejects ids without a colour', () => {
      assert.throws(
        () =>
          promptMaskTensor(Uint8Array.from([0, 2]), 2, 1, seggptPalette(1), {
            inputH: 2,
            inputW: 2,
          }),
        /class id 2/,
      );
    });
  });

  describe('loadMaskClassMap', () => {
    async function grey(name: string, values: number[], w: number, h: number): Promise<string> {
      const file = join(dir, name);
      await writeFile(
        file,
        encode({ width: w, height: h, data: Uint8Array.from(values), channels: 1, depth: 8 }),
      );
      return file;
    }

    it('reads 0/1 and 0/255 greyscale PNGs as 0/1', async () => {
      const a = await loadMaskClassMap(await grey('01.png', [0, 1, 1, 0, 0, 1], 3, 2));
      assert.deepEqual([a.width, a.height, ...a.classes], [3, 2, 0, 1, 1, 0, 0, 1]);
      const b = await loadMaskClassMap(await grey('0255.png', [0, 255, 255, 0, 0, 255], 3, 2));
      assert.deepEqual([...b.classes], [0, 1, 1, 0, 0, 1]);
    });

    it('reads 16-bit, 1-bit and RGBA PNGs as binary', async () => {
      const g16 = join(dir, 'g16.png');
      await writeFile(
        g16,
        encode({
          width: 2,
          height: 2,
          data: Uint16Array.from([0, 1, 65535, 0]),
          channels: 1,
          depth: 16,
        }),
      );
      assert.deepEqual([...(await loadMaskClassMap(g16)).classes], [0, 1, 1, 0]);
      const g1 = join(dir, 'g1.png');
      // 9×2 at 1 bit: rows are 2 bytes; row 0 = 1,0,0,0,0,0,0,1 | 1; row 1 = 0…0 | 0
      await writeFile(
        g1,
        encode({
          width: 9,
          height: 2,
          data: Uint8Array.from([0x81, 0x80, 0, 0]),
          channels: 1,
          depth: 1,
        }),
      );
      const m1 = await loadMaskClassMap(g1);
      assert.deepEqual([...m1.classes], [1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      const rgba = join(dir, 'rgba.png');
      // black but opaque → 0; dark red transparent → 1 (alpha is ignored)
      await writeFile(
        rgba,
        encode({
          width: 2,
          height: 1,
          data: Uint8Array.from([0, 0, 0, 255, 3, 0, 0, 0]),
          channels: 4,
          depth: 8,
        }),
      );
      assert.deepEqual([...(await loadMaskClassMap(rgba)).classes], [0, 1]);
    });

    it('keeps palette indices, including packed 4-bit ones', async () => {
      const p8 = join(dir, 'p8.png');
      const palette = Array.from({ length: 256 }, (_, i) => [
        ...vocPalette().subarray(i * 3, i * 3 + 3),
      ]);
      await writeFile(
        p8,
        encode({
          width: 3,
          height: 1,
          data: Uint8Array.from([0, 15, 255]),
          channels: 1,
          depth: 8,
          palette,
        }),
      );
      assert.deepEqual([...(await loadMaskClassMap(p8)).classes], [0, 15, 255]);
      const p4 = join(dir, 'p4.png');
      await writeFile(
        p4,
        encode({
          width: 3,
          height: 1,
          data: Uint8Array.from([0x3f, 0x20]),
          channels: 1,
          depth: 4,
          palette: palette.slice(0, 16),
        }),
      );
      assert.deepEqual([...(await loadMaskClassMap(p4)).classes], [3, 15, 2]);
    });

    it('thresholds JPEG masks at mid-grey (compression noise is not foreground)', async () => {
      const w = 32;
      const raw = Uint8Array.from({ length: w * w }, (_, i) => (i % w < 16 ? 0 : 255));
      const file = join(dir, 'mask.jpg');
      await sharp(raw, { raw: { width: w, height: w, channels: 1 } })
        .jpeg({ quality: 60 })
        .toFile(file);
      const m = await loadMaskClassMap(file);
      let wrong = 0;
      for (let i = 0; i < w * w; i++) if (m.classes[i] !== (i % w < 16 ? 0 : 1)) wrong++;
      assert.equal(wrong, 0);
    });

    it('applies EXIF orientation 1..8 to palette PNGs as sharp does to the pixels', async () => {
      // 5×3 image of distinct VOC colours; sharp writes it as a palette PNG with an eXIf chunk.
      const w = 5;
      const h = 3;
      const voc = vocPalette();
      const raw = new Uint8Array(w * h * 3);
      for (let i = 0; i < w * h; i++) raw.set(voc.subarray((i + 1) * 3, (i + 2) * 3), i * 3);
      for (let o = 1; o <= 8; o++) {
        const file = join(dir, `orient${o}.png`);
        await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
          .png({ palette: true, colours: 16, dither: 0 })
          .withMetadata({ orientation: o })
          .toFile(file);
        const filePalette = decode(await readFile(file)).palette;
        assert.ok(filePalette, 'sharp wrote a palette PNG');
        const m = await loadMaskClassMap(file);
        const ref = await sharp(file)
          .autoOrient()
          .removeAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        assert.deepEqual(
          [m.width, m.height],
          [ref.info.width, ref.info.height],
          `orientation ${o}`,
        );
        const ours = [...m.classes].map((k) => filePalette[k].slice(0, 3).join(','));
        const theirs = Array.from({ length: w * h }, (_, i) =>
          [...ref.data.subarray(i * 3, i * 3 + 3)].join(','),
        );
        assert.deepEqual(ours, theirs, `orientation ${o}`);
      }
    });

    it('orientMap leaves orientation 1 and unknown values alone', () => {
      const map = { classes: Uint8Array.from([1, 2]), width: 2, height: 1 };
      assert.equal(orientMap(map, 1), map);
      assert.equal(orientMap(map, 9), map);
      assert.deepEqual(orientMap(map, 6), {
        classes: Uint8Array.from([1, 2]),
        width: 1,
        height: 2,
      });
    });

    it('throws ImageInputError for corrupt PNGs (bad CRC) and non-images', async () => {
      const bytes = encode({ width: 2, height: 2, data: new Uint8Array(4), channels: 1, depth: 8 });
      bytes[bytes.length - 20] ^= 0xff; // inside the IDAT data
      const bad = join(dir, 'badcrc.png');
      await writeFile(bad, bytes);
      await assert.rejects(loadMaskClassMap(bad), ImageInputError);
      const text = join(dir, 'notes.txt');
      await writeFile(text, 'not an image');
      await assert.rejects(loadMaskClassMap(text), (err: unknown) => {
        assert.ok(err instanceof ImageInputError);
        assert.ok(err.message.includes(text));
        return true;
      });
    });
  });
});

/** A PNG claiming the given size: IHDR, an IDAT with an empty zlib stream, IEND. */
function pngHeaderOnly(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const idat = Uint8Array.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  return Uint8Array.from([
    ...signature,
    ...chunk('IHDR', ihdr),
    ...chunk('IDAT', idat),
    ...chunk('IEND', new Uint8Array(0)),
  ]);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(
    [...type].map((c) => c.charCodeAt(0)),
    4,
  );
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
