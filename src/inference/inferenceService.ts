/**
 * What the extension's features (commands, explorer, mask editor) need from inference. One
 * implementation owns a worker thread with the engine's session; features depend only on this.
 */
import type { BatchJobResult, BatchProgress, OverwritePolicy } from '../engine/batchJob';
import type { PromptSpec } from '../engine/promptSet';
import type { ProviderAttempt, ProviderName } from '../engine/providers';

/** One image to segment with a prompt. */
export interface SegmentRequest {
  readonly imagePath: string;
  readonly prompt: PromptSpec;
}

/** A segmentation result at the image's own size (after EXIF orientation). */
export interface SegmentResult {
  readonly width: number;
  readonly height: number;
  /** Class id per pixel (0 = background). */
  readonly classes: Uint8Array;
  /** 0..255 confidence-like value per pixel (for a confidence view). */
  readonly soft: Uint8Array;
}

/** What is loaded and where it runs. */
export interface EngineStatus {
  readonly modelPath?: string;
  readonly precision?: string;
  readonly provider?: ProviderName;
  readonly attempts: readonly ProviderAttempt[];
  readonly threads?: number;
  readonly loadMs?: number;
  readonly state: 'idle' | 'loading' | 'ready' | 'error';
  readonly error?: string;
}

/** Cancellation as plain data, so the service does not depend on `vscode`. */
export interface Cancellation {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

/** One image segmented straight into its mask file (written atomically, with provenance). */
export interface SegmentToFileRequest extends SegmentRequest {
  readonly maskPath: string;
  /** Replace an existing mask (the caller has asked the user where that matters). */
  readonly overwrite: boolean;
  /** tEXt chunks stored in the mask (provenance). */
  readonly textChunks: Record<string, string>;
}

/** A folder job: one prompt applied to many images (see the engine's `runBatchJob`). */
export interface BatchRequest {
  readonly targets: readonly string[];
  readonly prompt: PromptSpec;
  readonly maskTemplate: string;
  readonly overwrite: OverwritePolicy;
  /** Queries per model run. */
  readonly batchSize: number;
  /** Sessions running batches at once on a CUDA GPU (default 2; see replicaCount). */
  readonly gpuSessions?: number;
  readonly textChunks: Record<string, string>;
}

/** Inference for the extension: a warm session, off the extension host's main thread. */
export interface InferenceService {
  /** Segments one image; rejects with the engine's one-line message on failure. */
  segment(request: SegmentRequest, token?: Cancellation): Promise<SegmentResult>;
  /** Segments one image and writes its mask file; rejects if it exists and !overwrite. */
  segmentToFile(request: SegmentToFileRequest, token?: Cancellation): Promise<SegmentResult>;
  /** Runs a folder job; cancelling stops it after the current batch (no partial file). */
  runBatch(
    request: BatchRequest,
    onProgress?: (progress: BatchProgress) => void,
    token?: Cancellation,
  ): Promise<BatchJobResult>;
  /**
   * Loads the model if needed and encodes `prompt` now, so that the first segment with it waits
   * for neither (the editor calls it when its prompt is known).
   */
  preparePrompt(prompt: PromptSpec, token?: Cancellation): Promise<void>;
  /** Loads the model now if it is not loaded (or no longer the configured one). */
  load(token?: Cancellation): Promise<EngineStatus>;
  /** The current status (loads nothing). */
  status(): EngineStatus;
  /** Tells `listener` every time the status changes. */
  onDidChangeStatus(listener: (status: EngineStatus) => void): { dispose(): void };
  /** Frees the session and the worker. */
  dispose(): void;
}
