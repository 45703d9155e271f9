/**
 * A stand-in replica thread for tests: says it is ready after `readyAfterMs`, and on `release`
 * writes `marker` and ends (what replicaWorker.js does once its session is freed).
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
if (!port) throw new Error('slowReplicaWorker must run as a worker thread');
const { readyAfterMs, marker } = workerData as { readyAfterMs: number; marker: string };
setTimeout(() => port.postMessage({ type: 'ready' }), readyAfterMs);
port.on('message', (msg: { type: string }) => {
  if (msg.type !== 'release') return;
  fs.writeFileSync(marker, 'released');
  port.close();
});
