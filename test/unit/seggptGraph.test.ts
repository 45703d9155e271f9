import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../src/engine/config';
import { convertModel, splitModelPaths } from '../../src/engine/convert';
import { readModelInfo } from '../../src/engine/modelInfo';
import type { AttentionKind } from '../../src/engine/onnx/relPosAttention';
import { sliceBatch } from '../../src/engine/oomRetry';
import { openSafetensors } from '../../src/engine/safetensors';
import type { PreparedPrompt } from '../../src/engine/promptSet';
import { SegGptSession, type ModelBatch } from '../../src/engine/segGptSession';
import { Segmenter } from '../../src/engine/segmenter';
import { SplitRunner } from '../../src/engine/splitRunner';
import { fixturePath, maxAbsDiff, readF32, readF64 } from '../support/fixtures';
import { queryHalf } from '../support/queryHalf';

/** The engine's ONNX graph against the reference outputs of the tiny fixture (float64 PyTorch). */
describe('SegGPT ONNX graph vs. reference fixtures', () => {
  const config = parseConfig(JSON.parse(fs.readFileSync(fixturePath('config.json'), 'utf8')));
  const side = 64;
  let dir: string;
  let fp32: SegGptSession;
  /** The same model run as its prompt and query graphs. */
  let split: SegGptSession;
  /**
   * The other attention forms (fp32's default is the bias as a tensor): the widened q/k, and
   * q/k/v padded to one head size (here 20 → 24 columns, v 8 → 24).
   */
  const others = new Map<AttentionKind, SegGptSession>();

  const batchOf = (inp: string, semantic: boolean, ensembleSize: number): ModelBatch => {
    const pixelValues = readF32(fixturePath(`in_${inp}_pixel_values.bin`));
    return {
      pixelValues,
      promptPixelValues: readF32(fixturePath(`in_${inp}_prompt_pixel_values.bin`)),
      promptMasks: readF32(fixturePath(`in_${inp}_prompt_masks.bin`)),
      rows: pixelValues.length / (3 * side * side),
      semantic,
      ensembleSize,
    };
  };
  const expected = (file: string, rows: number): Float64Array =>
    queryHalf(readF64(fixturePath(file)), rows, side, side);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-graph-'));
    const weights = await openSafetensors(fixturePath('model.safetensors'));
    try {
      await convertModel({
        config,
        weights,
        outPath: path.join(dir, 'tiny.onnx'),
        precision: 'fp32',
        debugOutputs: true,
        externalData: true,
      });
      await convertModel({
        config,
        weights,
        outPath: path.join(dir, 'tiny-fp16.onnx'),
        precision: 'fp16',
      });
      for (const attention of ['fused', 'flash'] as const) {
        const outPath = path.join(dir, `tiny-${attention}.onnx`);
        await convertModel({ config, weights, outPath, precision: 'fp32', attention });
      }
    } finally {
      await weights.close();
    }
    fp32 = await SegGptSession.load(path.join(dir, 'tiny.onnx'), {
      providers: ['cpu'],
      graphs: 'full',
    });
    split = await SegGptSession.load(path.join(dir, 'tiny.onnx'), { providers: ['cpu'] });
    for (const attention of ['fused', 'flash'] as const) {
      const modelPath = path.join(dir, `tiny-${attention}.onnx`);
      others.set(attention, await SegGptSession.load(modelPath, { providers: ['cpu'] }));
    }
  });

  after(async () => {
    await fp32?.release();
    await split?.release();
    for (const s of others.values()) await s.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, string, boolean, number][] = [
    ['instance, one pair', 'b1', false, 1],
    ['semantic, one pair', 'b1', true, 1],
    ['two independent pairs', 'b2', false, 1],
    ['few-shot ensemble of two prompts, semantic', 'ens', true, 2],
  ];
  const outputs = [
    'out_a_instance_b1_pred_masks_f64.bin',
    'out_b_semantic_b1_pred_masks_f64.bin',
    'out_d_pairs_b2_pred_masks_f64.bin',
    'out_p_ensemble_semantic_b2_pred_masks_f64.bin',
  ];
  cases.forEach(([title, inp, semantic, group], i) => {
    it(`float32 matches: ${title}`, async () => {
      const batch = batchOf(inp, semantic, group);
      const pred = await fp32.run(batch);
      const err = maxAbsDiff(pred, expected(outputs[i] as string, batch.rows));
      assert.ok(err <= 1e-4, `max abs error ${err}`);
    });
    it(`split prompt/query graphs match: ${title}`, async () => {
      assert.ok(split.usesSplitGraphs && !fp32.usesSplitGraphs);
      const batch = batchOf(inp, semantic, group);
      const err = maxAbsDiff(await split.run(batch), expected(outputs[i] as string, batch.rows));
      assert.ok(err <= 1e-4, `max abs error ${err}`);
      // A second run hits the prompt cache and must give the same answer.
      assert.deepEqual(await split.run(batch), await split.run(batch));
    });
    it(`widened ('fused') and padded ('flash') attention match: ${title}`, async () => {
      const batch = batchOf(inp, semantic, group);
      for (const [kind, s] of others) {
        const err = maxAbsDiff(await s.run(batch), expected(outputs[i] as string, batch.rows));
        assert.ok(err <= 1e-4, `${kind}: max abs error ${err}`);
      }
    });
  });

  it('float32 intermediates match layer by layer (case a)', async () => {
    const names = [
      'debug_embeddings',
      ...Array.from({ length: 6 }, (_, i) => `debug_block${i}`),
      ...[0, 1, 2, 3].map((k) => `debug_tap${k}`),
    ];
    const files = [
      'int_a_embeddings_f64.bin',
      ...Array.from({ length: 6 }, (_, i) => `int_a_layer${i}_out_f64.bin`),
      ...[1, 3, 4, 5].map((l) => `int_a_intermediate_layer${l}_f64.bin`),
    ];
    const got = await fp32.runOutputs(batchOf('b1', false, 1), names);
    names.forEach((n, i) => {
      const err = maxAbsDiff(got[n] as Float32Array, readF64(fixturePath(files[i] as string)));
      assert.ok(err <= 1e-5, `${n}: max abs error ${err}`);
    });
  });

  it('keeps weights in an external data file when asked, inline otherwise', () => {
    assert.ok(fs.statSync(path.join(dir, 'tiny.onnx.data')).size > 400_000);
    assert.ok(!fs.existsSync(path.join(dir, 'tiny-fp16.onnx.data')));
  });

  it('float16 graph stays close to the reference and reports its precision', async () => {
    const fp16 = await SegGptSession.load(path.join(dir, 'tiny-fp16.onnx'), { providers: ['cpu'] });
    try {
      assert.equal(fp16.precision, 'fp16');
      // float16 models are for GPUs: attention padded to one head size for flash kernels.
      assert.equal(readModelInfo(path.join(dir, 'tiny-fp16.onnx')).attention, 'flash');
      assert.equal(readModelInfo(path.join(dir, 'tiny.onnx')).attention, 'bias');
      const batch = batchOf('ens', true, 2);
      const err = maxAbsDiff(await fp16.run(batch), expected(outputs[3] as string, 2));
      // Outputs reach about ±2.5; half precision keeps roughly three significant digits.
      assert.ok(err < 0.05, `max abs error ${err}`);
      assert.ok(
        err > 1e-6,
        'an fp16 graph that matches to float32 accuracy is not computing in fp16',
      );
    } finally {
      await fp16.release();
    }
  });

  it('prepares a prompt ahead: the first prediction then encodes nothing, and predicts the same', async () => {
    const perRow = 3 * side * side;
    const row = (a: Float32Array): Float32Array => a.slice(0, perRow);
    const [b1, b2] = [batchOf('b1', false, 1), batchOf('b2', false, 1)];
    const query = row(b1.pixelValues);
    const fresh = await SegGptSession.load(path.join(dir, 'tiny.onnx'), { providers: ['cpu'] });
    const runner = (fresh as unknown as { sessions: { split: SplitRunner } }).sessions.split;
    const encode = runner.encodePrompt.bind(runner);
    const encoded: number[] = [];
    runner.encodePrompt = (masks, rows, ...rest) => {
      encoded.push(rows);
      return encode(masks, rows, ...rest);
    };
    try {
      for (const pairs of [[b1], [b1, b2]]) {
        const prompt: PreparedPrompt = {
          images: pairs.map((b) => row(b.promptPixelValues)),
          masks: pairs.map((b) => row(b.promptMasks)),
          palette: Uint8Array.of(0, 0, 0, 255, 255, 255),
          numClasses: 1,
          semantic: pairs.length > 1,
        };
        const seg = new Segmenter(fresh, prompt);
        await seg.prepare();
        const before = encoded.length;
        const [pred] = await seg.predict([query]);
        assert.equal(encoded.length, before, `${pairs.length} pairs: the prompt was encoded again`);
        const [cold] = await new Segmenter(split, prompt).predict([query]);
        const err = maxAbsDiff(pred as Float32Array, cold as Float32Array);
        assert.ok(err <= 1e-5, `${pairs.length} pairs: max abs difference ${err}`);
      }
      // One row for the single pair (fed once for any number of queries), two for G = 2.
      assert.deepEqual(encoded, [1, 2]);
    } finally {
      await fresh.release();
    }
  });

  it("encodes and feeds a prompt shared by every query once, with the full graph's results", async () => {
    // Three queries (b2's two and b1's), all against b1's prompt: a prompt applied to a folder.
    const perRow = 3 * side * side;
    const one = batchOf('b1', false, 1);
    const repeat = (row: Float32Array, n: number): Float32Array => {
      const out = new Float32Array(n * perRow);
      for (let i = 0; i < n; i++) out.set(row, i * perRow);
      return out;
    };
    const queries = new Float32Array(3 * perRow);
    queries.set(batchOf('b2', false, 1).pixelValues);
    queries.set(one.pixelValues, 2 * perRow);
    const batch = (rows: number): ModelBatch => ({
      pixelValues: queries.subarray(0, rows * perRow),
      promptPixelValues: repeat(one.promptPixelValues, rows),
      promptMasks: repeat(one.promptMasks, rows),
      rows,
      semantic: false,
      ensembleSize: 1,
    });
    assert.ok(readModelInfo(splitModelPaths(path.join(dir, 'tiny.onnx')).query).sharedPrompt);
    const encoded: number[] = [];
    const encode = SplitRunner.prototype.encodePrompt;
    SplitRunner.prototype.encodePrompt = function (this: SplitRunner, masks, rows, ...rest) {
      encoded.push(rows);
      return encode.call(this, masks, rows, ...rest);
    };
    const fresh = await SegGptSession.load(path.join(dir, 'tiny.onnx'), { providers: ['cpu'] });
    try {
      for (const rows of [3, 2]) {
        const err = maxAbsDiff(await fresh.run(batch(rows)), await fp32.run(batch(rows)));
        assert.ok(err <= 1e-4, `${rows} rows: max abs error ${err}`);
      }
    } finally {
      SplitRunner.prototype.encodePrompt = encode;
      await fresh.release();
    }
    // One prompt row encoded, once: the 2-row batch found it cached.
    assert.deepEqual(encoded, [1]);
  });

  it('takes a caller at its word that every row repeats one prompt, also when split', async () => {
    // Row 1's prompt differs from row 0's; a caller that says the rows repeat one prompt gets
    // row 0's prompt for both (the rows are not compared), and so does each half of a split.
    const perRow = 3 * side * side;
    const a = batchOf('b1', false, 1);
    const b = batchOf('b2', false, 1);
    const two = (x: Float32Array, y: Float32Array): Float32Array => {
      const out = new Float32Array(2 * perRow);
      out.set(x);
      out.set(y.subarray(0, perRow), perRow);
      return out;
    };
    const said: ModelBatch = {
      pixelValues: two(a.pixelValues, b.pixelValues),
      promptPixelValues: two(a.promptPixelValues, b.promptPixelValues),
      promptMasks: two(a.promptMasks, b.promptMasks),
      rows: 2,
      semantic: false,
      ensembleSize: 1,
      oneRepeatedPrompt: true,
    };
    const rowZeroPrompt: ModelBatch = {
      ...said,
      promptPixelValues: two(a.promptPixelValues, a.promptPixelValues),
      promptMasks: two(a.promptMasks, a.promptMasks),
      oneRepeatedPrompt: false,
    };
    const fresh = await SegGptSession.load(path.join(dir, 'tiny.onnx'), { providers: ['cpu'] });
    try {
      const expected = await fp32.run(rowZeroPrompt);
      assert.ok(maxAbsDiff(await fresh.run(said), expected) <= 1e-4);
      const halves = [sliceBatch(said, 0, 1), sliceBatch(said, 1, 1)];
      assert.ok(halves.every((h) => h.oneRepeatedPrompt === true));
      // Without the word, the rows are compared and each row keeps its own prompt.
      const compared = await fresh.run({ ...said, oneRepeatedPrompt: undefined });
      assert.ok(maxAbsDiff(compared, expected) > 1e-3, 'row 1 used row 0’s prompt unasked');
    } finally {
      await fresh.release();
    }
  });

  it('rejects a batch that does not split into prompt groups', async () => {
    const batch = { ...batchOf('b2', false, 1), ensembleSize: 3 };
    await assert.rejects(fp32.run(batch), /cannot be split into groups of 3/);
  });
});

/**
 * The int8 fast path (quantized linear layers) against float32 on the fixture: the bound the
 * benchmark reports, pinned so that a change to quantization cannot silently lose fidelity.
 */
describe('SegGPT int8 graph vs. float32', () => {
  const config = parseConfig(JSON.parse(fs.readFileSync(fixturePath('config.json'), 'utf8')));
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-int8-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('stays within mean 0.02 and agrees on ≥ 99% of binary decisions', async () => {
    const preds: Float32Array[] = [];
    const weights = await openSafetensors(fixturePath('model.safetensors'));
    try {
      for (const precision of ['fp32', 'int8'] as const) {
        const outPath = path.join(dir, `${precision}.onnx`);
        await convertModel({ config, weights, outPath, precision });
        const s = await SegGptSession.load(outPath, { providers: ['cpu'] });
        assert.equal(s.precision, precision);
        const pixelValues = readF32(fixturePath('in_b2_pixel_values.bin'));
        preds.push(
          await s.run({
            pixelValues,
            promptPixelValues: readF32(fixturePath('in_b2_prompt_pixel_values.bin')),
            promptMasks: readF32(fixturePath('in_b2_prompt_masks.bin')),
            rows: 2,
            semantic: false,
            ensembleSize: 1,
          }),
        );
        await s.release();
      }
    } finally {
      await weights.close();
    }
    const [fp32, int8] = preds as [Float32Array, Float32Array];
    let sum = 0;
    for (let i = 0; i < fp32.length; i++)
      sum += Math.abs((fp32[i] as number) - (int8[i] as number));
    const mean = sum / fp32.length;
    assert.ok(mean < 0.02, `mean abs error ${mean}`);
    assert.ok(mean > 1e-5, 'an int8 graph that matches float32 exactly is not quantized');
    const plane = 64 * 64;
    let agree = 0;
    let total = 0;
    for (let r = 0; r < 2; r++) {
      for (let i = 0; i < plane; i++) {
        const at = (a: Float32Array): number =>
          (a[r * 3 * plane + i] as number) +
          (a[(r * 3 + 1) * plane + i] as number) +
          (a[(r * 3 + 2) * plane + i] as number);
        if (at(fp32) > 0 === at(int8) > 0) agree++;
        total++;
      }
    }
    assert.ok(agree / total >= 0.99, `binary agreement ${agree / total}`);
  });
});
