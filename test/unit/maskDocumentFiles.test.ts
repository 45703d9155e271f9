import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  diskStamp,
  loadMask,
  MaskMismatchError,
  sameStamp,
  saveMask,
} from '../../src/editor/maskFiles';
import { ImageInputError } from '../../src/engine/imageInput';
import { encodeMaskPng, readMaskPng } from '../../src/engine/maskFile';
import { PROVENANCE_KEYS } from '../../src/engine/provenance';
import { vocPalette } from '../../src/engine/palette';

describe('mask document files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seggpt-editor-files-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts an empty mask when there is no file', async () => {
    const loaded = await loadMask(join(dir, 'none_mask.png'), 5, 4);
    assert.equal(loaded.exists, false);
    assert.equal(loaded.mask.data.length, 20);
    assert.ok(loaded.mask.data.every((v) => v === 0));
  });

  it('saves a palette PNG marked as a person’s work and loads it back', async () => {
    const path = join(dir, 'sub', 'a_mask.png'); // the folder does not exist yet
    const data = new Uint8Array([0, 1, 2, 3, 255, 0]);
    const stamp = await saveMask(path, { width: 3, height: 2, data }, undefined);
    assert.ok(sameStamp(stamp, await diskStamp(path)));
    const png = await readMaskPng(path);
    assert.deepEqual([...png.classes], [...data]);
    assert.equal(png.text[PROVENANCE_KEYS.source], 'human');
    assert.deepEqual([...png.palette.subarray(0, 12)], [...vocPalette().subarray(0, 12)]);
    const loaded = await loadMask(path, 3, 2);
    assert.equal(loaded.exists, true);
    assert.equal(loaded.notice, undefined);
    assert.deepEqual([...loaded.mask.data], [...data]);
  });

  it('keeps a mask file’s own palette when saving it again', async () => {
    const path = join(dir, 'custom_mask.png');
    const palette = new Uint8Array([10, 20, 30, 200, 100, 50]);
    await writeFile(path, await encodeMaskPng(new Uint8Array([0, 1, 1, 0]), 2, 2, palette));
    const loaded = await loadMask(path, 2, 2);
    assert.deepEqual([...(loaded.palette ?? new Uint8Array()).subarray(0, 6)], [...palette]);
    await saveMask(path, loaded.mask, loaded.palette);
    const png = await readMaskPng(path);
    assert.deepEqual([...png.palette.subarray(0, 6)], [...palette]);
  });

  it('reads a greyscale mask as binary, with a notice that saving converts it', async () => {
    const path = join(dir, 'grey_mask.png');
    await sharp(Buffer.from([0, 255, 255, 0, 0, 0]), { raw: { width: 3, height: 2, channels: 1 } })
      .png()
      .toFile(path);
    const loaded = await loadMask(path, 3, 2);
    assert.deepEqual([...loaded.mask.data], [0, 1, 1, 0, 0, 0]);
    assert.match(loaded.notice ?? '', /not a palette PNG/);
  });

  it('refuses a mask whose size differs from the image, and a corrupt file', async () => {
    const path = join(dir, 'small_mask.png');
    await writeFile(path, await encodeMaskPng(new Uint8Array(4), 2, 2));
    await assert.rejects(loadMask(path, 3, 2), (err: Error) => {
      assert.ok(err instanceof MaskMismatchError);
      assert.match(err.message, /is 2×2 but its image is 3×2/);
      return true;
    });
    const corrupt = join(dir, 'corrupt_mask.png');
    await writeFile(corrupt, Buffer.from('\x89PNG\r\n\x1a\nnot really'));
    await assert.rejects(loadMask(corrupt, 3, 2), ImageInputError);
  });

  it('tells file versions apart by stamp (an atomic save makes a new inode)', async () => {
    const path = join(dir, 'stamp_mask.png');
    const first = await saveMask(
      path,
      { width: 1, height: 1, data: new Uint8Array([1]) },
      undefined,
    );
    const second = await saveMask(
      path,
      { width: 1, height: 1, data: new Uint8Array([1]) },
      undefined,
    );
    assert.equal(sameStamp(first, second), false);
    assert.equal(sameStamp(undefined, undefined), true);
    assert.equal(await diskStamp(join(dir, 'missing.png')), undefined);
  });
});
