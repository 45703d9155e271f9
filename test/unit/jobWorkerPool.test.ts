import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageInputError, loadImageTensor } from '../../src/engine/imageInput';
import { runBatchJob } from '../../src/engine/batchJob';
import { JobWorkerPool, jobWorkerPoolFor, jobWorkerThreads } from '../../src/engine/jobWorkerPool';
import { predictionMaskPng, readMaskPng } from '../../src/engine/maskFile';
import { maskPathFor } from '../../src/engine/maskPaths';
import { predictionToClasses } from '../../src/engine/predictionOutput';
import { preparePrompt } from '../../src/engine/promptSet';
import { SegGptSession } from '../../src/engine/segGptSession';
import { Segmenter } from '../../src/engine/segmenter';
import { centredDisc, tempDir, writeBinaryMask, writeSceneImage } from '../support/syntheticImages';
import { tinyModelPath } from '../support/tinyModel';

const GEOM = { inputW: 64, inputH: 64 };

describe('JobWorkerPool: query images prepared and masks encoded in worker threads', function () {
  this.timeout(30_000);
  let pool: JobWorkerPool;
  let dir: string;

  before(() => {
    pool = new JobWorkerPool(GEOM, 2);
    dir = tempDir('loader');
  });

  after(async () => {
    await pool.close();
  });

  it('gives the tensor loadImageTensor gives, for many images at once', async () => {
    const files = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        writeSceneImage(
          path.join(dir, `q${i}.${i % 2 ? 'png' : 'jpg'}`),
          centredDisc(50 + 13 * i, 40 + 7 * i),
        ),
      ),
    );
    const [there, here] = await Promise.all([
      Promise.all(files.map((f) => pool.loadImage(f))),
      Promise.all(files.map((f) => loadImageTensor(f, GEOM))),
    ]);
    there.forEach((t, i) => {
      assert.equal(t.width, here[i]?.width);
      assert.equal(t.height, here[i]?.height);
      assert.deepEqual(t.data, here[i]?.data);
    });
  });

  it('makes a mask file byte for byte as predictionMaskPng does', async () => {
    const plane = GEOM.inputW * GEOM.inputH;
    const pred = Float32Array.from({ length: 3 * plane }, (_, i) => Math.sin(i * 0.37) * 2);
    const palette = Uint8Array.from([0, 0, 0, 200, 30, 30, 30, 200, 30, 30, 30, 200]);
    const text = { Software: 'test', Comment: 'ü' };
    const req = { pred, width: 37, height: 23, palette, text };
    const here = await predictionMaskPng(req, GEOM);
    // A view into a bigger buffer is copied, not detached with its neighbours.
    const shared = new Float32Array(pred.length * 2);
    shared.set(pred, pred.length);
    const view = shared.subarray(pred.length);
    const there = await pool.maskPng({ ...req, pred: view });
    assert.deepEqual(Buffer.from(there), Buffer.from(here));
    assert.equal(shared.length, pred.length * 2);
    const classes = predictionToClasses(pred, GEOM, 37, 23, palette);
    assert.ok(new Set(classes).size > 2, 'a test that could pass with one class everywhere');
    await assert.rejects(
      pool.maskPng({ ...req, pred: new Float32Array(5) }),
      /prediction has 5 values/,
    );
    const whole = pred.slice();
    await pool.maskPng({ ...req, pred: whole });
    assert.equal(whole.length, 0, 'a whole prediction is transferred, not copied');
  });

  it('rejects a corrupt image with the same one-line error, and keeps working', async () => {
    const bad = path.join(dir, 'bad.jpg');
    fs.writeFileSync(bad, Buffer.from('not an image at all, just text that is long enough'));
    const inThread = await loadImageTensor(bad, GEOM).then(
      () => assert.fail('loaded a corrupt image'),
      (e: Error) => e,
    );
    await assert.rejects(pool.loadImage(bad), (e: Error) => {
      assert.ok(e instanceof ImageInputError);
      assert.equal(e.message, inThread.message.split('\n')[0]);
      assert.ok(e.message.includes('bad.jpg'), e.message);
      return true;
    });
    const good = await writeSceneImage(path.join(dir, 'after.png'), centredDisc(30, 30));
    assert.equal((await pool.loadImage(good)).width, 30);
  });

  it('sends nothing to a thread that ended, and says so when none is left', async () => {
    const file = await writeSceneImage(path.join(dir, 'ended.png'), centredDisc(20, 20));
    const two = new JobWorkerPool(GEOM, 2);
    const threads = (two as unknown as { workers: { worker: { terminate(): Promise<number> } }[] })
      .workers;
    await threads[0]?.worker.terminate();
    for (let i = 0; i < 3; i++) assert.equal((await two.loadImage(file)).width, 20);
    await two.close();
    await assert.rejects(two.loadImage(file), /no job thread left: a job thread ended/);
  });

  it('is used for GPU jobs only, with two cores left to the model and at most eight threads', async () => {
    assert.equal(jobWorkerPoolFor('cpu', GEOM), undefined);
    const gpu = jobWorkerPoolFor('cuda', GEOM);
    assert.ok(gpu instanceof JobWorkerPool);
    await gpu.close();
    assert.deepEqual([1, 2, 3, 4, 8, 16, 64].map(jobWorkerThreads), [1, 1, 1, 2, 6, 8, 8]);
    // One thread only loads (encoding as well would queue behind the loads); two or more do both.
    const one = new JobWorkerPool(GEOM, 1);
    assert.deepEqual(Object.keys(one.jobOptions()), ['loadImage']);
    await one.close();
    assert.deepEqual(Object.keys(pool.jobOptions()).sort(), ['loadImage', 'maskPng']);
  });
});

describe('a folder job using a JobWorkerPool', function () {
  this.timeout(60_000);

  it('writes the masks the job writes when it works in its own thread', async () => {
    const session = await SegGptSession.load(await tinyModelPath(), { providers: ['cpu'] });
    const pool = new JobWorkerPool(session.geometry, 2);
    try {
      const dir = tempDir('loader-job');
      const scene = centredDisc(120, 90);
      const seg = new Segmenter(
        session,
        await preparePrompt(
          {
            pairs: [
              {
                image: await writeSceneImage(path.join(dir, 'p.jpg'), scene),
                mask: await writeBinaryMask(path.join(dir, 'pm.png'), scene),
              },
            ],
            semantic: false,
          },
          session.geometry,
        ),
      );
      const qdir = path.join(dir, 'q');
      fs.mkdirSync(qdir);
      const targets: string[] = [];
      for (let i = 0; i < 7; i++) {
        targets.push(
          await writeSceneImage(path.join(qdir, `q${i}.png`), centredDisc(70 + 5 * i, 60)),
        );
      }
      const bad = path.join(qdir, 'bad.jpg');
      fs.writeFileSync(bad, Buffer.alloc(600, 7));
      const job = {
        targets: [...targets, bad],
        overwrite: 'all' as const,
        batchSize: 3,
        textChunks: {},
      };
      const here = await runBatchJob(seg, job);
      const masksHere = await Promise.all(targets.map((t) => readMaskPng(maskPathFor(t))));
      const there = await runBatchJob(seg, { ...job, ...pool.jobOptions() });
      assert.deepEqual(there.written, here.written);
      assert.deepEqual(
        there.written,
        targets.map((t) => maskPathFor(t)),
      );
      assert.deepEqual(there.failed, here.failed);
      assert.equal(there.failed[0]?.path, bad);
      const masksThere = await Promise.all(targets.map((t) => readMaskPng(maskPathFor(t))));
      masksThere.forEach((m, i) => assert.deepEqual(m, masksHere[i]));
    } finally {
      await pool.close();
      await session.release();
    }
  });
});
