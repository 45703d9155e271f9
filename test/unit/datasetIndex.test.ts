import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetIndex, emptyChange } from '../../src/dataset/datasetIndex';
import { DatasetModel, type DatasetChange } from '../../src/dataset/datasetModel';
import { readPngText } from '../../src/engine/pngText';
import { DEFAULT_MASK_TEMPLATE } from '../../src/engine/maskPaths';
import { humanProvenance, modelProvenance } from '../../src/engine/provenance';
import { centredDisc, tempDir, writePaletteMask } from '../support/syntheticImages';

/** Writes placeholder files (the index looks at names only). */
function touch(root: string, ...files: string[]): void {
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), 'x');
  }
}

describe('DatasetIndex', () => {
  it('lists folders that hold images, with masks counted and not listed', async () => {
    const root = tempDir('index');
    touch(root, 'a/1.png', 'a/1_mask.png', 'a/2.jpg', 'a/notes.txt', 'b/c/3.webp', 'empty/x.txt');
    touch(root, '.hidden/4.png', 'node_modules/5.png', 'b/10.png', 'b/9.png');
    const index = await DatasetIndex.scan(root, DEFAULT_MASK_TEMPLATE);
    const rel = (p: string): string => path.relative(root, p);
    assert.deepEqual(index.folders().map(rel), ['a', 'b', path.join('b', 'c')]);
    assert.deepEqual(index.images(path.join(root, 'a')).map(rel), ['a/1.png', 'a/2.jpg']);
    // Natural order: 9 before 10.
    assert.deepEqual(index.images(path.join(root, 'b')).map(rel), ['b/9.png', 'b/10.png']);
    assert.deepEqual(index.folderCounts(path.join(root, 'a')), { masked: 1, total: 2 });
    assert.deepEqual(index.totalCounts(), { masked: 1, total: 5 });
    assert.equal(index.hasMask(path.join(root, 'a', '1.png')), true);
    assert.equal(index.hasMask(path.join(root, 'a', '2.jpg')), false);
  });

  it('follows a template that puts masks in a folder of their own', async () => {
    const root = tempDir('index-tpl');
    touch(root, 'imgs/1.png', 'imgs/2.png', 'imgs/masks/1.png');
    const index = await DatasetIndex.scan(root, '${dir}/masks/${stem}.png');
    assert.deepEqual(index.folders(), [path.join(root, 'imgs')]);
    assert.deepEqual(index.folderCounts(path.join(root, 'imgs')), { masked: 1, total: 2 });

    touch(root, 'imgs/masks/2.png');
    const change = emptyChange();
    await index.apply('created', path.join(root, 'imgs', 'masks', '2.png'), change);
    assert.deepEqual([...change.images], [path.join(root, 'imgs', '2.png')]);
    assert.deepEqual(index.folderCounts(path.join(root, 'imgs')), { masked: 2, total: 2 });
  });

  it('applies created and deleted images, masks and folders', async () => {
    const root = tempDir('index-events');
    touch(root, 'a/1.png');
    const index = await DatasetIndex.scan(root, DEFAULT_MASK_TEMPLATE);
    const a = path.join(root, 'a');

    touch(root, 'a/1_mask.png');
    let change = emptyChange();
    await index.apply('created', path.join(a, '1_mask.png'), change);
    assert.deepEqual([...change.images], [path.join(a, '1.png')]);
    assert.deepEqual([...change.masks], [path.join(a, '1_mask.png')]);
    assert.equal(change.structure, false);
    assert.deepEqual(index.folderCounts(a), { masked: 1, total: 1 });

    // A whole folder moved in: one event for the folder.
    touch(root, 'new/x.png', 'new/y.png', 'new/x_mask.png');
    change = emptyChange();
    await index.apply('created', path.join(root, 'new'), change);
    assert.equal(change.structure, true);
    assert.deepEqual(index.folderCounts(path.join(root, 'new')), { masked: 1, total: 2 });

    fs.rmSync(path.join(a, '1.png'));
    change = emptyChange();
    await index.apply('deleted', path.join(a, '1.png'), change);
    assert.equal(change.structure, true, 'folder a holds no image any more');
    assert.deepEqual(index.folders(), [path.join(root, 'new')]);

    fs.rmSync(path.join(root, 'new'), { recursive: true });
    change = emptyChange();
    await index.apply('deleted', path.join(root, 'new'), change);
    assert.equal(change.structure, true);
    assert.deepEqual(index.folders(), []);
  });

  it('ignores events outside the root and in hidden folders', async () => {
    const root = tempDir('index-outside');
    touch(root, 'a/1.png', '.git/2.png');
    const index = await DatasetIndex.scan(root, DEFAULT_MASK_TEMPLATE);
    const change = emptyChange();
    await index.apply('created', path.join(path.dirname(root), 'elsewhere.png'), change);
    await index.apply('created', path.join(root, '.git', '2.png'), change);
    assert.equal(change.folders.size + change.images.size, 0);
    assert.deepEqual(index.folders(), [path.join(root, 'a')]);
  });
});

describe('DatasetModel', () => {
  it('reads mask sources and reports debounced, targeted changes', async () => {
    const root = tempDir('model');
    touch(root, 'd/model.png', 'd/human.png', 'd/other.png', 'd/none.png');
    const scene = centredDisc(8, 8);
    await writePaletteMask(
      path.join(root, 'd', 'model_mask.png'),
      scene,
      modelProvenance('m', 'p'),
    );
    await writePaletteMask(path.join(root, 'd', 'human_mask.png'), scene, humanProvenance());
    await writePaletteMask(path.join(root, 'd', 'other_mask.png'), scene);
    const model = new DatasetModel([root], DEFAULT_MASK_TEMPLATE, 20);
    const index = await model.index(root);
    const d = path.join(root, 'd');
    const images = index.images(d);
    await model.loadStates(index, images);
    const state = (name: string): string => model.imageState(index, path.join(d, name));
    assert.equal(state('model.png'), 'model');
    assert.equal(state('human.png'), 'human');
    assert.equal(state('other.png'), 'unknown');
    assert.equal(state('none.png'), 'none');

    const seen: DatasetChange[] = [];
    model.onDidChange((e) => seen.push(e));
    // A person saves over the model's mask: the event makes the cached source stale.
    await writePaletteMask(path.join(d, 'model_mask.png'), scene, humanProvenance());
    model.queue('changed', path.join(d, 'model_mask.png'));
    fs.rmSync(path.join(d, 'other_mask.png'));
    model.queue('deleted', path.join(d, 'other_mask.png'));
    await model.settle();
    assert.equal(seen.length, 1, 'both events arrive as one notice');
    assert.deepEqual(
      [...(seen[0]?.change?.images ?? [])].sort(),
      [path.join(d, 'model.png'), path.join(d, 'other.png')].sort(),
    );
    await model.loadStates(index, images);
    assert.equal(state('model.png'), 'human');
    assert.equal(state('other.png'), 'none');
    assert.deepEqual(await model.folderCounts(root, d), { masked: 2, total: 4 });
    model.dispose();
  });

  it('reads tEXt chunks without decoding pixels, and nothing from a non-PNG', async () => {
    const dir = tempDir('pngtext');
    const file = await writePaletteMask(path.join(dir, 'm.png'), centredDisc(16, 16), {
      'seggpt:source': 'model',
      note: 'hello',
    });
    assert.deepEqual(await readPngText(file), { 'seggpt:source': 'model', note: 'hello' });
    fs.writeFileSync(path.join(dir, 'bad.png'), 'not a png');
    assert.equal(await readPngText(path.join(dir, 'bad.png')), undefined);
    assert.equal(await readPngText(path.join(dir, 'missing.png')), undefined);
  });
});
