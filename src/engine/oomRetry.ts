/**
 * Running batches on a GPU that may run out of memory: a batch that does not fit is split into
 * smaller ones (whole prompt groups), the size that fits is remembered for later batches, and
 * when even one group does not fit the work moves to a fallback runner (the CPU), once.
 */
import type { ModelBatch } from './segGptSession';

/** Runs one batch; returns `rows` equal-sized output rows, concatenated. */
export type BatchRun = (batch: ModelBatch) => Promise<Float32Array>;

/** What the runner did about memory, for logs and the status shown to the user. */
export type OomEvent =
  | {
      readonly kind: 'split';
      readonly fromRows: number;
      readonly toRows: number;
      readonly error: string;
    }
  | { readonly kind: 'fallback'; readonly rows: number; readonly error: string };

// onnxruntime's words for an exhausted device: CUDA's allocator and BFC arena, cuBLAS/cuDNN
// workspaces, DirectML/D3D12 (E_OUTOFMEMORY = 0x8007000E), WebGPU buffer creation.
const OOM =
  /out of memory|outofmemory|E_OUTOFMEMORY|8007000e|Failed to allocate memory|BFCArena|cudaErrorMemoryAllocation|ALLOC_FAILED|Failed to create buffer|not enough memory|GPUOutOfMemoryError/i;

/** Whether an error from a run means the device ran out of memory. */
export function isOutOfMemory(err: unknown): boolean {
  return OOM.test(err instanceof Error ? err.message : String(err));
}

/** Rows [from, from + rows) of a batch, as a batch of its own (arrays are views, not copies). */
export function sliceBatch(batch: ModelBatch, from: number, rows: number): ModelBatch {
  const per = batch.pixelValues.length / batch.rows;
  const cut = (a: Float32Array): Float32Array => a.subarray(from * per, (from + rows) * per);
  return {
    pixelValues: cut(batch.pixelValues),
    promptPixelValues: cut(batch.promptPixelValues),
    promptMasks: cut(batch.promptMasks),
    rows,
    semantic: batch.semantic,
    ensembleSize: batch.ensembleSize,
    ...(batch.oneRepeatedPrompt ? { oneRepeatedPrompt: true } : {}),
    // A promptKey names the whole batch's prompt rows, not a slice's: the slice is hashed.
  };
}

/** Runs batches through `run`, splitting on out-of-memory errors and falling back once. */
export class OomRetryRunner {
  private cap: number | undefined;
  private fellBack = false;

  constructor(
    private run: BatchRun,
    /** Makes the fallback runner (absent: an OOM with one group is rethrown). */
    private readonly fallback?: () => Promise<BatchRun>,
    private readonly onEvent?: (e: OomEvent) => void,
    /** A limit known beforehand (rows per run), e.g. what a provider computes correctly. */
    initialCap?: number,
  ) {
    this.cap = initialCap;
  }

  /** Largest batch (rows) known to fit: the initial limit, or what a split found. */
  get maxRows(): number | undefined {
    return this.cap;
  }

  /** Whether the work moved to the fallback runner. */
  get usedFallback(): boolean {
    return this.fellBack;
  }

  /** Runs the batch, in pieces if need be; the output is the same as one run of the whole. */
  async runBatch(batch: ModelBatch): Promise<Float32Array> {
    const group = batch.ensembleSize;
    const parts: Float32Array[] = [];
    let from = 0;
    while (from < batch.rows) {
      // Pieces hold whole prompt groups, even when the limit is smaller than one group.
      const limit =
        this.cap === undefined ? batch.rows : Math.max(group, this.cap - (this.cap % group));
      const rows = Math.min(batch.rows - from, limit);
      const piece = rows === batch.rows ? batch : sliceBatch(batch, from, rows);
      try {
        parts.push(await this.run(piece));
        from += rows;
      } catch (err) {
        if (!isOutOfMemory(err)) throw err;
        const error = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
        if (rows > group) {
          // Halve, in whole prompt groups.
          const next = Math.max(group, Math.floor(rows / 2 / group) * group);
          this.cap = next;
          this.onEvent?.({ kind: 'split', fromRows: rows, toRows: next, error });
          continue;
        }
        if (!this.fallback || this.fellBack) throw err;
        this.run = await this.fallback();
        this.fellBack = true;
        this.cap = undefined;
        this.onEvent?.({ kind: 'fallback', rows, error });
      }
    }
    if (parts.length === 1) return parts[0] as Float32Array;
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
