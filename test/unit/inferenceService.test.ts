import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { BatchProgress } from '../../src/engine/batchJob';
import { readMaskPng } from '../../src/engine/maskFile';
import { maskPathFor } from '../../src/engine/maskPaths';
import type { PromptSpec } from '../../src/engine/promptSet';
import { maskSource, modelProvenance, PROVENANCE_KEYS } from '../../src/engine/provenance';
import type { SplitRunner } from '../../src/engine/splitRunner';
import type { Cancellation, EngineStatus } from '../../src/inference/inferenceService';
import { WorkerEngine } from '../../src/inference/workerEngine';
import type { ModelChoice } from '../../src/inference/workerProtocol';
import {
  CancelledError,
  InferenceUnavailableError,
  WorkerInferenceService,
  type ModelChooser,
} from '../../src/inference/workerInferenceService';
import {
  centredDisc,
  pngHeader,
  tempDir,
  writePaletteMask,
  writeSceneImage,
} from '../support/syntheticImages';
import { tinyModelPath } from '../support/tinyModel';

/** The compiled worker entry next to this test's compiled sources. */
const WORKER = path.join(__dirname, '..', '..', 'src', 'inference', 'inferenceWorker.js');

/** A token that can be cancelled by the test. */
function cancellable(): Cancellation & { cancel(): void } {
  const listeners: (() => void)[] = [];
  let cancelled = false;
  return {
    get isCancellationRequested() {
      return cancelled;
    },
    onCancellationRequested(l) {
      listeners.push(l);
      return { dispose: () => undefined };
    },
    cancel() {
      cancelled = true;
      for (const l of listeners) l();
    },
  };
}

describe('WorkerInferenceService (worker thread, tiny model)', function () {
  this.timeout(60_000);
  let model: string;
  let prompt: PromptSpec;
  let service: WorkerInferenceService;
  const chooser: ModelChooser = () => ({
    steps: [{ modelPath: model, providers: ['cpu'] }],
    threads: 1,
  });

  before(async () => {
    model = await tinyModelPath();
    const dir = tempDir('svc-prompt');
    const scene = centredDisc(48, 40);
    prompt = {
      pairs: [
        {
          image: await writeSceneImage(path.join(dir, 'p.png'), scene),
          mask: await writePaletteMask(path.join(dir, 'p_mask.png'), scene),
        },
      ],
      semantic: false,
    };
  });
  beforeEach(() => {
    service = new WorkerInferenceService(WORKER, chooser);
  });
  afterEach(() => service.dispose());

  it('loads lazily, reports its status, and segments at the image size', async () => {
    const seen: EngineStatus['state'][] = [];
    service.onDidChangeStatus((s) => seen.push(s.state));
    assert.equal(service.status().state, 'idle');
    const image = await writeSceneImage(path.join(tempDir('svc'), 'q.jpg'), centredDisc(70, 50));
    const res = await service.segment({ imagePath: image, prompt });
    assert.equal(res.width, 70);
    assert.equal(res.height, 50);
    assert.equal(res.classes.length, 70 * 50);
    assert.equal(res.soft.length, 70 * 50);
    assert.ok(
      res.classes.every((c) => c <= 1),
      'one class: ids 0 and 1 only',
    );
    assert.deepEqual(seen, ['loading', 'ready']);
    const st = service.status();
    assert.equal(st.provider, 'cpu');
    assert.equal(st.modelPath, model);
    assert.equal(st.precision, 'fp32');
    // Warm: a second request does not load again.
    await service.segment({ imagePath: image, prompt });
    assert.deepEqual(seen, ['loading', 'ready']);
  });

  it('prepares a prompt ahead: loads the model, and the next segment encodes no prompt', async () => {
    const seen: EngineStatus['state'][] = [];
    service.onDidChangeStatus((s) => seen.push(s.state));
    await service.preparePrompt(prompt);
    assert.deepEqual(seen, ['loading', 'ready']);
    // In this thread, the same engine code: count the prompt encodings of the segment after it.
    const engine = new WorkerEngine();
    const choice = chooser() as ModelChoice;
    await engine.preparePrompt(choice, prompt);
    const session = (engine as unknown as { session: { sessions: { split: SplitRunner } } })
      .session;
    const runner = session.sessions.split;
    const encode = runner.encodePrompt.bind(runner);
    let encodes = 0;
    runner.encodePrompt = (...args) => {
      encodes++;
      return encode(...args);
    };
    try {
      const image = await writeSceneImage(path.join(tempDir('svc'), 'w.jpg'), centredDisc(50, 40));
      await engine.segment(choice, { imagePath: image, prompt });
      assert.equal(encodes, 0, 'the segment encoded the prompt again');
      const other = { ...prompt, semantic: true };
      await engine.segment(choice, { imagePath: image, prompt: other });
      assert.equal(encodes, 1, 'a prompt not prepared is encoded by its first segment');
    } finally {
      await engine.dispose();
    }
  });

  it('writes a palette mask with provenance, and never replaces one unless told', async () => {
    const dir = tempDir('svc-file');
    const image = await writeSceneImage(path.join(dir, 'q.png'), centredDisc(30, 20));
    const mask = maskPathFor(image);
    const text = modelProvenance('tiny.onnx', '{"set":"t"}');
    await service.segmentToFile({
      imagePath: image,
      prompt,
      maskPath: mask,
      overwrite: false,
      textChunks: text,
    });
    assert.equal(pngHeader(mask).colourType, 3);
    assert.equal((await readMaskPng(mask)).text[PROVENANCE_KEYS.prompt], '{"set":"t"}');
    assert.equal(await maskSource(mask), 'model');
    await assert.rejects(
      service.segmentToFile({
        imagePath: image,
        prompt,
        maskPath: mask,
        overwrite: false,
        textChunks: text,
      }),
      /exists/,
    );
  });

  it('runs a folder job with progress', async () => {
    const dir = tempDir('svc-batch');
    const images: string[] = [];
    for (let i = 0; i < 6; i++) {
      images.push(await writeSceneImage(path.join(dir, `i${i}.png`), centredDisc(40 + i, 30)));
    }
    const progress: BatchProgress[] = [];
    const res = await service.runBatch(
      {
        targets: images,
        prompt,
        maskTemplate: '${dir}/masks/${stem}.png',
        overwrite: 'never',
        batchSize: 2,
        textChunks: modelProvenance('tiny.onnx', 'p'),
      },
      (p) => progress.push(p),
    );
    assert.equal(res.written.length, 6);
    assert.equal(res.cancelled, false);
    assert.deepEqual(
      fs.readdirSync(path.join(dir, 'masks')).sort(),
      images.map((i) => path.basename(i)).sort(),
    );
    assert.equal(progress.at(-1)?.done, 6);
  });

  it('stops a cancelled job between steps, leaves no partial file, and resumes', async () => {
    const dir = tempDir('svc-cancel');
    const images: string[] = [];
    for (let i = 0; i < 60; i++) {
      images.push(
        await writeSceneImage(
          path.join(dir, `c${String(i).padStart(2, '0')}.png`),
          centredDisc(64, 64),
        ),
      );
    }
    const request = {
      targets: images,
      prompt,
      maskTemplate: '${dir}/${stem}_mask.png',
      overwrite: 'never' as const,
      batchSize: 1,
      textChunks: modelProvenance('tiny.onnx', 'p'),
    };
    const token = cancellable();
    const first = await service.runBatch(
      request,
      (p) => {
        if (p.written >= 3) token.cancel();
      },
      token,
    );
    assert.equal(first.cancelled, true);
    assert.ok(
      first.written.length >= 3 && first.written.length < 60,
      `wrote ${first.written.length}`,
    );
    const files = fs.readdirSync(dir);
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tmp')),
      [],
      'no temp file left',
    );
    assert.equal(files.filter((f) => f.endsWith('_mask.png')).length, first.written.length);
    const second = await service.runBatch(request);
    assert.equal(second.written.length, 60 - first.written.length);
    assert.equal(second.skipped.length, first.written.length);
  });

  it('rejects a cancelled one-shot request at once', async () => {
    const image = await writeSceneImage(path.join(tempDir('svc-c1'), 'q.png'), centredDisc(30, 30));
    const token = cancellable();
    const p = service.segment({ imagePath: image, prompt }, token);
    token.cancel();
    await assert.rejects(p, CancelledError);
  });

  it('says plainly when there is no model, and when the model file is wrong', async () => {
    const none = new WorkerInferenceService(WORKER, () => ({
      unavailable: 'No SegGPT model is set up.',
    }));
    await assert.rejects(
      none.load(),
      (e: Error) => e instanceof InferenceUnavailableError && /No SegGPT model/.test(e.message),
    );
    none.dispose();
    const bad = path.join(tempDir('svc-bad'), 'broken.onnx');
    fs.writeFileSync(bad, 'not a model');
    const wrong = new WorkerInferenceService(WORKER, () => ({
      steps: [{ modelPath: bad, providers: ['cpu'] }],
      threads: 1,
    }));
    await assert.rejects(wrong.load(), /broken\.onnx: not an ONNX model/);
    assert.equal(wrong.status().state, 'error');
    wrong.dispose();
  });

  it('fails pending requests when the worker dies, and starts a new worker after', async () => {
    await service.load();
    const worker = (service as unknown as { worker: Worker }).worker;
    const image = await writeSceneImage(
      path.join(tempDir('svc-crash'), 'q.png'),
      centredDisc(30, 30),
    );
    const pending = service.segment({ imagePath: image, prompt });
    await worker.terminate();
    await assert.rejects(pending, /inference worker stopped/);
    assert.equal(service.status().state, 'error');
    const res = await service.segment({ imagePath: image, prompt });
    assert.equal(res.width, 30);
    assert.equal(service.status().state, 'ready');
  });
});
