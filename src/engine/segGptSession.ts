/** A loaded SegGPT model: an onnxruntime-node session plus what it needs to run a batch. */
import type * as ort from 'onnxruntime-node';
import { geometryOf, type SegGptConfig, type SegGptGeometry } from './config';
import { readModelInfo } from './modelInfo';
import type { Precision } from './onnx/graphBuilder';
import { GRAPH_IO } from './onnx/seggptGraph';
import { OomRetryRunner, type OomEvent } from './oomRetry';
import { splitModelPaths } from './convert';
import { PromptCache } from './promptCache';
import { SplitRunner, type PromptFeatures } from './splitRunner';
import * as fs from 'node:fs';
import {
  defaultProviderOrder,
  firstWorkingProvider,
  knownUnavailable,
  NoProviderError,
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
  /**
   * onnxruntime's native log level (default 'fatal': failed provider probes are expected and
   * explained in `attempts`). A probe process uses 'error' to see which library failed to load.
   */
  readonly logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
  /**
   * Folder of an onnxruntime-node package to load instead of the installed one (a copy that
   * carries CUDA provider libraries, or a test's copy).
   */
  readonly runtimePath?: string;
  /** Told when a batch is split or the work moves to the CPU for lack of GPU memory. */
  readonly onMemoryEvent?: (e: OomEvent) => void;
  /**
   * Which graphs to load: 'auto' (default) the split prompt/query pair when it is beside the
   * model (the prompt's mask stream is then computed once per prompt, not per query), else
   * the full graph; 'full' always the full graph (needed for debug outputs).
   */
  readonly graphs?: 'auto' | 'full';
}

/** One model file and the providers to try it on (see `SegGptSession.loadPlan`). */
export interface LoadStep {
  readonly modelPath: string;
  readonly providers: readonly ProviderName[] | 'auto';
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
  /**
   * The caller built every row's prompt image and mask from one prompt (a folder job), so the
   * rows need not be compared before the prompt is fed once. Absent: they are compared.
   */
  readonly oneRepeatedPrompt?: boolean;
  /**
   * Identifies the prompt rows' content for the prompt cache, from a caller whose prompt never
   * changes (see PromptCache); absent, the masks are hashed on every run.
   */
  readonly promptKey?: string;
}

/** Thrown for a batch whose sizes do not fit the model. */
export class BatchError extends Error {
  override readonly name = 'BatchError';
}

/** A SegGPT model ready to run; call `release()` when done. */
export class SegGptSession {
  private readonly runner: OomRetryRunner;
  private readonly promptCache = new PromptCache();

  private constructor(
    private sessions: Sessions,
    private readonly runtime: typeof ort,
    readonly config: SegGptConfig,
    readonly precision: Precision,
    private currentProvider: ProviderName,
    private readonly tried: ProviderAttempt[],
    readonly loadMs: number,
    readonly threads: number,
    /** The model file this session runs. */
    readonly modelPath: string,
    private readonly options: LoadOptions,
  ) {
    this.runner = new OomRetryRunner(
      (b) => this.runPredictions(b),
      this.currentProvider === 'cpu' ? undefined : () => this.moveToCpu(),
      options.onMemoryEvent,
      this.currentProvider === 'webgpu'
        ? webgpuRowLimit(config, precision, sessions.split !== undefined)
        : undefined,
    );
  }

  /** The execution provider running the model now (the CPU after an out-of-memory fallback). */
  get provider(): ProviderName {
    return this.currentProvider;
  }

  /** Every provider tried, in order, with the reason each failed (a fallback adds one). */
  get attempts(): readonly ProviderAttempt[] {
    return this.tried;
  }

  /** The largest batch (rows) that fitted in GPU memory, once a batch had to be split. */
  get maxBatchRows(): number | undefined {
    return this.runner.maxRows;
  }

  /** Derived sizes (input image size, grid). */
  get geometry(): SegGptGeometry {
    return geometryOf(this.config);
  }

  /**
   * Tries each (model, providers) step in order — say the float16 model on GPU providers, then
   * the float32 one on the CPU — and returns the first session that loads; its `attempts` hold
   * the failures of the earlier steps too. A step whose model cannot be read is skipped unless
   * it is the last.
   */
  static async loadPlan(
    steps: readonly LoadStep[],
    opts: Omit<LoadOptions, 'providers'> = {},
  ): Promise<SegGptSession> {
    const earlier: ProviderAttempt[] = [];
    let lastError: unknown;
    for (const step of steps) {
      try {
        const session = await SegGptSession.load(step.modelPath, {
          ...opts,
          providers: step.providers,
        });
        session.tried.unshift(...earlier);
        return session;
      } catch (err) {
        lastError = err;
        if (err instanceof NoProviderError) earlier.push(...err.attempts);
      }
    }
    if (lastError instanceof NoProviderError || lastError === undefined) {
      throw new NoProviderError(earlier);
    }
    throw lastError;
  }

  /** Loads a converted model, trying providers in order (the reasons are kept in `attempts`). */
  static async load(modelPath: string, opts: LoadOptions = {}): Promise<SegGptSession> {
    const info = readModelInfo(modelPath);
    const runtime = opts.runtimePath
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require(opts.runtimePath) as typeof ort)
      : await import('onnxruntime-node');
    // Failed provider probes are expected and explained in `attempts`; keep the log quiet.
    runtime.env.logLevel = opts.logLevel ?? 'fatal';
    const order =
      opts.providers === undefined || opts.providers === 'auto'
        ? defaultProviderOrder()
        : opts.providers;
    const threads = opts.threads ?? 0;
    const start = performance.now();
    const { value, provider, attempts } = await firstWorkingProvider(
      order,
      (p) => createSessions(runtime, modelPath, info.config, p, threads, opts),
      knownUnavailable,
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
      modelPath,
      opts,
    );
  }

  /**
   * Runs one batch; returns the query predictions [N,3,h,w], normalized RGB. On a GPU that
   * runs out of memory the batch is split (the result is the same) and, when even one query
   * does not fit, the session moves to the CPU.
   */
  async run(batch: ModelBatch): Promise<Float32Array> {
    return this.runner.runBatch(batch);
  }

  /** Whether the split graphs run this model (prompt features computed once per prompt). */
  get usesSplitGraphs(): boolean {
    return this.sessions.split !== undefined;
  }

  /**
   * Encodes the prompt of `batch` now (the mask stream up to the merge, split graphs only) and
   * keeps it for the runs that follow with the same prompt rows, so that the first of them does
   * not pay for it. The batch's queries are neither read nor run. A model without split graphs
   * has nothing to prepare.
   */
  async preparePrompt(batch: Omit<ModelBatch, 'pixelValues'>): Promise<void> {
    const split = this.sessions.split;
    if (!split) return;
    const { inputH: h, inputW: w } = this.geometry;
    const perRow = 3 * h * w;
    checkBatch(batch, batch.rows * perRow);
    await this.promptFeatures(split, batch, perRow);
  }

  private async runPredictions(batch: ModelBatch): Promise<Float32Array> {
    const split = this.sessions.split;
    if (!split) {
      const out = await this.runOutputs(batch, [GRAPH_IO.predMasks]);
      return out[GRAPH_IO.predMasks] as Float32Array;
    }
    const { inputH: h, inputW: w } = this.geometry;
    const perRow = 3 * h * w;
    checkBatch(batch, batch.rows * perRow);
    const { features, promptPixelValues } = await this.promptFeatures(split, batch, perRow);
    return split.runQuery(features, batch.pixelValues, promptPixelValues);
  }

  /** The batch's prompt features (cached) and the prompt images to feed with them. */
  private async promptFeatures(
    split: SplitRunner,
    batch: Omit<ModelBatch, 'pixelValues'>,
    perRow: number,
  ): Promise<{ features: PromptFeatures; promptPixelValues: Float32Array }> {
    // One prompt for every query (a prompt applied to a folder): encoded, cached and fed once.
    const shared =
      split.sharedPrompt &&
      batch.ensembleSize === 1 &&
      (batch.oneRepeatedPrompt === true ||
        (rowsAllEqual(batch.promptMasks, perRow) && rowsAllEqual(batch.promptPixelValues, perRow)));
    const prompt = shared
      ? {
          ...batch,
          rows: 1,
          promptMasks: batch.promptMasks.subarray(0, perRow),
          promptPixelValues: batch.promptPixelValues.subarray(0, perRow),
        }
      : batch;
    const features = await this.promptCache.get(prompt, () =>
      split.encodePrompt(prompt.promptMasks, prompt.rows, prompt.semantic, prompt.ensembleSize),
    );
    return { features, promptPixelValues: prompt.promptPixelValues };
  }

  /** Replaces the GPU session with a CPU one of the same model (after out-of-memory). */
  private async moveToCpu(): Promise<(b: ModelBatch) => Promise<Float32Array>> {
    const cpu = await createSessions(
      this.runtime,
      this.modelPath,
      this.config,
      'cpu',
      this.threads,
      this.options,
    );
    const gpu = this.sessions;
    this.tried.push({
      provider: this.currentProvider,
      ok: false,
      reason: 'out of GPU memory even for one query at a time; switched to the CPU',
    });
    this.tried.push({ provider: 'cpu', ok: true });
    this.sessions = cpu;
    this.currentProvider = 'cpu';
    this.promptCache.clear();
    await releaseSessions(gpu).catch(() => undefined);
    return (b) => this.runPredictions(b);
  }

  /** Runs a batch asking for named outputs (debug graphs have more); returns them as float32. */
  async runOutputs(batch: ModelBatch, names: string[]): Promise<Record<string, Float32Array>> {
    const full = this.sessions.full;
    if (!full) throw new Error('named outputs need the full graph: load with graphs: "full"');
    const { inputH: h, inputW: w } = this.geometry;
    checkBatch(batch, batch.rows * 3 * h * w);
    const T = this.runtime.Tensor;
    const dims = [batch.rows, 3, h, w];
    const out = await full.run(
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
    if (this.sessions.full) this.sessions.full.endProfiling();
    else for (const s of [this.sessions.split.prompt, this.sessions.split.query]) s.endProfiling();
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await releaseSessions(this.sessions);
  }
}

/** The native sessions behind a SegGptSession: the full graph, or the split pair. */
type Sessions =
  | { readonly full: ort.InferenceSession; readonly split?: undefined }
  | { readonly full?: undefined; readonly split: SplitRunner };

async function createSessions(
  runtime: typeof ort,
  modelPath: string,
  config: SegGptConfig,
  provider: ProviderName,
  threads: number,
  opts: LoadOptions,
): Promise<Sessions> {
  const paths = splitModelPaths(modelPath);
  const split = opts.graphs !== 'full' && fs.existsSync(paths.prompt) && fs.existsSync(paths.query);
  if (!split) return { full: await createSession(runtime, modelPath, provider, threads, opts) };
  const prompt = await createSession(runtime, paths.prompt, provider, threads, opts);
  try {
    const query = await createSession(runtime, paths.query, provider, threads, opts);
    const shared = readModelInfo(paths.query).sharedPrompt;
    return {
      split: new SplitRunner(runtime, prompt, query, geometryOf(config), config.hiddenSize, shared),
    };
  } catch (err) {
    await prompt.release().catch(() => undefined);
    throw err;
  }
}

function releaseSessions(s: Sessions): Promise<void> {
  return s.full ? s.full.release() : s.split.release();
}

// onnxruntime-node 1.30's WebGPU provider returns wrong numbers, without an error, once the
// attention scores of a run pass 2 GiB. Measured on an H200 with the split graphs (N sequences per
// stream): ViT-L fp16 right up to 24 rows, wrong at 32; fp32 right at 8, wrong at 16; fp32 at 48
// rows failed in a Conv. The full graph attends over 2N sequences before the merge.
const WEBGPU_SAFE_BYTES = 0.9 * 2 ** 31;

/** Rows per run the WebGPU provider computes correctly for this model (at least 1). */
export function webgpuRowLimit(
  config: SegGptConfig,
  precision: Precision,
  splitGraphs = true,
): number {
  const g = geometryOf(config);
  const tokens = g.gridH * g.gridW;
  const bytes = precision === 'fp16' ? 2 : 4;
  const sequences = splitGraphs ? 1 : 2;
  const perRow = sequences * config.numAttentionHeads * tokens * tokens * bytes;
  return Math.max(1, Math.floor(WEBGPU_SAFE_BYTES / perRow));
}

/** The session options the engine creates a session with (benchmarks compare variants of them). */
export function engineSessionOptions(
  provider: ProviderName,
  threads: number,
): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    // Memory-pattern planning makes a second large allocation on the CPU: without it a ViT-L
    // session peaks ≈ 100–200 MiB lower at the same speed (bench: latency).
    ...(provider === 'cpu' ? { enableMemPattern: false } : {}),
  };
}

function createSession(
  runtime: typeof ort,
  modelPath: string,
  provider: ProviderName,
  threads: number,
  opts: LoadOptions,
): Promise<ort.InferenceSession> {
  return runtime.InferenceSession.create(modelPath, {
    ...engineSessionOptions(provider, threads),
    ...(opts.profilePrefix ? { enableProfiling: true, profileFilePrefix: opts.profilePrefix } : {}),
  });
}

/** Whether every row of `rows`·`perRow` values equals the first (byte for byte). */
function rowsAllEqual(data: Float32Array, perRow: number): boolean {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const first = bytes.subarray(0, perRow * 4);
  for (let at = perRow * 4; at < bytes.length; at += perRow * 4) {
    if (!bytes.subarray(at, at + perRow * 4).equals(first)) return false;
  }
  return true;
}

/** Checks a batch's sizes (its queries too, unless it has none: see preparePrompt). */
function checkBatch(
  batch: Omit<ModelBatch, 'pixelValues'> & { readonly pixelValues?: Float32Array },
  size: number,
): void {
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
    if (data !== undefined && data.length !== size) {
      throw new BatchError(`${name} has ${data.length} values, expected ${size}`);
    }
  }
}
