/**
 * Fidelity on the tiny reference fixture (test/fixtures/seggpt-tiny-reference): its real weights
 * converted to fp32 and int8, run on the fixture's four input cases, compared with each other and
 * with the float64 reference outputs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../src/engine/config';
import { convertModel } from '../src/engine/convert';
import { openSafetensors } from '../src/engine/safetensors';
import { SegGptSession, type ModelBatch } from '../src/engine/segGptSession';
import { absError, mergeErrors } from './timing';

/** Error statistics of one comparison. */
export interface ErrorStats {
  readonly max: number;
  readonly mean: number;
  readonly n: number;
}

/** What the fixture comparison found. */
export interface FixtureFidelity {
  readonly int8VsFp32: ErrorStats;
  readonly fp32VsReference: ErrorStats;
  readonly int8VsReference: ErrorStats;
  /** Share of query pixels where int8 and fp32 agree on the sign of the channel sum. */
  readonly int8SignAgreement: number;
  readonly cases: Record<string, { int8VsFp32: ErrorStats; fp32VsReference: ErrorStats }>;
}

/** The fixture folder (found from this file, so it works from bench/ and out/bench/). */
export function fixtureDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return path.join(dir, 'test', 'fixtures', 'seggpt-tiny-reference');
}

function readLe(file: string, bytes: 4 | 8): Float64Array {
  const buf = fs.readFileSync(file);
  const out = new Float64Array(buf.byteLength / bytes);
  for (let i = 0; i < out.length; i++) {
    out[i] = bytes === 4 ? buf.readFloatLE(4 * i) : buf.readDoubleLE(8 * i);
  }
  return out;
}

/** Rows side..2·side−1 of a reference canvas [N,3,2·side,side] (the engine outputs the query half). */
function queryHalf(canvas: Float64Array, rows: number, side: number): Float64Array {
  const out = new Float64Array(rows * 3 * side * side);
  for (let plane = 0; plane < rows * 3; plane++) {
    const src = (plane * 2 * side + side) * side;
    out.set(canvas.subarray(src, src + side * side), plane * side * side);
  }
  return out;
}

const CASES = [
  { name: 'instance_b1', input: 'b1', semantic: false, group: 1, ref: 'out_a_instance_b1' },
  { name: 'semantic_b1', input: 'b1', semantic: true, group: 1, ref: 'out_b_semantic_b1' },
  { name: 'pairs_b2', input: 'b2', semantic: false, group: 1, ref: 'out_d_pairs_b2' },
  {
    name: 'ensemble_b2',
    input: 'ens',
    semantic: true,
    group: 2,
    ref: 'out_p_ensemble_semantic_b2',
  },
] as const;

/** Converts the fixture weights into `workDir` and compares int8, fp32 and the reference. */
export async function fixtureFidelity(workDir: string, threads: number): Promise<FixtureFidelity> {
  const dir = fixtureDir();
  const config = parseConfig(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
  const side = config.imageSize[1];
  const weights = await openSafetensors(path.join(dir, 'model.safetensors'));
  const sessions: SegGptSession[] = [];
  try {
    for (const precision of ['fp32', 'int8'] as const) {
      const outPath = path.join(workDir, `fixture-${precision}.onnx`);
      await convertModel({ config, weights, outPath, precision });
      sessions.push(await SegGptSession.load(outPath, { providers: ['cpu'], threads }));
    }
  } finally {
    await weights.close();
  }
  const [fp32, int8] = sessions as [SegGptSession, SegGptSession];
  try {
    const cases: FixtureFidelity['cases'] = {};
    const all = { i8: [] as ErrorStats[], f32: [] as ErrorStats[], i8ref: [] as ErrorStats[] };
    let agree = 0;
    let total = 0;
    for (const c of CASES) {
      const f32 = (name: string): Float32Array =>
        Float32Array.from(readLe(path.join(dir, `in_${c.input}_${name}.bin`), 4));
      const pixelValues = f32('pixel_values');
      const rows = pixelValues.length / (3 * side * side);
      const batch: ModelBatch = {
        pixelValues,
        promptPixelValues: f32('prompt_pixel_values'),
        promptMasks: f32('prompt_masks'),
        rows,
        semantic: c.semantic,
        ensembleSize: c.group,
      };
      const a = await fp32.run(batch);
      const b = await int8.run(batch);
      const ref = queryHalf(readLe(path.join(dir, `${c.ref}_pred_masks_f64.bin`), 8), rows, side);
      const e = { int8VsFp32: absError(b, a), fp32VsReference: absError(a, ref) };
      cases[c.name] = e;
      all.i8.push(e.int8VsFp32);
      all.f32.push(e.fp32VsReference);
      all.i8ref.push(absError(b, ref));
      const plane = side * side;
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < plane; i++) {
          const sum = (x: Float32Array): number =>
            (x[r * 3 * plane + i] as number) +
            (x[(r * 3 + 1) * plane + i] as number) +
            (x[(r * 3 + 2) * plane + i] as number);
          if (sum(a) > 0 === sum(b) > 0) agree++;
          total++;
        }
      }
    }
    return {
      int8VsFp32: mergeErrors(all.i8),
      fp32VsReference: mergeErrors(all.f32),
      int8VsReference: mergeErrors(all.i8ref),
      int8SignAgreement: agree / total,
      cases,
    };
  } finally {
    await fp32.release();
    await int8.release();
  }
}
