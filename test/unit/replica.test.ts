import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBatchJob, type BatchJobOptions } from '../../src/engine/batchJob';
import { JobWorkerPool } from '../../src/engine/jobWorkerPool';
import { predictionMaskPng, readMaskPng } from '../../src/engine/maskFile';
import { maskPathFor } from '../../src/engine/maskPaths';
import { preparePrompt, type PreparedPrompt } from '../../src/engine/promptSet';
import { modelProvenance } from '../../src/engine/provenance';
import {
  Replica,
  replicaCount,
  startReplicas,
  releaseReplicas,
  type Predictor,
  type ReplicaSetup,
} from '../../src/engine/replica';
import { SegGptSession } from '../../src/engine/segGptSession';
import { Segmenter } from '../../src/engine/segmenter';
import { centredDisc, tempDir, writeBinaryMask, writeSceneImage } from '../support/syntheticImages';
import { tinyModelPath } from '../support/tinyModel';

const TEXT = modelProvenance('tiny.onnx', '{"test":1}');

/** `seg` running its batches through `p` (which may wrap `seg` itself). */
function predictingWith(seg: Segmenter, p: Predictor): Segmenter {
  return Object.assign(Object.create(seg) as Segmenter, { predict: p.predict.bind(p) });
}

/** A job over `targets` in batches of one, overwriting, with `extra` options. */
function job(targets: string[], extra: Partial<BatchJobOptions> = {}): BatchJobOptions {
  return { targets, overwrite: 'all', batchSize: 1, textChunks: TEXT, ...extra };
}

/** A predictor that counts its calls and can be made to fail. */
function counted(inner: Predictor, failOnCall?: number): Predictor & { calls: number } {
  const p = {
    calls: 0,
    async predict(queries: readonly Float32Array[]): Promise<Float32Array[]> {
      p.calls++;
      if (p.calls === failOnCall) throw new Error('out of memory (test)');
      return inner.predict(queries);
    },
  };
  return p;
}

describe('replicas: a second session of the model in its own thread', function () {
  this.timeout(60_000);
  let session: SegGptSession;
  let prompt: PreparedPrompt;
  let seg: Segmenter;

  /** A folder of `n` query images of different sizes; returns their paths. */
  async function images(n: number): Promise<string[]> {
    const dir = tempDir('replica');
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const scene = centredDisc(60 + 9 * i, 50 + 7 * i);
      out.push(await writeSceneImage(path.join(dir, `q${i}.png`), scene));
    }
    return out;
  }

  /** The class ids of each image's mask. */
  async function masks(paths: readonly string[]): Promise<Uint8Array[]> {
    return Promise.all(paths.map(async (p) => (await readMaskPng(maskPathFor(p))).classes));
  }

  before(async () => {
    session = await SegGptSession.load(await tinyModelPath(), { providers: ['cpu'] });
    const dir = tempDir('replica-prompt');
    const scene = centredDisc(120, 90);
    prompt = await preparePrompt(
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
    );
    seg = new Segmenter(session, prompt);
  });

  after(async () => {
    await session?.release();
  });

  it('starts replicas only on CUDA, two or more, for jobs of three batches or more', () => {
    assert.equal(replicaCount('cuda', 2, 10), 2);
    assert.equal(replicaCount('cuda', 3, 3), 3);
    assert.equal(replicaCount('cuda', 1, 10), 0);
    assert.equal(replicaCount('cuda', 2, 2), 0);
    assert.equal(replicaCount('cpu', 2, 10), 0);
    assert.equal(replicaCount('webgpu', 2, 10), 0);
  });

  it('predicts in its thread exactly what the session predicts here', async () => {
    const replicas = startReplicas(session, prompt, 1);
    try {
      const r = await (replicas[0] as Promise<Replica>);
      const queries = prompt.images.concat(prompt.masks);
      const [there, here] = await Promise.all([r.predict(queries), seg.predict(queries)]);
      assert.equal(there.length, 2);
      there.forEach((p, i) => assert.deepEqual(p, here[i]));
    } finally {
      await releaseReplicas(replicas);
    }
  });

  it('abandons a replica still loading: the release does not wait, it frees itself once loaded', async () => {
    const marker = path.join(tempDir('abandon'), 'released');
    const script = path.join(__dirname, '..', 'support', 'slowReplicaWorker.js');
    const setup = { readyAfterMs: 300, marker } as unknown as ReplicaSetup;
    const started = Replica.start(setup, script);
    let settled = false;
    started.then(
      () => (settled = true),
      () => (settled = true),
    );
    await releaseReplicas([started]);
    assert.equal(fs.existsSync(marker), false, 'the release waited for the replica to load');
    for (let waited = 0; !fs.existsSync(marker) && waited < 10_000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(fs.existsSync(marker), true, 'the abandoned replica never freed its session');
    assert.equal(settled, false, 'an abandoned replica was handed out');
  });

  it('says why it could not start', async () => {
    const bad = path.join(tempDir('replica-bad'), 'not-a-model.onnx');
    fs.writeFileSync(bad, 'not a model');
    await assert.rejects(
      Replica.start({ modelPath: bad, provider: 'cpu', threads: 0, prompt }),
      /^Error: no replica session: /,
    );
  });

  it('shares a folder job with the session: every mask is its own image’s, in order', async () => {
    const targets = await images(6);
    const single = await runBatchJob(seg, job(targets));
    assert.equal(single.sessions, 1);
    const expected = await masks(targets);

    const replicas = startReplicas(session, prompt, 1);
    try {
      const helper = counted(await (replicas[0] as Promise<Replica>));
      const local = counted(seg);
      const res = await runBatchJob(
        predictingWith(seg, local),
        job(targets, { helpers: [Promise.resolve(helper)] }),
      );
      assert.deepEqual(res.failed, []);
      assert.deepEqual(res.notes, []);
      assert.equal(res.sessions, 2);
      assert.deepEqual(
        res.written,
        targets.map((t) => maskPathFor(t)),
      );
      assert.ok(helper.calls >= 1, 'the replica ran no batch');
      assert.ok(local.calls >= 1, 'the session ran no batch');
      assert.equal(helper.calls + local.calls, targets.length);
      assert.deepEqual(await masks(targets), expected);
    } finally {
      await releaseReplicas(replicas);
    }
  });

  it('runs a job as on CUDA (two replicas, the session standing by, job threads): same masks', async () => {
    const targets = await images(9);
    const plain = await runBatchJob(seg, job(targets, { batchSize: 2 }));
    assert.equal(plain.written.length, targets.length);
    const expected = await masks(targets);

    const replicas = startReplicas(session, prompt, 2);
    const pool = new JobWorkerPool(session.geometry, 2);
    try {
      // Ready before the job starts (the tiny model would finish before they load).
      const helpers = (await Promise.all(replicas)).map((r) => counted(r));
      const res = await runBatchJob(
        seg,
        job(targets, {
          batchSize: 2,
          helpers: helpers.map((h) => Promise.resolve(h)),
          sessionStandsBy: true,
          ...pool.jobOptions(),
        }),
      );
      assert.deepEqual(res.failed, []);
      assert.deepEqual(res.notes, []);
      assert.deepEqual(
        res.written,
        targets.map((t) => maskPathFor(t)),
      );
      for (const h of helpers) assert.ok(h.calls >= 1, 'a replica ran no batch');
      assert.deepEqual(await masks(targets), expected);
    } finally {
      await pool.close();
      await releaseReplicas(replicas);
    }
  });

  it('runs the batch of a helper that fails here, and goes on without it', async () => {
    const targets = await images(5);
    const helper = counted(seg, 1);
    const res = await runBatchJob(seg, job(targets, { helpers: [Promise.resolve(helper)] }));
    assert.deepEqual(res.failed, []);
    assert.equal(res.written.length, targets.length);
    // The failing batch and, at most, the other one it had in hand.
    assert.ok(helper.calls >= 1 && helper.calls <= 2, `${helper.calls} calls`);
    assert.deepEqual(res.notes, ['a second session stopped: out of memory (test)']);
  });

  it('notes a helper that could not start, and runs the job without it', async () => {
    const targets = await images(3);
    const res = await runBatchJob(
      seg,
      job(targets, {
        helpers: [Promise.reject(new Error('no replica session: out of GPU memory'))],
      }),
    );
    assert.equal(res.written.length, targets.length);
    assert.equal(res.sessions, 1);
    assert.deepEqual(res.notes, ['no replica session: out of GPU memory']);
  });

  it('keeps the session and a helper at most a few batches ahead of a slow writer', async () => {
    const targets = await images(12);
    let predicted = 0;
    let written = 0;
    let most = 0;
    const counting = (inner: Predictor): Predictor => ({
      async predict(queries) {
        const out = await inner.predict(queries);
        predicted++;
        most = Math.max(most, predicted - written);
        return out;
      },
    });
    const local = counting(seg);
    const res = await runBatchJob(
      predictingWith(seg, local),
      job(targets, {
        helpers: [Promise.resolve(counting(seg))],
        // Writing is much slower than predicting here.
        maskPng: async (req) => {
          await new Promise((r) => setTimeout(r, 25));
          written++;
          return predictionMaskPng(req, session.geometry);
        },
      }),
    );
    assert.equal(res.written.length, targets.length);
    assert.equal(predicted, targets.length);
    // Three drivers (the session, two for the helper), four batches ahead of the writer at
    // most, plus the one being written.
    assert.ok(most <= 5, `${most} batches predicted and not yet written`);
  });

  it('gives a helper two batches at once, so it starts the next without waiting for the job', async () => {
    const targets = await images(8);
    let inHand = 0;
    let most = 0;
    const helper: Predictor = {
      async predict(queries) {
        most = Math.max(most, ++inHand);
        try {
          // A replica thread works through its requests one after another.
          await new Promise((r) => setTimeout(r, 20));
          return await seg.predict(queries);
        } finally {
          inHand--;
        }
      },
    };
    const res = await runBatchJob(seg, job(targets, { helpers: [Promise.resolve(helper)] }));
    assert.equal(res.written.length, targets.length);
    assert.equal(res.sessions, 2);
    assert.equal(most, 2);
  });

  it('with sessionStandsBy, runs batches on the session only while no helper works', async () => {
    const targets = await images(7);
    const expected = await runBatchJob(seg, job(targets)).then(() => masks(targets));
    // A helper that becomes ready after the session has started: the session bridges the gap.
    let ready!: (p: Predictor) => void;
    const helper = counted(seg);
    const local = counted(seg);
    const late = new Promise<Predictor>((r) => (ready = r));
    const bridging = counted({
      async predict(queries) {
        ready(helper);
        return seg.predict(queries);
      },
    });
    const res = await runBatchJob(
      predictingWith(seg, bridging),
      job(targets, { helpers: [late], sessionStandsBy: true }),
    );
    assert.deepEqual(res.failed, []);
    assert.equal(res.written.length, targets.length);
    // Only the batch it was running when the helper came.
    assert.equal(bridging.calls, 1);
    assert.equal(helper.calls + bridging.calls, targets.length);
    assert.equal(res.sessions, 2);
    assert.deepEqual(await masks(targets), expected);

    // A helper ready from the start does all the work; the session runs none.
    const alone = await runBatchJob(
      predictingWith(seg, local),
      job(targets, { helpers: [Promise.resolve(counted(seg))], sessionStandsBy: true }),
    );
    assert.equal(alone.written.length, targets.length);
    assert.ok(local.calls <= 1, `session ran ${local.calls}`);
    assert.equal(alone.sessions, local.calls === 0 ? 1 : 2);
  });

  it('with sessionStandsBy, takes the batches back when every helper has left', async () => {
    const targets = await images(6);
    const local = counted(seg);
    const failing = counted(seg, 2);
    const res = await runBatchJob(
      predictingWith(seg, local),
      job(targets, { helpers: [Promise.resolve(failing)], sessionStandsBy: true }),
    );
    assert.deepEqual(res.failed, []);
    assert.equal(res.written.length, targets.length);
    assert.deepEqual(res.notes, ['a second session stopped: out of memory (test)']);
    // The failed batch ran again on the session; the helper had at most one more in hand.
    assert.equal(local.calls + failing.calls - 1, targets.length);
    assert.ok(failing.calls <= 3, `${failing.calls} calls to a helper that left`);
    assert.ok(local.calls >= targets.length - 2, 'the session did not take the batches back');
  });

  it('with sessionStandsBy, stops when cancelled while the session stands by', async () => {
    const targets = await images(6);
    const controller = new AbortController();
    const slow: Predictor = {
      async predict(queries) {
        await new Promise((r) => setTimeout(r, 30));
        return seg.predict(queries);
      },
    };
    const res = await runBatchJob(
      seg,
      job(targets, {
        signal: controller.signal,
        helpers: [Promise.resolve(slow)],
        sessionStandsBy: true,
        onProgress: (p) => {
          if (p.written >= 1) controller.abort();
        },
      }),
    );
    assert.equal(res.cancelled, true);
    assert.ok(res.written.length >= 1 && res.written.length < targets.length);
  });

  it('stops with a helper when cancelled, leaving only complete masks', async () => {
    const targets = await images(6);
    const controller = new AbortController();
    const res = await runBatchJob(
      seg,
      job(targets, {
        signal: controller.signal,
        helpers: [Promise.resolve(counted(seg))],
        onProgress: (p) => {
          if (p.written >= 1) controller.abort();
        },
      }),
    );
    assert.equal(res.cancelled, true);
    assert.ok(res.written.length >= 1 && res.written.length < targets.length);
    const dir = path.dirname(targets[0] as string);
    const files = fs.readdirSync(dir);
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tmp')),
      [],
    );
    assert.deepEqual(
      files
        .filter((f) => f.endsWith('_mask.png'))
        .map((f) => path.join(dir, f))
        .sort(),
      [...res.written].sort(),
    );
  });
});
