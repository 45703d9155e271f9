/**
 * Messages between the extension host and the inference worker. Requests carry an id; the
 * worker answers each with a reply (`inReplyTo`) holding a result or an error, and may send
 * progress for it before. Masks cross as transferable `Uint8Array`s.
 */
import type { BatchJobResult, BatchProgress } from '../engine/batchJob';
import type { PromptSpec } from '../engine/promptSet';
import type { LoadStep } from '../engine/segGptSession';
import type {
  BatchRequest,
  EngineStatus,
  SegmentRequest,
  SegmentResult,
  SegmentToFileRequest,
} from './inferenceService';

/** Which model to load: steps tried in order, and CPU threads. */
export interface ModelChoice {
  readonly steps: readonly LoadStep[];
  readonly threads: number;
}

/** Host → worker: a request the worker answers. */
export type WorkerRequest =
  | { readonly type: 'load'; readonly id: number; readonly model: ModelChoice }
  | {
      readonly type: 'segment';
      readonly id: number;
      readonly model: ModelChoice;
      readonly request: SegmentRequest;
    }
  | {
      readonly type: 'segmentToFile';
      readonly id: number;
      readonly model: ModelChoice;
      readonly request: SegmentToFileRequest;
    }
  | {
      readonly type: 'batch';
      readonly id: number;
      readonly model: ModelChoice;
      readonly request: BatchRequest;
    }
  | {
      readonly type: 'preparePrompt';
      readonly id: number;
      readonly model: ModelChoice;
      readonly prompt: PromptSpec;
    };

/** Host → worker: stop request `id` (a batch stops after its current step). */
export interface CancelMessage {
  readonly type: 'cancel';
  readonly id: number;
}

/** Everything the host sends. */
export type ToWorker = WorkerRequest | CancelMessage;

/** Worker → host: the answer to request `inReplyTo`. */
export type WorkerReply =
  | { readonly type: 'reply'; readonly inReplyTo: number; readonly result: ReplyResult }
  | {
      readonly type: 'reply';
      readonly inReplyTo: number;
      readonly error: string;
      readonly cancelled?: boolean;
    };

/** What a reply holds, per request type. */
export type ReplyResult = EngineStatus | SegmentResult | BatchJobResult;

/** Everything the worker sends. */
export type FromWorker =
  | WorkerReply
  | { readonly type: 'progress'; readonly inReplyTo: number; readonly progress: BatchProgress }
  | { readonly type: 'status'; readonly status: EngineStatus };
