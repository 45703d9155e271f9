/**
 * The bench is a list of named sections. Each measures one thing and returns flat figures that
 * are merged into the results (so keys must be unique across sections: prefix them, e.g.
 * `cpu_fast_…`, `gpu_…`). Add a section by writing a `Section` and listing it in bench.ts.
 * Each section runs in a fresh child process (unless --in-process), so memory figures and
 * warm-up effects of one section do not leak into the next; sections share nothing but files.
 */
import type { SegGptConfig } from '../src/engine/config';
import type { Precision } from '../src/engine/onnx/graphBuilder';
import type { ModelBatch } from '../src/engine/segGptSession';
import type { FlopBreakdown } from './flops';
import type { CachedModel } from './modelCache';

/** Command-line options. */
export interface BenchOptions {
  readonly runs: number;
  /** Untimed runs before the timed ones (≥ 1: the first is also the first-query measurement). */
  readonly warmup: number;
  /** Intra-op threads for CPU sessions. */
  readonly threads: number;
  readonly json?: string;
  /** HF config.json to bench instead of ViT-L. */
  readonly configPath?: string;
  readonly profile: boolean;
  /** Sections to run (all when absent). */
  readonly only?: readonly string[];
  /** Rebuild cached models even when their stamps match. */
  readonly rebuild: boolean;
  /** Seed of the random weights. */
  readonly seed: number;
  /** Synthetic images for the int8/fp32 mask agreement (cpu-fast). */
  readonly agreementImages: number;
  /** Images in the batch section's folder. */
  readonly batchImages: number;
  /** Queries per model run in the batch section. */
  readonly batchSize: number;
  /** Model precision of the batch section. */
  readonly batchPrecision: Precision;
  /** Images of the batch section's memory-flatness run (tiny model; 0 skips it). */
  readonly flatImages: number;
  /** JPEGs in the job-host section's folder. */
  readonly hostImages: number;
  /** Time each stand-in session of the job-host section holds a batch of 8, ms. */
  readonly hostBatchMs: number;
  /** Latency section: try every session-option variant, not just the default and the advice. */
  readonly latencySweep: boolean;
  /** Latency section: these variants (besides the engine's, the full graph and mem-pattern). */
  readonly latencyVariants?: readonly string[];
  /** Latency section: cold starts per variant and precision (medians are reported). */
  readonly latencyRepeats: number;
  /** Longest wait for a quiet machine before each timed sample, ms (0: do not wait). */
  readonly waitQuietMs: number;
  /** Run every section in this process instead of one fresh child process per section. */
  readonly inProcess: boolean;
  /** Internal: run as the child for one section and write its result to this file. */
  readonly sectionOut?: string;
}

/** A figure: plain JSON scalars only (null = not measured). */
export type FigureValue = number | string | boolean | null;

/** What a section returns. */
export interface SectionResult {
  /** Flat figures merged into the top level of the JSON results and printed in the table. */
  readonly figures: Record<string, FigureValue>;
  /** Anything larger (samples, profile tables), kept under `details.<section>` in the JSON. */
  readonly details?: Record<string, unknown>;
}

/** What every section gets. */
export interface BenchContext {
  readonly opts: BenchOptions;
  readonly config: SegGptConfig;
  /** 'vit-large' or 'config-<hash>'. */
  readonly label: string;
  /** FLOPs of one query (one prompt), as the engine computes it. */
  readonly flops: FlopBreakdown;
  /** The comparable denominator: 1.59e12 for ViT-L, the doc's formula for other configs. */
  readonly nominalFlops: number;
  /** Cache folder for models and profiles. */
  readonly cacheDir: string;
  /** One query (rows 1, one prompt, instance), deterministic random normalized inputs. */
  readonly query: ModelBatch;
  /** A converted random-weight model of this config (built once, then reused). */
  model(precision: Precision): Promise<CachedModel>;
  /** Prints a progress line (stdout), indented under the section heading. */
  log(msg: string): void;
  /** A fresh temporary folder, removed when the bench exits. */
  tempDir(prefix: string): string;
  /**
   * Call before each timed sample: with --wait-quiet, waits (bounded) until other processes
   * pause; otherwise returns at once.
   */
  settle(): Promise<void>;
}

/** One part of the bench. */
export interface Section {
  /** Name used with `--only`. */
  readonly name: string;
  readonly summary: string;
  run(ctx: BenchContext): Promise<SectionResult>;
}
