import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openImageSource } from '../../src/editor/imageSource';
import { ImageInputError } from '../../src/engine/imageInput';

describe('mask editor image source', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seggpt-editor-image-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const rgb = (w: number, h: number) =>
    sharp(Buffer.alloc(w * h * 3, 90), { raw: { width: w, height: h, channels: 3 } });

  it('shows browser formats as they are, with their size', async () => {
    const file = join(dir, 'a.png');
    await rgb(30, 20).png().toFile(file);
    const source = await openImageSource(file, join(dir, 'cache'));
    assert.deepEqual([source.width, source.height], [30, 20]);
    assert.equal(source.displayPath, file);
    assert.match(source.version, /^\d+-\d+$/);
  });

  it('reports the size as displayed for an EXIF-rotated photo', async () => {
    const file = join(dir, 'rotated.jpg');
    await rgb(30, 20).jpeg().withMetadata({ orientation: 6 }).toFile(file);
    const source = await openImageSource(file, join(dir, 'cache'));
    assert.deepEqual([source.width, source.height], [20, 30]);
  });

  it('converts a TIFF once to a cached PNG the webview can show', async () => {
    const file = join(dir, 'scan.tif');
    await rgb(40, 25).tiff().toFile(file);
    const first = await openImageSource(file, join(dir, 'cache'));
    assert.notEqual(first.displayPath, file);
    assert.ok(first.displayPath.endsWith('.png'));
    const meta = await sharp(first.displayPath).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 40, 25]);
    const again = await openImageSource(file, join(dir, 'cache'));
    assert.equal(again.displayPath, first.displayPath);
  });

  it('names the file when it is not an image', async () => {
    const file = join(dir, 'broken.png');
    await writeFile(file, 'not an image');
    await assert.rejects(openImageSource(file, join(dir, 'cache')), (err: Error) => {
      assert.ok(err instanceof ImageInputError);
      assert.match(err.message, /broken\.png/);
      return true;
    });
  });
});
