/**
 * Entry point of a replica thread (bundled as dist/replicaWorker.js; see replica.ts): loads the
 * model on the provider it is given, then answers predict requests until released.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromReplica, ReplicaSetup, ToReplica } from './replica';
import { SegGptSession } from './segGptSession';
import { Segmenter } from './segmenter';

const port = parentPort;
if (!port) throw new Error('replicaWorker must run as a worker thread');
const setup = workerData as ReplicaSetup;
const send = (msg: FromReplica, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(msg, transfer);
const firstLine = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0] as string;

const ready: Promise<Segmenter | undefined> = SegGptSession.load(setup.modelPath, {
  providers: [setup.provider],
  threads: setup.threads,
}).then(
  (session) => {
    send({ type: 'ready' });
    return new Segmenter(session, setup.prompt);
  },
  (err: unknown) => {
    send({ type: 'error', message: `no replica session: ${firstLine(err)}` });
    port.close();
    return undefined;
  },
);

port.on('message', (msg: ToReplica) => {
  void (async () => {
    const seg = await ready;
    if (!seg) return;
    if (msg.type === 'release') {
      await seg.session.release().catch(() => undefined);
      port.close();
      return;
    }
    try {
      const plane = msg.queries.length / msg.count;
      const queries = Array.from({ length: msg.count }, (_, i) =>
        msg.queries.subarray(i * plane, (i + 1) * plane),
      );
      const preds = await seg.predict(queries);
      send(
        { type: 'result', id: msg.id, preds },
        preds.map((p) => p.buffer as ArrayBuffer),
      );
      // Out of GPU memory the session moves to the CPU: a replica there would only slow the
      // job down, so it leaves (this result still counts).
      if (seg.session.provider !== setup.provider) {
        send({ type: 'error', message: `the replica moved to the ${seg.session.provider}` });
        await seg.session.release().catch(() => undefined);
        port.close();
      }
    } catch (err) {
      send({ type: 'error', id: msg.id, message: firstLine(err) });
    }
  })();
});
