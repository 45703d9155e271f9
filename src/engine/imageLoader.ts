/**
 * Entry point of an image loader thread (bundled as dist/imageLoader.js; see imageLoaderPool.ts):
 * answers each path with its normalized tensor, transferred, or with the error's first line.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadImageTensor, type InputSize } from './imageInput';
import type { FromLoader, ToLoader } from './imageLoaderPool';

const port = parentPort;
if (!port) throw new Error('imageLoader must run as a worker thread');
const geom = workerData as InputSize;

port.on('message', (msg: ToLoader) => {
  loadImageTensor(msg.path, geom).then(
    (tensor) => {
      const reply: FromLoader = { id: msg.id, tensor };
      port.postMessage(reply, [tensor.data.buffer as ArrayBuffer]);
    },
    (err: unknown) => {
      const error = (err instanceof Error ? err.message : String(err)).split('\n')[0] as string;
      port.postMessage({ id: msg.id, error } satisfies FromLoader);
    },
  );
});
