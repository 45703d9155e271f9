/**
 * What the extension's features (commands, explorer, mask editor) need from inference. One
 * implementation owns a worker thread with the engine's session; features depend only on this.
 */
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

/** Inference for the extension: a warm session, off the extension host's main thread. */
export interface InferenceService {
  /** Segments one image; rejects with the engine's one-line message on failure. */
  segment(request: SegmentRequest, token?: Cancellation): Promise<SegmentResult>;
  /** The current status (loads nothing). */
  status(): EngineStatus;
  /** Frees the session and the worker. */
  dispose(): void;
}
