/** A loaded SegGPT model: an onnxruntime-node session plus what it needs to run a batch. */
import type * as ort from 'onnxruntime-node';
import { geometryOf, type SegGptConfig, type SegGptGeometry } from './config';
import { readModelInfo } from './modelInfo';
import type { Precision } from './onnx/graphBuilder';
import { GRAPH_IO } from './onnx/seggptGraph';
import {
  defaultProviderOrder,
  firstWorkingProvider,
  type ProviderAttempt,
  type ProviderName,
} from './providers';

/** How to load a model. */
export interface LoadOptions {
  /** Providers to try in order; 'auto' (default) is the platform's order. */
  readonly providers?: readonly ProviderName[] | 'auto';
  /** Intra-op threads for the CPU provider; 0 or absent lets onnxruntime decide. */
  readonly threads?: number;
  /** Write an onnxruntime profile (JSON) with this file prefix. */
  readonly profilePrefix?: string;
}

/** One batch for the model: N rows of normalized [3,h,w] images, grouped by query. */
export interface ModelBatch {
  readonly pixelValues: Float32Array;
  readonly promptPixelValues: Float32Array;
  readonly promptMasks: Float32Array;
  /** Number of rows N. */
  readonly rows: number;
  readonly semantic: boolean;
  /** Prompts per query: rows come in consecutive groups of this size (1 = independent). */
  readonly ensembleSize: number;
}

/** Thrown for a batch whose sizes do not fit the model. */
export class BatchError extends Error {
  override readonly name = 'BatchError';
}

/** A SegGPT model ready to run; call `release()` when done. */
export class SegGptSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly runtime: typeof ort,
    readonly config: SegGptConfig,
    readonly precision: Precision,
    readonly provider: ProviderName,
    readonly attempts: readonly ProviderAttempt[],
    readonly loadMs: number,
    readonly threads: number,
  ) {}

  /** Derived sizes (input image size, grid). */
  get geometry(): SegGptGeometry {
    return geometryOf(this.config);
  }

  /** Loads a converted model, trying providers in order (the reasons are kept in `attempts`). */
  static async load(modelPath: string, opts: LoadOptions = {}): Promise<SegGptSession> {
    const info = readModelInfo(modelPath);
    const runtime = await import('onnxruntime-node');
    // Failed provider probes are expected and explained in `attempts`; keep the log quiet.
    runtime.env.logLevel = 'fatal';
    const order =
      opts.providers === undefined || opts.providers === 'auto'
        ? defaultProviderOrder()
        : opts.providers;
    const threads = opts.threads ?? 0;
    const start = performance.now();
    const { value, provider, attempts } = await firstWorkingProvider(order, (p) =>
      runtime.InferenceSession.create(modelPath, {
        executionProviders: [p],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
        ...(opts.profilePrefix
          ? { enableProfiling: true, profileFilePrefix: opts.profilePrefix }
          : {}),
      }),
    );
    const loadMs = performance.now() - start;
    return new SegGptSession(
      value,
      runtime,
      info.config,
      info.precision,
      provider,
      attempts,
      loadMs,
      threads,
    );
  }

  /** Runs one batch; returns the query predictions [N,3,h,w], normalized RGB. */
  async run(batch: ModelBatch): Promise<Float32Array> {
    const out = await this.runOutputs(batch, [GRAPH_IO.predMasks]);
    return out[GRAPH_IO.predMasks] as Float32Array;
  }

  /** Runs a batch asking for named outputs (debug graphs have more); returns them as float32. */
  async runOutputs(batch: ModelBatch, names: string[]): Promise<Record<string, Float32Array>> {
    const { inputH: h, inputW: w } = this.geometry;
    checkBatch(batch, batch.rows * 3 * h * w);
    const T = this.runtime.Tensor;
    const dims = [batch.rows, 3, h, w];
    const out = await this.session.run(
      {
        [GRAPH_IO.pixelValues]: new T('float32', batch.pixelValues, dims),
        [GRAPH_IO.promptPixelValues]: new T('float32', batch.promptPixelValues, dims),
        [GRAPH_IO.promptMasks]: new T('float32', batch.promptMasks, dims),
        [GRAPH_IO.embeddingType]: new T('int64', BigInt64Array.of(batch.semantic ? 1n : 0n), [1]),
        [GRAPH_IO.ensembleSize]: new T('int64', BigInt64Array.of(BigInt(batch.ensembleSize)), [1]),
      },
      names,
    );
    return Object.fromEntries(
      names.map((n) => {
        const t = out[n];
        if (!t) throw new Error(`the model returned no ${n}`);
        return [n, t.data as Float32Array];
      }),
    );
  }

  /** Ends profiling, if it was on (the profile file is written). */
  endProfiling(): void {
    this.session.endProfiling();
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}

function checkBatch(batch: ModelBatch, size: number): void {
  if (batch.rows < 1) throw new BatchError('a batch needs at least one row');
  if (batch.ensembleSize < 1 || batch.rows % batch.ensembleSize !== 0) {
    throw new BatchError(
      `${batch.rows} rows cannot be split into groups of ${batch.ensembleSize} prompts`,
    );
  }
  for (const [name, data] of [
    ['pixelValues', batch.pixelValues],
    ['promptPixelValues', batch.promptPixelValues],
    ['promptMasks', batch.promptMasks],
  ] as const) {
    if (data.length !== size) {
      throw new BatchError(`${name} has ${data.length} values, expected ${size}`);
    }
  }
}
