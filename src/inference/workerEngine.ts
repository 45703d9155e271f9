/**
 * What runs inside the inference worker: the one warm session, prepared prompts, and the
 * requests. Plain engine code (no `vscode`, no worker plumbing), so tests run it in-process too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runBatchJob, type BatchJobResult, type BatchProgress } from '../engine/batchJob';
import { loadImageTensor } from '../engine/imageInput';
import { writeMaskFile } from '../engine/maskFile';
import { jobWorkerPoolFor } from '../engine/jobWorkerPool';
import { preparePrompt, type PromptSpec } from '../engine/promptSet';
import {
  DEFAULT_GPU_SESSIONS,
  releaseReplicas,
  replicaCount,
  startReplicas,
} from '../engine/replica';
import { SegGptSession } from '../engine/segGptSession';
import { Segmenter } from '../engine/segmenter';
import type {
  BatchRequest,
  EngineStatus,
  SegmentRequest,
  SegmentResult,
  SegmentToFileRequest,
} from './inferenceService';
import { RunLock, type RunPriority } from './runLock';
import type { ModelChoice } from './workerProtocol';

/** Prepared prompts kept per session (a user switches between a few sets). */
const PROMPT_CACHE_SIZE = 4;

/** The worker's state: at most one loaded model, shared by all requests. */
export class WorkerEngine {
  private session: SegGptSession | undefined;
  private sessionKey: string | undefined;
  private loading: Promise<SegGptSession> | undefined;
  private readonly prompts = new Map<string, Promise<Segmenter>>();
  private readonly lock = new RunLock();
  private current: EngineStatus = { state: 'idle', attempts: [] };

  constructor(private readonly onStatus: (s: EngineStatus) => void = () => undefined) {}

  /** The status now. */
  get status(): EngineStatus {
    return this.current;
  }

  /** Loads `choice` unless it is the loaded model; a different one replaces it. */
  async load(choice: ModelChoice): Promise<SegGptSession> {
    const key = JSON.stringify(choice);
    if (this.sessionKey === key && this.session) return this.session;
    if (this.sessionKey === key && this.loading) return this.loading;
    const old = this.session;
    this.session = undefined;
    this.prompts.clear();
    this.sessionKey = key;
    const modelPath = choice.steps[0]?.modelPath;
    this.setStatus({ state: 'loading', modelPath, attempts: [] });
    const loading = (async () => {
      await old?.release().catch(() => undefined);
      return SegGptSession.loadPlan(choice.steps, { threads: choice.threads });
    })();
    this.loading = loading;
    try {
      const session = await loading;
      if (this.loading !== loading) {
        await session.release(); // replaced by a newer choice while loading
        return this.load(choice);
      }
      this.session = session;
      this.setStatus(statusOf(session));
      return session;
    } catch (err) {
      if (this.loading === loading) {
        this.sessionKey = undefined;
        this.setStatus({ state: 'error', modelPath, attempts: [], error: oneLine(err) });
      }
      throw err;
    } finally {
      if (this.loading === loading) this.loading = undefined;
    }
  }

  /** Segments one image at its own size. */
  async segment(
    choice: ModelChoice,
    req: SegmentRequest,
    priority: RunPriority = 'interactive',
  ): Promise<SegmentResult> {
    const seg = await this.segmenter(choice, req.prompt, priority);
    const query = await loadImageTensor(req.imagePath, seg.session.geometry);
    const [pred] = await seg.predict([query.data]);
    const maps = seg.toClassMap(pred as Float32Array, query);
    return { width: query.width, height: query.height, classes: maps.classes, soft: maps.soft };
  }

  /**
   * Loads the model if needed and encodes `prompt` for the editor's runs (see Segmenter.prepare),
   * so that the first of them waits for neither.
   */
  async preparePrompt(choice: ModelChoice, prompt: PromptSpec): Promise<void> {
    const seg = await this.segmenter(choice, prompt, 'interactive');
    await seg.prepare();
  }

  /** Segments one image and writes its mask atomically. */
  async segmentToFile(choice: ModelChoice, req: SegmentToFileRequest): Promise<SegmentResult> {
    const result = await this.segment(choice, req);
    await fs.promises.mkdir(path.dirname(req.maskPath), { recursive: true });
    await writeMaskFile(req.maskPath, result.classes, result.width, result.height, {
      overwrite: req.overwrite,
      textChunks: req.textChunks,
    });
    return result;
  }

  /** Runs a folder job; `signal` stops it after the current step. */
  async batch(
    choice: ModelChoice,
    req: BatchRequest,
    signal: AbortSignal,
    onProgress: (p: BatchProgress) => void,
  ): Promise<BatchJobResult> {
    const seg = await this.segmenter(choice, req.prompt, 'batch');
    const batches = Math.ceil(req.targets.length / Math.max(1, req.batchSize));
    const replicas = startReplicas(
      seg.session,
      seg.prompt,
      replicaCount(seg.session.provider, req.gpuSessions ?? DEFAULT_GPU_SESSIONS, batches),
    );
    const jobThreads = jobWorkerPoolFor(seg.session.provider, seg.session.geometry);
    try {
      return await runBatchJob(seg, {
        targets: req.targets,
        maskTemplate: req.maskTemplate,
        overwrite: req.overwrite,
        batchSize: req.batchSize,
        textChunks: req.textChunks,
        signal,
        onProgress,
        helpers: replicas,
        sessionStandsBy: replicas.length > 0,
        ...jobThreads?.jobOptions(),
      });
    } finally {
      await jobThreads?.close();
      await releaseReplicas(replicas);
    }
  }

  /** Frees the session. */
  async dispose(): Promise<void> {
    const s = this.session ?? (await this.loading?.catch(() => undefined));
    this.session = undefined;
    this.sessionKey = undefined;
    this.prompts.clear();
    await s?.release().catch(() => undefined);
  }

  /** A segmenter for the prompt; reused while the prompt's files are unchanged. */
  private async segmenter(
    choice: ModelChoice,
    prompt: PromptSpec,
    priority: RunPriority,
  ): Promise<Segmenter> {
    const session = await this.load(choice);
    const key = `${priority}:${promptKey(prompt)}`;
    let seg = this.prompts.get(key);
    if (!seg) {
      seg = preparePrompt(prompt, session.geometry).then(
        (prepared) => new Segmenter(this.locked(session, priority), prepared),
      );
      seg.catch(() => this.prompts.delete(key));
      this.prompts.set(key, seg);
      while (this.prompts.size > PROMPT_CACHE_SIZE) {
        this.prompts.delete(this.prompts.keys().next().value as string);
      }
    }
    return seg;
  }

  /** The session seen through the run lock: every model run (prompt encodings too) waits its turn. */
  private locked(session: SegGptSession, priority: RunPriority): SegGptSession {
    const lock = this.lock;
    const view = Object.create(session) as SegGptSession;
    Object.defineProperty(view, 'run', {
      value: (batch: Parameters<SegGptSession['run']>[0]) =>
        lock.run(priority, () => session.run(batch)),
    });
    Object.defineProperty(view, 'preparePrompt', {
      value: (batch: Parameters<SegGptSession['preparePrompt']>[0]) =>
        lock.run(priority, () => session.preparePrompt(batch)),
    });
    return view;
  }

  private setStatus(s: EngineStatus): void {
    this.current = s;
    this.onStatus(s);
  }
}

/** A prompt's identity: its spec plus the modification times of its files (edits invalidate). */
function promptKey(prompt: PromptSpec): string {
  const times = prompt.pairs.flatMap((p) =>
    [p.image, p.mask].map((f) => fs.statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? -1),
  );
  return JSON.stringify([prompt, times]);
}

function statusOf(s: SegGptSession): EngineStatus {
  return {
    state: 'ready',
    modelPath: s.modelPath,
    precision: s.precision,
    provider: s.provider,
    attempts: s.attempts,
    threads: s.threads,
    loadMs: s.loadMs,
  };
}

/** An error's first line. */
export function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n').find((l) => l.trim()) ?? msg).trim();
}
