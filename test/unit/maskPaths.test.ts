import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FolderError, listImages } from '../../src/engine/listImages';
import {
  DEFAULT_MASK_TEMPLATE,
  isImageFile,
  maskMatcher,
  maskPathFor,
  MaskTemplateError,
  validateMaskTemplate,
} from '../../src/engine/maskPaths';
import { tempDir } from '../support/syntheticImages';

const MASKS_FOLDER = '${dir}/masks/${stem}.png';

describe('maskPathFor', () => {
  const img = path.join(path.sep, 'data', 'set', 'cat.01.jpg');

  it('puts <stem>_mask.png next to the image by default', () => {
    assert.equal(DEFAULT_MASK_TEMPLATE, '${dir}/${stem}_mask.png');
    assert.equal(maskPathFor(img), path.join(path.sep, 'data', 'set', 'cat.01_mask.png'));
    assert.equal(
      maskPathFor(img, DEFAULT_MASK_TEMPLATE),
      path.join(path.sep, 'data', 'set', 'cat.01_mask.png'),
    );
  });

  it('fills ${dir}/masks/${stem}.png', () => {
    assert.equal(
      maskPathFor(img, MASKS_FOLDER),
      path.join(path.sep, 'data', 'set', 'masks', 'cat.01.png'),
    );
  });

  it('fills ${name} and ${ext}', () => {
    assert.equal(
      maskPathFor(img, '${dir}/${name}.mask.png'),
      path.join(path.sep, 'data', 'set', 'cat.01.jpg.mask.png'),
    );
    assert.equal(
      maskPathFor(img, '${dir}/${stem}-${ext}.png'),
      path.join(path.sep, 'data', 'set', 'cat.01-jpg.png'),
    );
    // an image of the same stem but another format gets its own mask
    assert.notEqual(
      maskPathFor('/d/a.jpg', '${dir}/${stem}-${ext}.png'),
      maskPathFor('/d/a.png', '${dir}/${stem}-${ext}.png'),
    );
  });

  it('accepts an absolute folder in the template', () => {
    const out = path.join(path.sep, 'out', 'labels');
    assert.equal(maskPathFor(img, `${out}/\${stem}_mask.png`), path.join(out, 'cat.01_mask.png'));
  });

  it('keeps a relative image path relative', () => {
    assert.equal(maskPathFor(path.join('set', 'b.png')), path.join('set', 'b_mask.png'));
  });
});

describe('validateMaskTemplate', () => {
  it('accepts the default and the usual templates', () => {
    for (const t of [DEFAULT_MASK_TEMPLATE, MASKS_FOLDER, '${dir}/${name}.png', '/o/${stem}.PNG']) {
      assert.doesNotThrow(() => validateMaskTemplate(t), t);
    }
  });

  it('rejects an unknown variable, naming it and the known ones', () => {
    assert.throws(
      () => validateMaskTemplate('${dir}/${base}_mask.png'),
      (err: unknown) =>
        err instanceof MaskTemplateError &&
        err.message.includes('${base}') &&
        err.message.includes('${stem}'),
    );
  });

  it('rejects a template without ${stem} or ${name} (masks would collide)', () => {
    assert.throws(
      () => validateMaskTemplate('${dir}/mask.png'),
      (err: unknown) =>
        err instanceof MaskTemplateError && /\$\{stem\} or \$\{name\}/.test(err.message),
    );
    assert.throws(() => validateMaskTemplate('${dir}/${ext}.png'), MaskTemplateError);
  });

  it('rejects a template that does not end in .png', () => {
    for (const t of ['${dir}/${stem}_mask.jpg', '${dir}/${stem}', '${dir}/${stem}.png.tmp']) {
      assert.throws(
        () => validateMaskTemplate(t),
        (err: unknown) => err instanceof MaskTemplateError && /\.png/.test(err.message),
        t,
      );
    }
  });
});

describe('validateMaskTemplate: where masks may live', () => {
  it('rejects relative templates and "..", which the mask matcher could not recognise', () => {
    for (const t of ['labels/${stem}.png', '${dir}/../labels/${stem}.png']) {
      assert.throws(() => validateMaskTemplate(t), MaskTemplateError, t);
    }
  });
});

describe('maskMatcher', () => {
  it('recognises default-template masks and not ordinary images', () => {
    const isMask = maskMatcher();
    assert.equal(isMask('/d/a_mask.png'), true);
    assert.equal(isMask('/d/sub/photo 1_mask.png'), true);
    assert.equal(isMask('/d/a.png'), false);
    assert.equal(isMask('/d/a_mask.jpg'), false);
    assert.equal(isMask('/d/amask.png'), false);
    assert.equal(isMask('/d/a_mask.png.bak'), false);
  });

  it('under ${dir}/masks/${stem}.png, files in a masks/ folder are masks', () => {
    const isMask = maskMatcher(MASKS_FOLDER);
    assert.equal(isMask('/d/masks/a.png'), true);
    assert.equal(isMask('/d/e/masks/b.png'), true);
    assert.equal(isMask('/d/a.png'), false);
    assert.equal(isMask('/d/a_mask.png'), false);
    assert.equal(isMask('/d/masks/a.jpg'), false);
    assert.equal(isMask('/d/masks/deeper/a.png'), false);
  });

  it('agrees with maskPathFor for every variable', () => {
    const images = ['/d/x.jpg', '/d/sub/y.tif', 'rel/z.png'];
    for (const t of [
      DEFAULT_MASK_TEMPLATE,
      MASKS_FOLDER,
      '${dir}/${name}.m.png',
      '${dir}/${stem}.${ext}.png',
    ]) {
      const isMask = maskMatcher(t);
      for (const img of images) {
        assert.equal(isMask(maskPathFor(img, t)), true, `${t}: ${img}`);
        assert.equal(isMask(img), false, `${t}: ${img}`);
      }
    }
  });

  it('isImageFile knows the image extensions, case-insensitively', () => {
    for (const f of ['a.png', 'a.JPG', 'a.jpeg', 'a.webp', 'a.tif', 'a.TIFF', 'a.bmp']) {
      assert.equal(isImageFile(f), true, f);
    }
    for (const f of ['a.txt', 'a.json', 'a', 'png', 'a.png.tmp'])
      assert.equal(isImageFile(f), false, f);
  });
});

describe('listImages', () => {
  let root: string;
  const touch = (rel: string): void => {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'x');
  };

  before(() => {
    root = tempDir('list');
    for (const f of [
      'b.jpg',
      'a.png',
      'a_mask.png',
      'c.JPEG',
      'notes.txt',
      'data.json',
      '.a.png.123.tmp',
      'sub/d.webp',
      'sub/d_mask.png',
      'sub/deeper/e.tif',
      '.hidden/f.png',
      'masks/a.png',
    ]) {
      touch(f);
    }
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const rel = (files: string[]): string[] =>
    files.map((f) => path.relative(root, f).split(path.sep).join('/'));

  it('lists the images of one folder, sorted and absolute, without masks or other files', async () => {
    const files = await listImages(root);
    for (const f of files) assert.ok(path.isAbsolute(f), f);
    assert.deepEqual(rel(files), ['a.png', 'b.jpg', 'c.JPEG']);
  });

  it('walks sub-folders when recursive, skipping hidden folders', async () => {
    const files = await listImages(root, { recursive: true });
    assert.deepEqual(rel(files), [
      'a.png',
      'b.jpg',
      'c.JPEG',
      'masks/a.png',
      'sub/d.webp',
      'sub/deeper/e.tif',
    ]);
  });

  it('leaves out the masks of another template', async () => {
    const files = await listImages(root, { recursive: true, maskTemplate: MASKS_FOLDER });
    // a_mask.png and d_mask.png are ordinary images under this template; masks/a.png is a mask
    assert.deepEqual(rel(files), [
      'a.png',
      'a_mask.png',
      'b.jpg',
      'c.JPEG',
      'sub/d.webp',
      'sub/d_mask.png',
      'sub/deeper/e.tif',
    ]);
  });

  it('accepts a relative folder', async () => {
    const files = await listImages(path.relative(process.cwd(), root));
    assert.deepEqual(rel(files), ['a.png', 'b.jpg', 'c.JPEG']);
  });

  it('throws a FolderError naming a missing folder', async () => {
    const missing = path.join(root, 'nope');
    await assert.rejects(
      listImages(missing),
      (err: unknown) =>
        err instanceof FolderError &&
        err.message.includes('folder not found') &&
        err.message.includes(missing),
    );
  });

  it('throws a FolderError for a file given as the folder', async () => {
    const file = path.join(root, 'b.jpg');
    await assert.rejects(
      listImages(file),
      (err: unknown) =>
        err instanceof FolderError &&
        err.message.includes('not a folder') &&
        err.message.includes(file),
    );
  });
});
