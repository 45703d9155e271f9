/** Runs a batch job from the command line: loads the model, Ctrl-C handling, summary, exit code. */
import * as path from 'node:path';
import { runBatchJob, type OverwritePolicy } from '../engine/batchJob';
import { validateMaskTemplate } from '../engine/maskPaths';
import { jobWorkerPoolFor } from '../engine/jobWorkerPool';
import { preparePrompt } from '../engine/promptSet';
import { modelProvenance } from '../engine/provenance';
import {
  DEFAULT_GPU_SESSIONS,
  releaseReplicas,
  replicaCount,
  startReplicas,
  type Replica,
} from '../engine/replica';
import { SegGptSession } from '../engine/segGptSession';
import { Segmenter } from '../engine/segmenter';
import { positiveInt } from './args';
import { promptSpec, sessionOptions } from './commonOptions';
import { progressPrinter } from './progressLine';

/** Exit code when the user cancelled (as a shell reports SIGINT). */
export const EXIT_CANCELLED = 130;

/** Segments `targets` into masks named by `template`; returns the process exit code. */
export async function runJob(
  values: Record<string, unknown>,
  targets: string[],
  template: string,
  overwrite: OverwritePolicy,
  log: (s: string) => void,
): Promise<number> {
  validateMaskTemplate(template);
  const { model, load } = sessionOptions(values);
  const spec = promptSpec(values);
  const batchSize = positiveInt(values, 'batch-size', 1);
  const gpuSessions = positiveInt(values, 'gpu-sessions', DEFAULT_GPU_SESSIONS);
  const session = await SegGptSession.load(model, load);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT_CANCELLED); // masks are atomic: nothing half-written
    process.stderr.write('\ncancelling after the current batch (Ctrl-C again to stop now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  let replicas: Promise<Replica>[] = [];
  const jobThreads = jobWorkerPoolFor(session.provider, session.geometry);
  try {
    const fallbacks = session.attempts.filter((a) => !a.ok);
    for (const a of fallbacks) log(`provider ${a.provider} unavailable: ${a.reason}`);
    log(
      `model ${path.basename(model)} (${session.precision}) on ${session.provider}, loaded in ${Math.round(session.loadMs)} ms`,
    );
    const prompt = await preparePrompt(spec, session.geometry);
    const segmenter = new Segmenter(session, prompt);
    const batches = Math.ceil(targets.length / batchSize);
    replicas = startReplicas(session, prompt, replicaCount(session.provider, gpuSessions, batches));
    const res = await runBatchJob(segmenter, {
      helpers: replicas,
      sessionStandsBy: replicas.length > 0,
      ...jobThreads?.jobOptions(),
      targets,
      maskTemplate: template,
      overwrite,
      batchSize,
      signal: controller.signal,
      textChunks: modelProvenance(
        path.basename(model),
        JSON.stringify({ pairs: spec.pairs, semantic: spec.semantic, classes: prompt.numClasses }),
      ),
      onProgress: progressPrinter(process.stderr),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    for (const n of res.notes) log(n);
    if (res.sessions > 1) log(`${res.sessions} sessions of the model ran batches`);
    for (const s of res.skipped) log(`skipped ${s.path}: ${s.reason}`);
    for (const f of res.failed) log(`failed ${f.path}: ${f.error}`);
    log(
      `${res.written.length} written, ${res.skipped.length} skipped, ${res.failed.length} failed` +
        ` in ${res.seconds.toFixed(1)} s${res.cancelled ? ' (cancelled: run again to resume)' : ''}`,
    );
    if (res.cancelled) return EXIT_CANCELLED;
    return res.failed.length ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await jobThreads?.close();
    await releaseReplicas(replicas);
    await session.release();
  }
}
