/**
 * Entry of the model-task child process: converts weights or probes providers off the
 * extension host, so gigabytes of float work never block it and a crashing GPU library only
 * ends this process. Started by modelTasks.ts; talks over the IPC channel.
 */
import { probeProviders } from '../gpu/probeProviders';
import { ConversionCancelled, convertWeightsFile } from './convertWeights';
import type { CancelMessage, TaskReply, TaskRequest } from './modelTaskProtocol';

const abort = new AbortController();
let progressAt = 0;

function send(reply: TaskReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      console.log(JSON.stringify(reply));
      resolve();
      return;
    }
    process.send(reply, undefined, undefined, () => resolve());
  });
}

async function run(req: TaskRequest): Promise<void> {
  try {
    if (req.type === 'convert') {
      const res = await convertWeightsFile(
        req.request,
        (fraction) => {
          // Throttled: a ViT-L conversion reads 402 tensors.
          const now = Date.now();
          if (now - progressAt > 100 || fraction >= 1) {
            progressAt = now;
            void send({ type: 'progress', fraction });
          }
        },
        abort.signal,
      );
      await send({ type: 'converted', modelPath: res.modelPath, bytes: res.bytes });
    } else {
      const results = await probeProviders(
        req.providers,
        req.workDir,
        req.precision,
        req.runtimePath,
      );
      await send({ type: 'probed', results });
    }
  } catch (err) {
    if (err instanceof ConversionCancelled) await send({ type: 'cancelled' });
    else {
      const e = err instanceof Error ? err : new Error(String(err));
      await send({ type: 'error', name: e.name, message: e.message.split('\n')[0] ?? '' });
    }
  } finally {
    process.disconnect?.();
  }
}

let started = false;
process.on('message', (msg: TaskRequest | CancelMessage) => {
  if (msg.type === 'cancel') abort.abort();
  else if (!started) {
    started = true;
    void run(msg);
  }
});
// The host going away ends the task.
process.on('disconnect', () => abort.abort());
