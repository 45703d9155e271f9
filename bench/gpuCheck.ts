/**
 * GPU check: the engine's fp32 and fp16 graphs on each GPU execution provider that loads here,
 * error against the reference fixtures and time per query of the full ViT-L shape.
 * Usage: node dist/gpu-check.js [--out result.json] [--providers cuda,webgpu] [--budget-s 300]
 * With --sessions N, also the rate of N sessions running batches at once (the job's own and
 * N − 1 replicas, src/engine/replica.ts: dist/replicaWorker.js must sit beside this script).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/engine/config';
import { convertModel } from '../src/engine/convert';
import type { Precision } from '../src/engine/onnx/graphBuilder';
import type { AttentionKind } from '../src/engine/onnx/relPosAttention';
import type { ProviderName } from '../src/engine/providers';
import { mulberry32, RandomWeights } from '../src/engine/randomWeights';
import { openSafetensors } from '../src/engine/safetensors';
import type { PreparedPrompt } from '../src/engine/promptSet';
import { releaseReplicas, startReplicas, type Predictor } from '../src/engine/replica';
import { SegGptSession, type ModelBatch } from '../src/engine/segGptSession';
import { Segmenter } from '../src/engine/segmenter';

const NOMINAL_FLOP = 1.59e12;
const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'seggpt-tiny-reference');

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    providers: { type: 'string', default: 'cuda,webgpu' },
    'budget-s': { type: 'string', default: '300' },
    work: { type: 'string', default: path.join(os.tmpdir(), 'seggpt-gpu') },
    'skip-vitl': { type: 'boolean' },
    /** Time the providers without the tiny-fixture check first. */
    'skip-fixtures': { type: 'boolean' },
    /** No CPU fp32 reference (no error figure; saves a conversion and a CPU run). */
    'skip-reference': { type: 'boolean' },
    /** Only write the ViT-L models and the CPU reference (a setup step before the GPU runs). */
    'convert-only': { type: 'boolean' },
    precisions: { type: 'string', default: 'fp16,fp32' },
    attention: { type: 'string', default: 'default' },
    batches: { type: 'string', default: '1,8' },
    graphs: { type: 'string', default: 'auto' },
    /** Write onnxruntime profiles with this prefix (timings then include the profiler). */
    'profile-prefix': { type: 'string' },
    /** Also time N sessions running batches at once (replicas in worker threads). */
    sessions: { type: 'string', default: '1' },
    /** Batches each session runs in that timing. */
    'session-runs': { type: 'string', default: '6' },
  },
});
const deadline = Date.now() + Number(values['budget-s']) * 1000;
const work = values.work as string;
fs.mkdirSync(work, { recursive: true });
const result: Record<string, unknown> = {
  date: new Date().toISOString(),
  host: os.cpus()[0]?.model,
};
const save = (): void => {
  if (values.out) fs.writeFileSync(values.out, JSON.stringify(result, null, 2));
};
const log = (s: string): void => console.log(s);

function f32(name: string): Float32Array {
  const b = fs.readFileSync(path.join(FIXTURE, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function f64(name: string): Float64Array {
  const b = fs.readFileSync(path.join(FIXTURE, name));
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

async function fixtureErrors(
  provider: ProviderName,
  precision: Precision,
): Promise<Record<string, number>> {
  const config = parseConfig(
    JSON.parse(fs.readFileSync(path.join(FIXTURE, 'config.json'), 'utf8')),
  );
  const modelPath = path.join(work, `tiny-${precision}.onnx`);
  if (!fs.existsSync(modelPath)) {
    const w = await openSafetensors(path.join(FIXTURE, 'model.safetensors'));
    await convertModel({ config, weights: w, outPath: modelPath, precision });
    await w.close();
  }
  const s = await SegGptSession.load(modelPath, { providers: [provider] });
  const errs: Record<string, number> = {};
  try {
    for (const [inp, out, semantic, g] of [
      ['b1', 'out_a_instance_b1_pred_masks_f64.bin', false, 1],
      ['b1', 'out_b_semantic_b1_pred_masks_f64.bin', true, 1],
      ['b2', 'out_d_pairs_b2_pred_masks_f64.bin', false, 1],
      ['ens', 'out_p_ensemble_semantic_b2_pred_masks_f64.bin', true, 2],
    ] as const) {
      const pv = f32(`in_${inp}_pixel_values.bin`);
      const rows = pv.length / (3 * 64 * 64);
      const pred = await s.run({
        pixelValues: pv,
        promptPixelValues: f32(`in_${inp}_prompt_pixel_values.bin`),
        promptMasks: f32(`in_${inp}_prompt_masks.bin`),
        rows,
        semantic,
        ensembleSize: g,
      });
      const exp = f64(out);
      let m = 0;
      let sum = 0;
      for (let plane = 0; plane < rows * 3; plane++) {
        for (let i = 0; i < 64 * 64; i++) {
          const d = Math.abs(
            (exp[plane * 2 * 4096 + 4096 + i] as number) - (pred[plane * 4096 + i] as number),
          );
          m = Math.max(m, d);
          sum += d;
        }
      }
      errs[out.slice(0, 5)] = m;
      errs[`${out.slice(0, 5)}_mean`] = sum / (rows * 3 * 4096);
    }
  } finally {
    await s.release();
  }
  return errs;
}

/** `rows` random queries against one random prompt (as when a prompt is applied to a folder). */
function randomBatch(rows: number, h: number, w: number): ModelBatch {
  const rand = mulberry32(11);
  const mk = (n: number): Float32Array =>
    Float32Array.from({ length: n * 3 * h * w }, () => 2 * rand() - 1);
  const repeated = (row: Float32Array): Float32Array => {
    const out = new Float32Array(rows * row.length);
    for (let i = 0; i < rows; i++) out.set(row, i * row.length);
    return out;
  };
  return {
    pixelValues: mk(rows),
    promptPixelValues: repeated(mk(1)),
    promptMasks: repeated(mk(1)),
    rows,
    semantic: false,
    ensembleSize: 1,
  };
}

/** 'default': each precision's own (see defaultAttention). */
const attention = values.attention as AttentionKind | 'default';
const batches = (values.batches as string).split(',').map(Number);
const graphs = values.graphs as 'auto' | 'full';

async function vitL(precision: Precision): Promise<string> {
  const p = path.join(work, `vitl-${precision}-${attention}.onnx`);
  if (!fs.existsSync(p)) {
    const t = Date.now();
    const config = parseConfig({});
    await convertModel({
      config,
      weights: new RandomWeights(config, 0),
      outPath: p,
      precision,
      ...(attention === 'default' ? {} : { attention }),
    });
    log(`converted ViT-L ${precision} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  return p;
}

async function timeProvider(
  provider: ProviderName,
  precision: Precision,
  reference?: Float32Array,
): Promise<Record<string, number>> {
  const s = await SegGptSession.load(await vitL(precision), {
    providers: [provider],
    graphs,
    profilePrefix: values['profile-prefix'],
  });
  const out: Record<string, number> = { load_ms: Math.round(s.loadMs) };
  try {
    const { inputH: h, inputW: w } = s.geometry;
    const b1 = randomBatch(1, h, w);
    let t = performance.now();
    const first = await s.run(b1);
    out.first_query_ms = performance.now() - t;
    if (reference) {
      let m = 0;
      for (let i = 0; i < reference.length; i++)
        m = Math.max(m, Math.abs((reference[i] as number) - (first[i] as number)));
      out.max_abs_err_vs_cpu_fp32 = m;
    }
    for (const rows of batches) {
      const batch = rows === 1 ? b1 : randomBatch(rows, h, w);
      await s.run(batch);
      const times: number[] = [];
      while (times.length < (rows === 1 ? 10 : 5) && Date.now() < deadline) {
        t = performance.now();
        await s.run(batch);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const med = times[Math.floor(times.length / 2)] as number;
      out[`batch${rows}_median_ms`] = med;
      out[`batch${rows}_queries_per_s`] = (1000 * rows) / med;
      out[`batch${rows}_tflops`] = (NOMINAL_FLOP * rows) / (med / 1000) / 1e12;
      log(
        `  ${provider} ${precision} batch ${rows}: ${med.toFixed(1)} ms (${out[`batch${rows}_queries_per_s`]?.toFixed(1)} q/s)`,
      );
    }
    const sessions = Number(values.sessions);
    for (const rows of sessions > 1 ? batches : []) {
      if (Date.now() > deadline) break;
      const rate = await timeSessions(s, rows, sessions);
      out[`sessions${sessions}_batch${rows}_queries_per_s`] = rate;
      log(
        `  ${provider} ${precision} ${sessions} sessions × batch ${rows}: ${rate.toFixed(1)} q/s`,
      );
    }
  } finally {
    await s.release();
  }
  return out;
}

/**
 * Queries per second of `count` sessions (this one and count − 1 replicas) each running batches
 * of `rows` random queries against one random prompt, back to back, as a folder job's do.
 */
async function timeSessions(s: SegGptSession, rows: number, count: number): Promise<number> {
  const { inputH: h, inputW: w } = s.geometry;
  const per = 3 * h * w;
  const b = randomBatch(rows, h, w);
  const prompt: PreparedPrompt = {
    images: [b.promptPixelValues.slice(0, per)],
    masks: [b.promptMasks.slice(0, per)],
    palette: Uint8Array.of(0, 0, 0, 255, 255, 255),
    numClasses: 1,
    semantic: false,
  };
  const queries = Array.from({ length: rows }, (_, i) =>
    b.pixelValues.slice(i * per, (i + 1) * per),
  );
  const replicas = startReplicas(s, prompt, count - 1);
  try {
    const predictors: Predictor[] = [new Segmenter(s, prompt), ...(await Promise.all(replicas))];
    await Promise.all(predictors.map((p) => p.predict(queries))); // warm-up, prompt encoded
    const total = count * Number(values['session-runs']);
    let claimed = 0;
    const t = performance.now();
    await Promise.all(
      predictors.map(async (p) => {
        while (claimed++ < total) await p.predict(queries);
      }),
    );
    return (total * rows) / ((performance.now() - t) / 1000);
  } finally {
    await releaseReplicas(replicas);
  }
}

const REFERENCE = (): string => path.join(work, `reference-${attention}.f32`);

/** CPU fp32 output of the random query, kept in the work folder for later runs. */
async function cpuReference(): Promise<Float32Array> {
  if (fs.existsSync(REFERENCE())) {
    const b = fs.readFileSync(REFERENCE());
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  const s = await SegGptSession.load(await vitL('fp32'), { providers: ['cpu'] });
  const t = performance.now();
  const ref = await s.run(randomBatch(1, s.geometry.inputH, s.geometry.inputW));
  result.cpu_fp32_ms = performance.now() - t;
  await s.release();
  fs.writeFileSync(REFERENCE(), Buffer.from(ref.buffer, ref.byteOffset, ref.byteLength));
  return ref;
}

async function main(): Promise<void> {
  result.options = {
    attention,
    batches,
    graphs,
    precisions: values.precisions,
    sessions: Number(values.sessions),
  };
  if (values['convert-only']) {
    for (const p of (values.precisions as string).split(',') as Precision[]) await vitL(p);
    if (!values['skip-reference']) await cpuReference();
    return save();
  }
  const providers = (values.providers as string).split(',') as ProviderName[];
  const ok: ProviderName[] = values['skip-fixtures'] ? [...providers] : [];
  for (const p of values['skip-fixtures'] ? [] : providers) {
    for (const precision of ['fp32', 'fp16'] as const) {
      try {
        const errs = await fixtureErrors(p, precision);
        result[`fixture_${p}_${precision}`] = errs;
        log(`fixture ${p} ${precision}: ${JSON.stringify(errs)}`);
        if (!ok.includes(p)) ok.push(p);
      } catch (err) {
        result[`fixture_${p}_${precision}`] = { error: String(err).split('\n')[0] };
        log(`fixture ${p} ${precision} failed: ${String(err).split('\n')[0]}`);
      }
      save();
    }
  }
  // CPU fp32 output of the same random query, to measure each GPU run's error.
  let reference: Float32Array | undefined;
  if (values['skip-vitl']) return save();
  if (ok.length && !values['skip-reference'] && Date.now() < deadline) {
    reference = await cpuReference();
  }
  for (const p of ok) {
    for (const precision of (values.precisions as string).split(',') as Precision[]) {
      if (Date.now() > deadline) break;
      try {
        result[`vitl_${p}_${precision}`] = await timeProvider(p, precision, reference);
      } catch (err) {
        result[`vitl_${p}_${precision}`] = { error: String(err).split('\n')[0] };
        log(`ViT-L ${p} ${precision} failed: ${String(err).split('\n')[0]}`);
      }
      save();
    }
  }
  save();
  log(JSON.stringify(result, null, 2));
}

main().catch((err: unknown) => {
  console.error(err);
  save();
  process.exitCode = 1;
});
