/**
 * Entry point of the inference worker thread (bundled as dist/inferenceWorker.js): owns the
 * WorkerEngine, answers requests, streams batch progress, honours cancel messages.
 */
import { parentPort } from 'node:worker_threads';
import type { BatchProgress } from '../engine/batchJob';
import type { SegmentResult } from './inferenceService';
import { oneLine, WorkerEngine } from './workerEngine';
import type { FromWorker, ReplyResult, ToWorker, WorkerRequest } from './workerProtocol';

/** Progress messages per batch request are throttled to this interval. */
const PROGRESS_MS = 100;

const port = parentPort;
if (!port) throw new Error('inferenceWorker must run as a worker thread');

const send = (msg: FromWorker, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(msg, transfer);
const engine = new WorkerEngine((status) => send({ type: 'status', status }));
const running = new Map<number, AbortController>();

async function handle(req: WorkerRequest, signal: AbortSignal): Promise<ReplyResult> {
  switch (req.type) {
    case 'load':
      await engine.load(req.model);
      return engine.status;
    case 'segment':
      return engine.segment(req.model, req.request);
    case 'preparePrompt':
      await engine.preparePrompt(req.model, req.prompt);
      return engine.status;
    case 'segmentToFile':
      return engine.segmentToFile(req.model, req.request);
    case 'batch': {
      let last = 0;
      let pending: BatchProgress | undefined;
      const result = await engine.batch(req.model, req.request, signal, (progress) => {
        pending = progress;
        const now = Date.now();
        if (now - last >= PROGRESS_MS || progress.done === progress.total) {
          last = now;
          send({ type: 'progress', inReplyTo: req.id, progress });
          pending = undefined;
        }
      });
      if (pending) send({ type: 'progress', inReplyTo: req.id, progress: pending });
      return result;
    }
  }
}

function transferables(result: ReplyResult): ArrayBuffer[] {
  const r = result as Partial<SegmentResult>;
  return r.classes && r.soft ? [r.classes.buffer as ArrayBuffer, r.soft.buffer as ArrayBuffer] : [];
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(msg.id, controller);
  handle(msg, controller.signal)
    .then(
      (result) => send({ type: 'reply', inReplyTo: msg.id, result }, transferables(result)),
      (err: unknown) =>
        send({
          type: 'reply',
          inReplyTo: msg.id,
          error: oneLine(err),
          cancelled: controller.signal.aborted,
        }),
    )
    .finally(() => running.delete(msg.id));
});
