/**
 * Entry point of a job thread (bundled as dist/jobWorker.js; see jobWorkerPool.ts): loads query
 * images and makes mask files' bytes, answering with the result (transferred) or the error's first line.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ImageInputError, loadImageTensor, type InputSize } from './imageInput';
import type { FromJobWorker, ToJobWorker } from './jobWorkerPool';
import { predictionMaskPng } from './maskFile';

const port = parentPort;
if (!port) throw new Error('jobWorker must run as a worker thread');
const geom = workerData as InputSize;

port.on('message', (msg: ToJobWorker) => {
  const work =
    'load' in msg
      ? loadImageTensor(msg.load, geom).then((tensor): [FromJobWorker, ArrayBuffer] => [
          { id: msg.id, tensor },
          tensor.data.buffer as ArrayBuffer,
        ])
      : predictionMaskPng(msg.mask, geom).then((png): [FromJobWorker, ArrayBuffer] => [
          { id: msg.id, png },
          png.buffer as ArrayBuffer,
        ]);
  work.then(
    ([reply, buffer]) => port.postMessage(reply, [buffer]),
    (err: unknown) => {
      const error = (err instanceof Error ? err.message : String(err)).split('\n')[0] as string;
      const imageError = err instanceof ImageInputError;
      port.postMessage({ id: msg.id, error, imageError } satisfies FromJobWorker);
    },
  );
});
