import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/engine/randomWeights';
import { isOutOfMemory, OomRetryRunner, type OomEvent } from '../../src/engine/oomRetry';
import { NoProviderError } from '../../src/engine/providers';
import { VIT_LARGE } from '../../src/engine/config';
import { SegGptSession, webgpuRowLimit, type ModelBatch } from '../../src/engine/segGptSession';
import { maxAbsDiff } from '../support/fixtures';
import { tinyConfig, tinyModelPath } from '../support/tinyModel';

// Messages as the GPU providers word an exhausted device.
const CUDA_OOM =
  "Non-zero status code returned while running MatMul node. Name:'/enc/0/qkv' Status Message: /onnxruntime/core/framework/bfc_arena.cc:376 void* onnxruntime::BFCArena::AllocateRawInternal(size_t, bool, onnxruntime::Stream*, bool, onnxruntime::WaitNotificationFn) Failed to allocate memory for requested buffer of size 1073741824";

function randomBatch(rows: number, ensembleSize: number, seed: number): ModelBatch {
  const rand = mulberry32(seed);
  const n = rows * 3 * 64 * 64;
  const mk = (): Float32Array => Float32Array.from({ length: n }, () => 2 * rand() - 1);
  return {
    pixelValues: mk(),
    promptPixelValues: mk(),
    promptMasks: mk(),
    rows,
    semantic: false,
    ensembleSize,
  };
}

describe('OomRetryRunner on the tiny model', function () {
  let session: SegGptSession;
  before(async () => {
    session = await SegGptSession.load(await tinyModelPath(), { providers: ['cpu'] });
  });
  after(async () => session.release());

  /** The session's own run, failing with an out-of-memory error above `limit` rows. */
  function gpuThatFits(limit: number, calls: number[]): (b: ModelBatch) => Promise<Float32Array> {
    return async (b) => {
      calls.push(b.rows);
      if (b.rows > limit) throw new Error(CUDA_OOM);
      return session.run(b);
    };
  }

  const cases: [number, number, number[], number][] = [
    [6, 2, [6, 2, 2, 2], 2],
    [5, 1, [5, 2, 2, 1], 2],
    [8, 1, [8, 4, 2, 2, 2, 2], 2],
  ];
  for (const [rows, group, expectedCalls, cap] of cases) {
    it(`splits ${rows} rows in groups of ${group} until they fit, with the same result`, async () => {
      const batch = randomBatch(rows, group, rows * 10 + group);
      const whole = await session.run(batch);
      const calls: number[] = [];
      const events: OomEvent[] = [];
      const runner = new OomRetryRunner(gpuThatFits(2, calls), undefined, (e) => events.push(e));
      const split = await runner.runBatch(batch);
      assert.equal(split.length, whole.length);
      assert.ok(maxAbsDiff(split, whole) < 1e-5, `differs by ${maxAbsDiff(split, whole)}`);
      assert.deepEqual(calls, expectedCalls);
      assert.equal(runner.maxRows, cap);
      assert.ok(
        events.every((e) => e.kind === 'split' && /Failed to allocate memory/.test(e.error)),
      );
      // The size that fitted is remembered: the next batch goes in pieces at once.
      calls.length = 0;
      await runner.runBatch(batch);
      assert.ok(
        calls.every((r) => r <= cap),
        `later calls ${calls.join(',')}`,
      );
    });
  }

  it('moves to the fallback runner when even one prompt group does not fit', async () => {
    const batch = randomBatch(4, 2, 77);
    const whole = await session.run(batch);
    const calls: number[] = [];
    const events: OomEvent[] = [];
    let fallbacks = 0;
    const runner = new OomRetryRunner(
      gpuThatFits(0, calls),
      async () => {
        fallbacks++;
        return (b) => session.run(b);
      },
      (e) => events.push(e),
    );
    const out = await runner.runBatch(batch);
    assert.ok(maxAbsDiff(out, whole) < 1e-5);
    assert.equal(fallbacks, 1);
    assert.ok(runner.usedFallback);
    assert.deepEqual(calls, [4, 2]);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['split', 'fallback'],
    );
    await runner.runBatch(batch);
    assert.equal(fallbacks, 1, 'the fallback is made once');
  });

  it('rethrows errors that are not about memory, and memory errors with nowhere to go', async () => {
    const batch = randomBatch(2, 1, 5);
    const calls: number[] = [];
    const broken = new OomRetryRunner(async (b) => {
      calls.push(b.rows);
      throw new Error('Invalid input shape');
    });
    await assert.rejects(broken.runBatch(batch), /Invalid input shape/);
    assert.deepEqual(calls, [2]);
    const full = new OomRetryRunner(gpuThatFits(0, []));
    await assert.rejects(full.runBatch(batch), /Failed to allocate memory/);
  });
});

describe('isOutOfMemory', () => {
  for (const msg of [
    CUDA_OOM,
    'CUDA failure 2: out of memory ; GPU=0 ; hostname=x',
    'CUBLAS failure 3: CUBLAS_STATUS_ALLOC_FAILED',
    'DmlExecutionProvider: 887A0005 ... E_OUTOFMEMORY',
    'The parameter is incorrect (0x8007000E)',
    'WebGPU: Failed to create buffer of size 4294967296',
  ]) {
    it(`recognises "${msg.slice(0, 50)}…"`, () => assert.ok(isOutOfMemory(new Error(msg))));
  }
  it('does not mistake other errors', () => {
    assert.ok(!isOutOfMemory(new Error('Invalid rank for input: pixel_values')));
    assert.ok(!isOutOfMemory('Failed to load library libonnxruntime_providers_cuda.so'));
  });
});

describe('SegGptSession.loadPlan', () => {
  it('records why earlier steps failed and loads the first that works', async () => {
    const model = await tinyModelPath();
    const session = await SegGptSession.loadPlan([
      { modelPath: '/nonexistent/seggpt-fp16.onnx', providers: ['webgpu'] },
      { modelPath: model, providers: ['dml'] },
      { modelPath: model, providers: ['cpu'] },
    ]);
    try {
      assert.equal(session.provider, 'cpu');
      assert.equal(session.modelPath, model);
      assert.deepEqual(
        session.attempts.map((a) => [a.provider, a.ok]),
        [
          ['dml', false],
          ['cpu', true],
        ],
      );
      assert.match(session.attempts[0]?.reason ?? '', /not available in this build/);
      assert.equal(session.maxBatchRows, undefined);
    } finally {
      await session.release();
    }
  });

  it('throws NoProviderError with every attempt when nothing loads, and the file error when the last step cannot be read', async () => {
    const model = await tinyModelPath();
    await assert.rejects(
      SegGptSession.loadPlan([
        { modelPath: model, providers: ['dml'] },
        { modelPath: model, providers: ['coreml'] },
      ]),
      (e: unknown) =>
        e instanceof NoProviderError && e.attempts.map((a) => a.provider).join() === 'dml,coreml',
    );
    await assert.rejects(
      SegGptSession.loadPlan([{ modelPath: '/nonexistent/m.onnx', providers: ['cpu'] }]),
      /model file not found/,
    );
  });
});

describe('the WebGPU row limit', () => {
  it('keeps the attention scores of ViT-L under 2 GiB: 24 rows in float16, 12 in float32', () => {
    // Measured on an H200: float16 right at 24 rows and wrong at 32; float32 right at 8, wrong at 16.
    assert.equal(webgpuRowLimit(VIT_LARGE, 'fp16'), 24);
    assert.equal(webgpuRowLimit(VIT_LARGE, 'fp32'), 12);
    // The full graph attends over both streams before the merge: half as many rows.
    assert.equal(webgpuRowLimit(VIT_LARGE, 'fp16', false), 12);
    assert.ok(webgpuRowLimit(tinyConfig(), 'fp32') > 1000);
  });

  it('splits batches above a preset limit into whole prompt groups, with the same result', async () => {
    const session = await SegGptSession.load(await tinyModelPath(), { providers: ['cpu'] });
    try {
      const batch = randomBatch(6, 2, 31);
      const whole = await session.run(batch);
      const calls: number[] = [];
      const runner = new OomRetryRunner(
        async (b) => {
          calls.push(b.rows);
          return session.run(b);
        },
        undefined,
        undefined,
        3,
      );
      const out = await runner.runBatch(batch);
      assert.deepEqual(calls, [2, 2, 2], 'a limit of 3 rows runs groups of 2');
      assert.ok(maxAbsDiff(out, whole) < 1e-5);
      assert.equal(runner.maxRows, 3);
    } finally {
      await session.release();
    }
  });
});
