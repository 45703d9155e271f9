/** Messages between the extension host and the model-task child process (convert, probe). */
import type { ProviderName } from '../engine/providers';
import type { ProbeResult } from '../gpu/probeProviders';
import type { ConvertRequest } from './convertWeights';

/** Work for the child: one task per process. */
export type TaskRequest =
  | { readonly type: 'convert'; readonly request: ConvertRequest }
  | {
      readonly type: 'probe';
      readonly providers: readonly ProviderName[];
      readonly workDir: string;
      readonly precision: 'fp32' | 'fp16';
      /** An onnxruntime-node package folder to probe instead of the installed one. */
      readonly runtimePath?: string;
    };

/** Sent by the host to stop the running task. */
export interface CancelMessage {
  readonly type: 'cancel';
}

/** What the child reports. */
export type TaskReply =
  | { readonly type: 'progress'; readonly fraction: number }
  | { readonly type: 'converted'; readonly modelPath: string; readonly bytes: number }
  | { readonly type: 'probed'; readonly results: readonly ProbeResult[] }
  | { readonly type: 'cancelled' }
  | { readonly type: 'error'; readonly name: string; readonly message: string };
