/** Host side of the model-task child process: start it, stream progress, cancel, collect. */
import { fork } from 'node:child_process';
import { explainProviderFailure, type ProviderName } from '../engine/providers';
import { libraryLoadErrors } from '../gpu/ortLog';
import type { ProbeResult } from '../gpu/probeProviders';
import { ConversionCancelled, type ConvertRequest } from './convertWeights';
import type { Converter } from './installFromHub';
import type { TaskReply, TaskRequest } from './modelTaskProtocol';

/** Thrown when the child process fails or ends without an answer. */
export class ModelTaskError extends Error {
  override readonly name = 'ModelTaskError';
}

// A cancelled conversion removes its temporary files before answering; after this long the
// process is killed instead.
const CANCEL_GRACE_MS = 10_000;

/** What a task answered, with the end of what it printed to stderr (onnxruntime's log). */
export interface TaskOutcome {
  readonly reply: TaskReply;
  readonly stderr: string;
}

const STDERR_KEEP = 64 * 1024;

/** Runs one task in a fresh child process executing `script` (dist/modelTasks.js). */
export function runModelTask(
  script: string,
  request: TaskRequest,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<TaskOutcome> {
  return new Promise((resolve, reject) => {
    // Inside VS Code the host's executable is Electron: this makes it behave as Node.
    const child = fork(script, [], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let answer: TaskReply | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-STDERR_KEEP);
    });
    const onAbort = (): void => {
      child.send({ type: 'cancel' });
      killTimer = setTimeout(() => child.kill(), CANCEL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (msg: TaskReply) => {
      if (msg.type === 'progress') onProgress?.(msg.fraction);
      else answer = msg;
    });
    child.on('error', (err) =>
      reject(new ModelTaskError(`cannot start the model process: ${err.message}`)),
    );
    child.on('exit', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (answer) return resolve({ reply: answer, stderr });
      if (signal?.aborted) return reject(new ConversionCancelled());
      const last = stderr.trim().split('\n').slice(-3).join(' | ');
      reject(
        new ModelTaskError(
          `the model process ended unexpectedly (${sig ? `signal ${sig}` : `exit code ${code}`})${last ? `: ${last}` : ''}`,
        ),
      );
    });
    child.send(request);
    if (signal?.aborted) onAbort();
  });
}

/** A Converter for the installer that converts in a child process. */
export function childProcessConverter(script: string): Converter {
  return async (request: ConvertRequest, onProgress, signal) => {
    const { reply } = await runModelTask(script, { type: 'convert', request }, onProgress, signal);
    if (reply.type === 'cancelled') throw new ConversionCancelled();
    if (reply.type === 'error') throw new ModelTaskError(reply.message);
    if (reply.type !== 'converted') throw new ModelTaskError(`unexpected answer ${reply.type}`);
  };
}

/** Probes providers in a child process. */
export async function probeInChild(
  script: string,
  providers: readonly ProviderName[],
  workDir: string,
  precision: 'fp32' | 'fp16' = 'fp16',
  runtimePath?: string,
): Promise<ProbeResult[]> {
  const { reply, stderr } = await runModelTask(script, {
    type: 'probe',
    providers,
    workDir,
    precision,
    runtimePath,
  });
  if (reply.type === 'probed') {
    // The exception says only "Failed to load shared library"; the log says which and why.
    const loadErrors = libraryLoadErrors(stderr);
    let next = 0;
    return reply.results.map((r) => {
      if (r.ok || !/shared library/i.test(r.detail ?? '') || next >= loadErrors.length) return r;
      const logged = loadErrors[next++] as string;
      return {
        ...r,
        reason: explainProviderFailure(r.provider, new Error(logged)),
        detail: logged,
      };
    });
  }
  throw new ModelTaskError(
    reply.type === 'error' ? reply.message : `unexpected answer ${reply.type}`,
  );
}
