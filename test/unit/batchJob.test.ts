import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBatchJob, type BatchProgress } from '../../src/engine/batchJob';
import { ImageInputError, loadImageTensor } from '../../src/engine/imageInput';
import { readMaskPng } from '../../src/engine/maskFile';
import { maskPathFor } from '../../src/engine/maskPaths';
import { preparePrompt, type PreparedPrompt } from '../../src/engine/promptSet';
import {
  humanProvenance,
  maskSource,
  modelProvenance,
  PROVENANCE_KEYS,
} from '../../src/engine/provenance';
import { SegGptSession } from '../../src/engine/segGptSession';
import { Segmenter } from '../../src/engine/segmenter';
import {
  centredDisc,
  pngHeader,
  tempDir,
  writeBinaryMask,
  writePaletteMask,
  writeSceneImage,
  type Scene,
} from '../support/syntheticImages';
import { tinyModelPath } from '../support/tinyModel';

/** Query images of varied sizes and formats: [file name, scene]. */
const QUERIES: [string, Scene][] = [
  ['a.jpg', centredDisc(120, 90)],
  ['b.png', centredDisc(97, 131)],
  ['c.webp', { width: 80, height: 80, discs: [{ cx: 25, cy: 30, r: 14 }] }],
  ['d.jpeg', { width: 100, height: 50, background: [200, 200, 240] }],
  ['e.png', { width: 33, height: 71, discs: [{ cx: 16, cy: 50, r: 10 }] }],
];

const TEXT = modelProvenance('tiny.onnx', '{"test":1}');

/** The files of a folder, sorted. */
function listing(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

describe('runBatchJob with a tiny model', function () {
  this.timeout(30_000);
  let session: SegGptSession;
  let promptDir: string;
  let prompt: PreparedPrompt;
  let seg: Segmenter;

  /** A fresh folder holding the first `n` query images; returns their paths. */
  async function folder(n = QUERIES.length): Promise<{ dir: string; images: string[] }> {
    const dir = tempDir('batch');
    const images: string[] = [];
    for (const [name, scene] of QUERIES.slice(0, n)) {
      images.push(await writeSceneImage(path.join(dir, name), scene));
    }
    return { dir, images };
  }

  /** Asserts `mask` is an 8-bit palette PNG of the image's size with ids ≤ maxId; returns it. */
  async function checkMask(mask: string, scene: Scene, maxId: number): Promise<Uint8Array> {
    const ihdr = pngHeader(mask);
    assert.equal(ihdr.colourType, 3, `${mask} is not a palette PNG`);
    assert.equal(ihdr.depth, 8);
    assert.deepEqual([ihdr.width, ihdr.height], [scene.width, scene.height], mask);
    const png = await readMaskPng(mask);
    assert.deepEqual([png.width, png.height], [scene.width, scene.height]);
    for (const id of new Set(png.classes)) assert.ok(id <= maxId, `${mask}: class ${id}`);
    return png.classes;
  }

  before(async () => {
    const model = await tinyModelPath();
    session = await SegGptSession.load(model, { providers: ['cpu'] });
    assert.equal(session.provider, 'cpu');
    promptDir = tempDir('batch-prompt');
    const scene = centredDisc(120, 90);
    const image = await writeSceneImage(path.join(promptDir, 'p.jpg'), scene);
    const mask = await writeBinaryMask(path.join(promptDir, 'pm.png'), scene);
    prompt = await preparePrompt({ pairs: [{ image, mask }], semantic: false }, session.geometry);
    seg = new Segmenter(session, prompt);
  });

  after(async () => {
    await session?.release();
  });

  it('prepares a binary prompt from a 0/255 mask with a black/white palette', () => {
    assert.equal(prompt.numClasses, 1);
    assert.deepEqual([...prompt.palette], [0, 0, 0, 255, 255, 255]);
    assert.equal(prompt.images.length, 1);
    const { inputW, inputH } = session.geometry;
    assert.equal(prompt.masks[0]?.length, 3 * inputW * inputH);
  });

  it('writes one palette mask per image at its own size, with model provenance', async () => {
    const { dir, images } = await folder();
    const progress: BatchProgress[] = [];
    const res = await runBatchJob(seg, {
      targets: images,
      overwrite: 'never',
      batchSize: 2,
      textChunks: TEXT,
      onProgress: (p) => progress.push(p),
    });
    assert.deepEqual(res.failed, []);
    assert.deepEqual(res.skipped, []);
    assert.equal(res.cancelled, false);
    assert.deepEqual(
      res.written,
      images.map((i) => maskPathFor(i)),
    );
    for (const [i, img] of images.entries()) {
      const scene = (QUERIES[i] as [string, Scene])[1];
      const mask = maskPathFor(img);
      const classes = await checkMask(mask, scene, 1);
      const png = await readMaskPng(mask);
      assert.equal(png.text[PROVENANCE_KEYS.source], 'model');
      assert.equal(png.text[PROVENANCE_KEYS.model], 'tiny.onnx');
      assert.equal(png.text[PROVENANCE_KEYS.prompt], '{"test":1}');
      assert.equal(await maskSource(mask), 'model');
      // the mask is this image's own segmentation, not a neighbour's (pipelining mix-ups)
      const [direct] = await seg.segment([await loadImageTensor(img, session.geometry)]);
      let differ = 0;
      for (let k = 0; k < classes.length; k++) if (classes[k] !== direct?.classes[k]) differ++;
      assert.ok(differ <= classes.length * 0.005, `${mask}: ${differ} pixels differ`);
    }
    assert.deepEqual(listing(dir), [
      'a.jpg',
      'a_mask.png',
      'b.png',
      'b_mask.png',
      'c.webp',
      'c_mask.png',
      'd.jpeg',
      'd_mask.png',
      'e.png',
      'e_mask.png',
    ]);
    const last = progress[progress.length - 1];
    assert.ok(last);
    assert.deepEqual([last.done, last.total, last.written], [5, 5, 5]);
    for (let k = 1; k < progress.length; k++) {
      assert.ok((progress[k] as BatchProgress).done >= (progress[k - 1] as BatchProgress).done);
    }

    // A second run resumes: every mask exists, so nothing is segmented or touched.
    const before = images.map((i) => fs.readFileSync(maskPathFor(i)));
    const again = await runBatchJob(seg, {
      targets: images,
      overwrite: 'never',
      batchSize: 2,
      textChunks: modelProvenance('other.onnx', '{}'),
    });
    assert.deepEqual(again.written, []);
    assert.deepEqual(again.failed, []);
    assert.deepEqual(
      again.skipped.map((s) => [s.path, s.reason]),
      images.map((i) => [i, 'mask exists']),
    );
    images.forEach((img, k) => assert.deepEqual(fs.readFileSync(maskPathFor(img)), before[k]));
  });

  describe('overwrite policies', () => {
    let images: string[];
    let masks: { model: string; human: string; plain: string; bare: string };
    let original: Map<string, Buffer>;

    beforeEach(async () => {
      ({ images } = await folder(4));
      const [a, b, c, d] = images.map((i) => maskPathFor(i)) as [string, string, string, string];
      masks = { model: a, human: b, plain: c, bare: d };
      // a: made by the model earlier
      const first = await runBatchJob(seg, {
        targets: [images[0] as string],
        overwrite: 'never',
        batchSize: 1,
        textChunks: modelProvenance('old.onnx', '{}'),
      });
      assert.deepEqual(first.written, [a]);
      // b: a palette mask a person saved; c: a black/white PNG from another tool;
      // d: a palette PNG without our chunks
      await writePaletteMask(b, (QUERIES[1] as [string, Scene])[1], humanProvenance());
      await writeBinaryMask(c, (QUERIES[2] as [string, Scene])[1]);
      await writePaletteMask(d, (QUERIES[3] as [string, Scene])[1]);
      original = new Map([a, b, c, d].map((m) => [m, fs.readFileSync(m)]));
      assert.equal(await maskSource(a), 'model');
      assert.equal(await maskSource(b), 'human');
      assert.equal(await maskSource(c), 'unknown');
      assert.equal(await maskSource(d), 'unknown');
    });

    it("'model' replaces only masks the model made", async () => {
      const res = await runBatchJob(seg, {
        targets: images,
        overwrite: 'model',
        batchSize: 2,
        textChunks: modelProvenance('new.onnx', '{}'),
      });
      assert.deepEqual(res.failed, []);
      assert.deepEqual(res.written, [masks.model]);
      assert.equal((await readMaskPng(masks.model)).text[PROVENANCE_KEYS.model], 'new.onnx');
      const reasons = new Map(res.skipped.map((s) => [s.path, s.reason]));
      assert.equal(reasons.size, 3);
      assert.match(reasons.get(images[1] as string) ?? '', /edited by a person/);
      assert.match(reasons.get(images[2] as string) ?? '', /not made by SegGPT/);
      assert.match(reasons.get(images[3] as string) ?? '', /not made by SegGPT/);
      for (const m of [masks.human, masks.plain, masks.bare]) {
        assert.deepEqual(fs.readFileSync(m), original.get(m), `${m} was changed`);
      }
    });

    it("'never' writes nothing over existing masks", async () => {
      const res = await runBatchJob(seg, {
        targets: images,
        overwrite: 'never',
        batchSize: 3,
        textChunks: modelProvenance('new.onnx', '{}'),
      });
      assert.deepEqual(res.written, []);
      assert.equal(res.skipped.length, 4);
      for (const [m, bytes] of original) assert.deepEqual(fs.readFileSync(m), bytes, m);
    });

    it("'all' replaces every mask, a person's included", async () => {
      const res = await runBatchJob(seg, {
        targets: images,
        overwrite: 'all',
        batchSize: 3,
        textChunks: modelProvenance('new.onnx', '{}'),
      });
      assert.deepEqual(res.skipped, []);
      assert.deepEqual(res.failed, []);
      assert.deepEqual(
        res.written,
        images.map((i) => maskPathFor(i)),
      );
      for (const [k, m] of [masks.model, masks.human, masks.plain, masks.bare].entries()) {
        await checkMask(m, (QUERIES[k] as [string, Scene])[1], 1);
        const png = await readMaskPng(m);
        assert.equal(png.text[PROVENANCE_KEYS.source], 'model');
        assert.equal(png.text[PROVENANCE_KEYS.model], 'new.onnx');
      }
      assert.equal(listing(path.dirname(masks.model)).filter((f) => f.endsWith('.tmp')).length, 0);
    });
  });

  it('stops after the current batch when cancelled, leaving only complete masks', async () => {
    const { dir, images } = await folder(5);
    const controller = new AbortController();
    const res = await runBatchJob(seg, {
      targets: images,
      overwrite: 'never',
      batchSize: 1,
      textChunks: TEXT,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.written >= 1) controller.abort();
      },
    });
    assert.equal(res.cancelled, true);
    assert.ok(
      res.written.length >= 1 && res.written.length < images.length,
      `${res.written.length} written`,
    );
    assert.deepEqual(res.failed, []);
    const files = listing(dir);
    const maskFiles = files.filter((f) => f.endsWith('_mask.png'));
    assert.deepEqual(
      files.filter((f) => !f.endsWith('_mask.png')),
      QUERIES.map(([n]) => n).sort(),
      `unexpected files: ${files.join(', ')}`,
    );
    assert.deepEqual(
      maskFiles.map((f) => path.join(dir, f)),
      [...res.written].sort(),
    );
    for (const m of res.written) {
      const k = images.findIndex((i) => maskPathFor(i) === m);
      await checkMask(m, (QUERIES[k] as [string, Scene])[1], 1);
    }

    // A rerun resumes: writes the rest, skips what the cancelled run wrote.
    const rest = await runBatchJob(seg, {
      targets: images,
      overwrite: 'never',
      batchSize: 2,
      textChunks: TEXT,
    });
    assert.equal(rest.cancelled, false);
    assert.equal(rest.written.length + res.written.length, images.length);
    assert.deepEqual(rest.skipped.map((s) => maskPathFor(s.path)).sort(), [...res.written].sort());
    assert.equal(listing(dir).length, 2 * images.length);
  });

  it('writes under a template that names its own folder, creating it', async () => {
    const { dir, images } = await folder(2);
    const template = '${dir}/masks/${stem}.png';
    const res = await runBatchJob(seg, {
      targets: images,
      maskTemplate: template,
      overwrite: 'never',
      batchSize: 2,
      textChunks: TEXT,
    });
    assert.deepEqual(res.failed, []);
    assert.deepEqual(res.written, [
      path.join(dir, 'masks', 'a.png'),
      path.join(dir, 'masks', 'b.png'),
    ]);
    assert.deepEqual(listing(path.join(dir, 'masks')), ['a.png', 'b.png']);
    await checkMask(path.join(dir, 'masks', 'b.png'), (QUERIES[1] as [string, Scene])[1], 1);
  });

  it('does nothing when cancelled before it starts', async () => {
    const { dir, images } = await folder(2);
    const controller = new AbortController();
    controller.abort();
    const res = await runBatchJob(seg, {
      targets: images,
      overwrite: 'never',
      batchSize: 1,
      textChunks: TEXT,
      signal: controller.signal,
    });
    assert.equal(res.cancelled, true);
    assert.deepEqual(res.written, []);
    assert.deepEqual(listing(dir), ['a.jpg', 'b.png']);
  });

  it('reports a corrupt image as failed, naming it, and writes the others', async () => {
    const { dir, images } = await folder(3);
    const bad = path.join(dir, 'bad.jpg');
    const rand = Buffer.alloc(2048);
    for (let i = 0; i < rand.length; i++) rand[i] = (i * 7919 + 13) % 251;
    fs.writeFileSync(bad, rand);
    const targets = [images[0] as string, bad, images[1] as string, images[2] as string];
    const res = await runBatchJob(seg, {
      targets,
      overwrite: 'never',
      batchSize: 2,
      textChunks: TEXT,
    });
    assert.equal(res.failed.length, 1);
    assert.equal(res.failed[0]?.path, bad);
    assert.ok(res.failed[0]?.error.includes('bad.jpg'), res.failed[0]?.error);
    assert.ok(!res.failed[0]?.error.includes('\n'));
    assert.deepEqual(
      res.written,
      images.map((i) => maskPathFor(i)),
    );
    assert.ok(!fs.existsSync(maskPathFor(bad)));
  });

  it('runs a few-shot prompt (2 pairs) in batches of 3', async () => {
    const dir = tempDir('batch-fewshot');
    const s1 = centredDisc(120, 90);
    const s2: Scene = { width: 70, height: 110, discs: [{ cx: 35, cy: 70, r: 20 }] };
    const fewShot = await preparePrompt(
      {
        pairs: [
          {
            image: await writeSceneImage(path.join(dir, 'p1.jpg'), s1),
            mask: await writeBinaryMask(path.join(dir, 'p1m.png'), s1),
          },
          {
            image: await writeSceneImage(path.join(dir, 'p2.png'), s2),
            mask: await writePaletteMask(path.join(dir, 'p2m.png'), s2),
          },
        ],
        semantic: true,
      },
      session.geometry,
    );
    assert.equal(fewShot.images.length, 2);
    const fewSeg = new Segmenter(session, fewShot);
    assert.equal(fewSeg.groupSize, 2);
    const { images } = await folder(5);
    const res = await runBatchJob(fewSeg, {
      targets: images,
      overwrite: 'never',
      batchSize: 3,
      textChunks: TEXT,
    });
    assert.deepEqual(res.failed, []);
    assert.deepEqual(
      res.written,
      images.map((i) => maskPathFor(i)),
    );
    for (const [k, img] of images.entries()) {
      await checkMask(maskPathFor(img), (QUERIES[k] as [string, Scene])[1], 1);
    }
  });

  it('writes ids within the classes of a multi-class prompt', async () => {
    const dir = tempDir('batch-multi');
    const scene: Scene = {
      width: 96,
      height: 96,
      discs: [
        { cx: 25, cy: 25, r: 15, id: 1, colour: [230, 30, 30] },
        { cx: 70, cy: 30, r: 15, id: 2, colour: [30, 30, 230] },
        { cx: 48, cy: 72, r: 15, id: 3, colour: [240, 240, 40] },
      ],
    };
    const multi = await preparePrompt(
      {
        pairs: [
          {
            image: await writeSceneImage(path.join(dir, 'p.png'), scene),
            mask: await writePaletteMask(path.join(dir, 'pm.png'), scene),
          },
        ],
        semantic: true,
      },
      session.geometry,
    );
    assert.equal(multi.numClasses, 3);
    const { images } = await folder(3);
    const res = await runBatchJob(new Segmenter(session, multi), {
      targets: images,
      overwrite: 'never',
      batchSize: 3,
      textChunks: TEXT,
    });
    assert.equal(res.written.length, 3);
    for (const [k, img] of images.entries()) {
      await checkMask(maskPathFor(img), (QUERIES[k] as [string, Scene])[1], 3);
    }
  });

  describe('prompt problems', () => {
    it('rejects a prompt mask that marks nothing', async () => {
      const dir = tempDir('batch-empty');
      const scene = centredDisc(60, 40);
      const image = await writeSceneImage(path.join(dir, 'p.jpg'), scene);
      const mask = await writeBinaryMask(path.join(dir, 'empty.png'), { width: 60, height: 40 });
      await assert.rejects(
        preparePrompt({ pairs: [{ image, mask }], semantic: false }, session.geometry),
        (err: unknown) =>
          err instanceof ImageInputError &&
          err.message.includes('empty.png') &&
          /all background/.test(err.message),
      );
    });

    it('rejects a prompt mask whose size differs from its image', async () => {
      const dir = tempDir('batch-size');
      const image = await writeSceneImage(path.join(dir, 'p.jpg'), centredDisc(120, 90));
      const mask = await writeBinaryMask(path.join(dir, 'small.png'), centredDisc(60, 45));
      await assert.rejects(
        preparePrompt({ pairs: [{ image, mask }], semantic: false }, session.geometry),
        (err: unknown) =>
          err instanceof ImageInputError &&
          err.message.includes('small.png') &&
          err.message.includes('60×45') &&
          err.message.includes('120×90'),
      );
    });

    it('rejects a mask using a class above --classes', async () => {
      const dir = tempDir('batch-classes');
      const scene: Scene = { ...centredDisc(64, 64, 3) };
      const image = await writeSceneImage(path.join(dir, 'p.png'), scene);
      const mask = await writePaletteMask(path.join(dir, 'pm.png'), scene);
      await assert.rejects(
        preparePrompt(
          { pairs: [{ image, mask }], semantic: false, numClasses: 2 },
          session.geometry,
        ),
        /class 3 but only 2 classes/,
      );
    });
  });
});
