import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convertModel } from '../../src/engine/convert';
import { DownloadError } from '../../src/engine/download/downloadError';
import { partPaths } from '../../src/engine/download/downloadFile';
import { readModelInfo } from '../../src/engine/modelInfo';
import { mulberry32, RandomWeights } from '../../src/engine/randomWeights';
import { SegGptSession, type ModelBatch } from '../../src/engine/segGptSession';
import { ConversionCancelled, convertWeightsFile } from '../../src/models/convertWeights';
import { importModelFile } from '../../src/models/importModel';
import { installFromHub, type InstallStep } from '../../src/models/installFromHub';
import { downloadsDir, HUB_REPO, installedModels, readManifest } from '../../src/models/modelFiles';
import { childProcessConverter, probeInChild } from '../../src/models/modelTasks';
import { sha256Hex, startLocalHub, type LocalHub } from '../support/localHub';
import { tinyHubFiles } from '../support/tinySafetensors';
import { tinyConfig } from '../support/tinyModel';

/** The compiled child-process entry (tests run from out/test/unit). */
const TASK_SCRIPT = path.join(__dirname, '..', '..', 'src', 'models', 'modelTaskMain.js');

function batch(seed: number): ModelBatch {
  const rand = mulberry32(seed);
  const n = 3 * 64 * 64;
  const mk = (): Float32Array => Float32Array.from({ length: n }, () => 2 * rand() - 1);
  return {
    pixelValues: mk(),
    promptPixelValues: mk(),
    promptMasks: mk(),
    rows: 1,
    semantic: false,
    ensembleSize: 1,
  };
}

async function predict(modelPath: string): Promise<Float32Array> {
  const s = await SegGptSession.load(modelPath, { providers: ['cpu'] });
  try {
    return await s.run(batch(9));
  } finally {
    await s.release();
  }
}

describe('installing the model from a local hub', function () {
  let files: { weights: Buffer; config: Buffer };
  let hub: LocalHub;
  let storage: string;
  let expected: Float32Array;

  before(async () => {
    files = await tinyHubFiles(5);
    // The same random weights converted directly: what the install must produce.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-direct-'));
    const config = tinyConfig();
    const direct = await convertModel({
      config,
      weights: new RandomWeights(config, 5),
      outPath: path.join(dir, 'direct.onnx'),
      precision: 'fp32',
    });
    expected = await predict(direct.modelPath);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    hub = await startLocalHub(HUB_REPO, {
      'model.safetensors': { data: files.weights, lfs: true },
      'config.json': { data: files.config },
      'preprocessor_config.json': { data: Buffer.from('{}') },
    });
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-storage-'));
  });
  afterEach(async () => {
    await hub.close();
    fs.rmSync(storage, { recursive: true, force: true });
  });

  const weightRequests = (): { path: string; range?: string }[] =>
    hub.requests.filter((r) => r.path === '/cdn/model.safetensors');

  it('downloads, verifies and converts into storage, and the model segments like the original weights', async () => {
    const steps: InstallStep[] = [];
    const installed = await installFromHub({
      storageDir: storage,
      hub: { baseUrl: hub.baseUrl, repo: HUB_REPO },
      precisions: ['fp32'],
      convert: (req, onProgress, signal) =>
        convertWeightsFile(req, onProgress, signal).then(() => undefined),
      onStep: (s) => steps.push(s),
    });
    const model = installed.fp32 as string;
    assert.equal(model, path.join(storage, 'models', 'seggpt-vit-large-fp32.onnx'));
    assert.equal(readModelInfo(model).config.hiddenSize, 32);
    assert.deepEqual(await predict(model), expected);
    assert.deepEqual(installedModels(storage), { fp32: model });
    const manifest = readManifest(storage);
    assert.equal(manifest?.models.fp32, 'seggpt-vit-large-fp32.onnx');
    assert.match(manifest?.source ?? '', new RegExp(`sha256 ${sha256Hex(files.weights)}`));
    assert.ok(!fs.existsSync(downloadsDir(storage)), 'the download is removed after conversion');
    assert.equal(steps[0]?.kind, 'listing');
    assert.ok(
      steps.some(
        (s) =>
          s.kind === 'download' &&
          s.file === 'model.safetensors' &&
          s.progress.received === files.weights.length,
      ),
    );
    const converts = steps.filter((s) => s.kind === 'convert');
    assert.equal(converts.at(-1)?.kind === 'convert' && converts.at(-1)?.fraction, 1);
  });

  it('makes both precisions in a child process, reporting progress', async () => {
    const fractions: number[] = [];
    const installed = await installFromHub({
      storageDir: storage,
      hub: { baseUrl: hub.baseUrl, repo: HUB_REPO },
      precisions: ['fp32', 'fp16'],
      gpuProviders: ['webgpu'],
      convert: childProcessConverter(TASK_SCRIPT),
      onStep: (s) => s.kind === 'convert' && fractions.push(s.fraction),
    });
    assert.equal(readModelInfo(installed.fp16 as string).precision, 'fp16');
    assert.deepEqual(await predict(installed.fp32 as string), expected);
    const half = await predict(installed.fp16 as string);
    let worst = 0;
    for (let i = 0; i < half.length; i++)
      worst = Math.max(worst, Math.abs((half[i] as number) - (expected[i] as number)));
    assert.ok(worst > 0 && worst < 0.5, `fp16 differs from fp32 by ${worst}`);
    assert.ok(fractions.includes(1));
    assert.deepEqual(readManifest(storage)?.gpuProviders, ['webgpu']);
  });

  it('resumes a download cut off mid-file, with a Range request', async () => {
    hub.faults.push({ file: 'model.safetensors', cutAfter: 120_000 });
    const installed = await installFromHub({
      storageDir: storage,
      hub: { baseUrl: hub.baseUrl, repo: HUB_REPO },
      precisions: ['fp32'],
      convert: (req) => convertWeightsFile(req).then(() => undefined),
      retryDelayMs: 1,
    });
    assert.equal(weightRequests().length, 2);
    const from = Number(/^bytes=(\d+)-$/.exec(weightRequests()[1]?.range ?? '')?.[1]);
    assert.ok(from > 0 && from <= 120_000, String(weightRequests()[1]?.range));
    assert.deepEqual(await predict(installed.fp32 as string), expected);
  });

  it('keeps the partial download when an install fails, and the next install resumes it', async () => {
    // Cut off, then server errors until the downloader gives up (5 failures in a row).
    const file = 'model.safetensors';
    hub.faults.push(
      { file, cutAfter: 120_000 },
      ...Array.from({ length: 6 }, () => ({ file, status: 500 })),
    );
    const base = {
      storageDir: storage,
      hub: { baseUrl: hub.baseUrl, repo: HUB_REPO },
      precisions: ['fp32' as const],
      convert: (req: Parameters<typeof convertWeightsFile>[0]) =>
        convertWeightsFile(req).then(() => undefined),
      retryDelayMs: 1,
    };
    const failed = await installFromHub(base).then(
      () => assert.fail('server errors should stop the install'),
      (e: unknown) => e,
    );
    assert.ok(failed instanceof DownloadError && failed.status === 500, String(failed));
    assert.match(failed.message, /server had an error \(HTTP 500\)/);
    const staged = path.join(downloadsDir(storage), 'model.safetensors');
    assert.ok(!fs.existsSync(staged));
    const kept = fs.statSync(partPaths(staged).part).size;
    assert.ok(kept > 0 && kept < files.weights.length, `kept ${kept}`);
    assert.equal(installedModels(storage).fp32, undefined);
    const installed = await installFromHub(base);
    assert.equal(weightRequests().at(-1)?.range, `bytes=${kept}-`);
    assert.deepEqual(await predict(installed.fp32 as string), expected);
  });

  it('checks free space for the download and the conversion before fetching anything', async () => {
    let asked = '';
    const err = await installFromHub({
      storageDir: storage,
      hub: { baseUrl: hub.baseUrl, repo: HUB_REPO },
      precisions: ['fp32', 'fp16'],
      convert: async () => assert.fail('nothing should be converted'),
      freeBytesOf: async (dir) => {
        asked = dir;
        return files.weights.length * 2;
      },
    }).then(
      () => assert.fail('expected a disk error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DownloadError && err.kind === 'disk', String(err));
    assert.match(
      err.message,
      /not enough disk space for BAAI\/seggpt-vit-large \(download and conversion\)/,
    );
    assert.equal(asked, storage);
    assert.equal(weightRequests().length, 0);
  });

  it('cancels a conversion without leaving a model or temporary files, and reuses the download after', async () => {
    const ctl = new AbortController();
    const err = await installFromHub({
      storageDir: storage,
      hub: { baseUrl: hub.baseUrl, repo: HUB_REPO },
      precisions: ['fp32'],
      convert: (req, onProgress, signal) =>
        convertWeightsFile(
          req,
          (f) => {
            onProgress(f);
            if (f > 0.3) ctl.abort();
          },
          signal,
        ).then(() => undefined),
      signal: ctl.signal,
    }).then(
      () => assert.fail('expected cancellation'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConversionCancelled, String(err));
    assert.deepEqual(fs.readdirSync(path.join(storage, 'models')), []);
    assert.equal(readManifest(storage), undefined);
    assert.equal(
      fs.statSync(path.join(downloadsDir(storage), 'model.safetensors')).size,
      files.weights.length,
    );
    const before = weightRequests().length;
    const installed = await installFromHub({
      storageDir: storage,
      hub: { baseUrl: hub.baseUrl, repo: HUB_REPO },
      precisions: ['fp32'],
      convert: childProcessConverter(TASK_SCRIPT),
    });
    assert.equal(weightRequests().length, before, 'the verified download is not fetched again');
    assert.deepEqual(await predict(installed.fp32 as string), expected);
  });

  it('cancels a conversion running in the child process, which removes its files', async () => {
    // The tiny model converts in milliseconds, so the cancel is sent with the request: the
    // child sees it before its first tensor read.
    const ctl = new AbortController();
    ctl.abort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-cancel-'));
    try {
      fs.writeFileSync(path.join(dir, 'model.safetensors'), files.weights);
      fs.writeFileSync(path.join(dir, 'config.json'), files.config);
      const out = path.join(dir, 'out', 'm.onnx');
      const err = await childProcessConverter(TASK_SCRIPT)(
        { weightsPath: path.join(dir, 'model.safetensors'), outPath: out, precision: 'fp32' },
        () => undefined,
        ctl.signal,
      ).then(
        () => assert.fail('expected cancellation'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConversionCancelled, String(err));
      assert.deepEqual(
        fs.existsSync(path.dirname(out)) ? fs.readdirSync(path.dirname(out)) : [],
        [],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fetches again a complete-looking download whose content is wrong', async () => {
    const staged = path.join(downloadsDir(storage), 'model.safetensors');
    fs.mkdirSync(path.dirname(staged), { recursive: true });
    fs.writeFileSync(staged, Buffer.alloc(files.weights.length, 1));
    await installFromHub({
      storageDir: storage,
      hub: { baseUrl: hub.baseUrl, repo: HUB_REPO },
      precisions: ['fp32'],
      convert: (req) => convertWeightsFile(req).then(() => undefined),
    });
    assert.equal(weightRequests().length, 1);
    assert.equal(weightRequests()[0]?.range, undefined);
    assert.ok(!fs.existsSync(partPaths(staged).part));
  });
});

describe('importing a model from a file', function () {
  let storage: string;
  let src: string;
  let expected: Float32Array;
  const convert = (req: Parameters<typeof convertWeightsFile>[0]): Promise<void> =>
    convertWeightsFile(req).then(() => undefined);

  before(async () => {
    src = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-import-src-'));
    const files = await tinyHubFiles(5);
    fs.writeFileSync(path.join(src, 'model.safetensors'), files.weights);
    fs.writeFileSync(path.join(src, 'config.json'), files.config);
    const config = tinyConfig();
    await convertModel({
      config,
      weights: new RandomWeights(config, 5),
      outPath: path.join(src, 'mine.onnx'),
      precision: 'fp32',
      externalData: true,
    });
    expected = await predict(path.join(src, 'mine.onnx'));
  });
  after(() => fs.rmSync(src, { recursive: true, force: true }));
  beforeEach(() => {
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-storage-'));
  });
  afterEach(() => fs.rmSync(storage, { recursive: true, force: true }));

  it('converts a safetensors file with the config.json beside it', async () => {
    const installed = await importModelFile({
      storageDir: storage,
      file: path.join(src, 'model.safetensors'),
      precisions: ['fp32'],
      convert,
    });
    assert.deepEqual(await predict(installed.fp32 as string), expected);
    assert.match(readManifest(storage)?.source ?? '', /imported from .*model\.safetensors/);
    assert.deepEqual(installedModels(storage), installed);
  });

  it('copies an ONNX model made by the engine together with its external data', async () => {
    const installed = await importModelFile({
      storageDir: storage,
      file: path.join(src, 'mine.onnx'),
      precisions: ['fp16'],
      convert: async () => assert.fail('an ONNX model is not converted'),
    });
    const model = installed.fp32 as string;
    assert.equal(model, path.join(storage, 'models', 'imported', 'mine.onnx'));
    assert.ok(fs.existsSync(`${model}.data`));
    assert.deepEqual(await predict(model), expected);
    assert.equal(readManifest(storage)?.models.fp32, path.join('imported', 'mine.onnx'));
    assert.deepEqual(
      fs.readdirSync(path.dirname(model)).sort(),
      ['mine.onnx', 'mine.onnx.data', 'mine.prompt.onnx', 'mine.query.onnx'],
      'no temporary files are left',
    );
  });

  it('refuses files that are not a SegGPT model, saying what to choose', async () => {
    const notes = path.join(src, 'notes.txt');
    fs.writeFileSync(notes, 'hello');
    await assert.rejects(
      importModelFile({ storageDir: storage, file: notes, precisions: ['fp32'], convert }),
      /notes\.txt: choose a \.safetensors weights file .* or an \.onnx model made by "seggpt convert"/,
    );
    const fake = path.join(src, 'other.onnx');
    fs.writeFileSync(fake, Buffer.from([8, 7, 18, 3, 120, 121, 122]));
    await assert.rejects(
      importModelFile({ storageDir: storage, file: fake, precisions: ['fp32'], convert }),
      /other\.onnx: not a SegGPT model converted by this engine/,
    );
    const wrong = path.join(src, 'wrong', 'model.safetensors');
    fs.mkdirSync(path.dirname(wrong), { recursive: true });
    fs.writeFileSync(wrong, fs.readFileSync(path.join(src, 'model.safetensors')));
    // No config.json beside it: ViT-L is assumed, and the tiny weights do not fit it.
    await assert.rejects(
      importModelFile({ storageDir: storage, file: wrong, precisions: ['fp32'], convert }),
      /shape|lack/,
    );
    await assert.rejects(
      importModelFile({
        storageDir: storage,
        file: path.join(src, 'none.onnx'),
        precisions: ['fp32'],
        convert,
      }),
      /none\.onnx: file not found/,
    );
    assert.equal(readManifest(storage), undefined);
  });
});

describe('probing providers in a child process', () => {
  it('runs the tiny model on the CPU and explains providers that are not there', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-probe-'));
    try {
      const results = await probeInChild(TASK_SCRIPT, ['cpu', 'dml'], work, 'fp16');
      assert.deepEqual(
        results.map((r) => [r.provider, r.ok]),
        [
          ['cpu', true],
          ['dml', false],
        ],
      );
      assert.match(results[1]?.reason ?? '', /not available in this build of onnxruntime-node/);
      assert.match(results[1]?.detail ?? '', /dml/);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
