/**
 * Child process of the latency section: in a fresh process (nothing warm, no arena), creates one
 * session and times its creation and first runs. The `engine` variant goes through
 * `SegGptSession.load`; the others create the session directly with the engine's options plus
 * the variant's (the engine has no way to pass them yet). Started by coldStart.ts with a JSON
 * ColdRequest as its only argument; replies with a ColdReply over IPC.
 */
import type * as ort from 'onnxruntime-node';
import { geometryOf } from '../src/engine/config';
import { readModelInfo } from '../src/engine/modelInfo';
import { GRAPH_IO } from '../src/engine/onnx/seggptGraph';
import { engineSessionOptions, SegGptSession, type ModelBatch } from '../src/engine/segGptSession';
import { makeQuery } from './query';
import { peakRssMib } from './timing';

/** What to measure. */
export interface ColdRequest {
  readonly modelPath: string;
  readonly threads: number;
  /** undefined: `SegGptSession.load` as the engine does it. */
  readonly sessionOptions?: ort.InferenceSession.SessionOptions;
  readonly runs: number;
  readonly seed: number;
}

/** What was measured (times in ms, memory in MiB). */
export type ColdReply =
  | {
      readonly ok: true;
      readonly loadMs: number;
      readonly runMs: number[];
      /** Process CPU time per run (user + system), and the system part of it. */
      readonly cpuMs: number[];
      readonly sysMs: number[];
      /** Minor page faults per run: fresh memory being touched (arena growth). */
      readonly minorFaults: number[];
      readonly rssAfterLoadMib: number;
      readonly rssAfterRunsMib: number[];
      readonly peakRssMib: number;
    }
  | { readonly ok: false; readonly error: string };

const MIB = 1024 * 1024;

/** A runner for one batch: through the engine, or a bare onnxruntime session. */
async function open(
  req: ColdRequest,
): Promise<{ loadMs: number; run: (b: ModelBatch) => Promise<unknown> }> {
  if (!req.sessionOptions) {
    const s = await SegGptSession.load(req.modelPath, { providers: ['cpu'], threads: req.threads });
    return { loadMs: s.loadMs, run: (b) => s.run(b) };
  }
  const runtime = await import('onnxruntime-node');
  runtime.env.logLevel = 'fatal';
  const { inputH: h, inputW: w } = geometryOf(readModelInfo(req.modelPath).config);
  const t0 = performance.now();
  const session = await runtime.InferenceSession.create(req.modelPath, {
    ...engineSessionOptions('cpu', req.threads),
    ...req.sessionOptions,
  });
  const loadMs = performance.now() - t0;
  const T = runtime.Tensor;
  const run = (b: ModelBatch): Promise<unknown> => {
    const dims = [b.rows, 3, h, w];
    return session.run(
      {
        [GRAPH_IO.pixelValues]: new T('float32', b.pixelValues, dims),
        [GRAPH_IO.promptPixelValues]: new T('float32', b.promptPixelValues, dims),
        [GRAPH_IO.promptMasks]: new T('float32', b.promptMasks, dims),
        [GRAPH_IO.embeddingType]: new T('int64', BigInt64Array.of(0n), [1]),
        [GRAPH_IO.ensembleSize]: new T('int64', BigInt64Array.of(1n), [1]),
      },
      [GRAPH_IO.predMasks],
    );
  };
  return { loadMs, run };
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '{}') as ColdRequest;
  const query = makeQuery(readModelInfo(req.modelPath).config, req.seed);
  const { loadMs, run } = await open(req);
  const rssAfterLoadMib = process.memoryUsage().rss / MIB;
  const runMs: number[] = [];
  const cpuMs: number[] = [];
  const sysMs: number[] = [];
  const minorFaults: number[] = [];
  const rssAfterRunsMib: number[] = [];
  for (let i = 0; i < req.runs; i++) {
    const f0 = process.resourceUsage().minorPageFault;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run(query);
    runMs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
    sysMs.push(c.system / 1000);
    minorFaults.push(process.resourceUsage().minorPageFault - f0);
    rssAfterRunsMib.push(process.memoryUsage().rss / MIB);
  }
  send({
    ok: true,
    loadMs,
    runMs,
    cpuMs,
    sysMs,
    minorFaults,
    rssAfterLoadMib,
    rssAfterRunsMib,
    peakRssMib: peakRssMib(),
  });
}

/** Sends the reply and closes the channel so the process can exit. */
function send(reply: ColdReply): void {
  if (!process.send) {
    console.log(JSON.stringify(reply));
    return;
  }
  process.send(reply, () => process.disconnect?.());
}

main().catch((err: unknown) => {
  process.exitCode = 1;
  send({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
});
