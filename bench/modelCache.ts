/**
 * Converted random-weight models kept in a cache folder between bench runs.
 *
 * Each model has a JSON stamp beside it recording what it was built from: the engine's graph code
 * (a hash of the compiled modules that conversion runs, since the engine has no explicit model
 * format number), the seed, the precision and the config. A model is reused only when its stamp
 * matches and the files still have the recorded sizes; otherwise it is rebuilt.
 *
 * Conversion runs in a child process so that its memory does not count in the bench's peak RSS.
 */
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toHfConfig, type SegGptConfig } from '../src/engine/config';
import { splitModelPaths } from '../src/engine/convert';
import type { Precision } from '../src/engine/onnx/graphBuilder';

/** Bump when the stamp's meaning changes. */
const STAMP_VERSION = 2;

/** A converted model ready to load. */
export interface CachedModel {
  readonly modelPath: string;
  readonly dataPath?: string;
  /** .onnx plus .data bytes. */
  readonly bytes: number;
  /** Built by this call (false: reused from the cache). */
  readonly built: boolean;
  /** Conversion time inside the converting process (only when built). */
  readonly convertMs?: number;
  /** Peak RSS of the converting process, MiB (only when built). */
  readonly convertPeakRssMib?: number;
}

/** What the stamp beside a model records. */
interface Stamp {
  readonly stamp_version: number;
  readonly engine_fingerprint: string;
  readonly seed: number;
  readonly precision: Precision;
  readonly config: Record<string, unknown>;
  readonly model_bytes: number;
  readonly data_bytes: number | null;
  /** Sizes of the split prompt/query graphs written beside the model (null: none). */
  readonly split_bytes: { prompt: number | null; query: number | null };
  readonly convert_ms: number;
  readonly created: string;
}

/** Message the conversion child sends back. */
export type ConvertReply =
  | {
      readonly ok: true;
      readonly modelPath: string;
      readonly dataPath?: string;
      readonly bytes: number;
      readonly convertMs: number;
      readonly peakRssMib: number;
    }
  | { readonly ok: false; readonly error: string };

/** Arguments passed to the conversion child (JSON in argv[2]). */
export interface ConvertRequest {
  readonly config: Record<string, unknown>;
  readonly seed: number;
  readonly precision: Precision;
  readonly outPath: string;
}

/** JSON with sorted keys, so equal objects hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Short hash of a config (goes into cache file names for non-default configs). */
export function configHash(c: SegGptConfig): string {
  return createHash('sha256')
    .update(canonicalJson(toHfConfig(c)))
    .digest('hex')
    .slice(0, 12);
}

let fingerprintMemo: { hash: string; files: string[] } | undefined;

/**
 * Hash of the compiled engine modules that conversion depends on: the relative `require`
 * closure of convert.js and randomWeights.js. Any change to the graph builder, the weight
 * layout or the random generator changes it; edits elsewhere in the engine do not.
 */
export function engineFingerprint(): { hash: string; files: string[] } {
  if (fingerprintMemo) return fingerprintMemo;
  const roots = [
    require.resolve('../src/engine/convert'),
    require.resolve('../src/engine/randomWeights'),
  ];
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = fs.readFileSync(file, 'utf8');
    for (const m of src.matchAll(/require\((["'])(\.{1,2}\/[^"']+)\1\)/g)) {
      try {
        todo.push(require.resolve(path.resolve(path.dirname(file), m[2] as string)));
      } catch {
        // A require that does not resolve would fail conversion itself; not our concern here.
      }
    }
  }
  const files = [...seen].sort();
  const h = createHash('sha256');
  const base = path.resolve(__dirname, '..');
  for (const f of files) {
    h.update(path.relative(base, f));
    h.update('\0');
    h.update(fs.readFileSync(f));
    h.update('\0');
  }
  fingerprintMemo = {
    hash: h.digest('hex').slice(0, 16),
    files: files.map((f) => path.relative(base, f)),
  };
  return fingerprintMemo;
}

function fileSize(p: string): number | null {
  try {
    return fs.statSync(p).size;
  } catch {
    return null;
  }
}

function readStamp(stampPath: string): Stamp | undefined {
  try {
    return JSON.parse(fs.readFileSync(stampPath, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** Why a stamped model cannot be reused, or undefined when it can. */
function staleReason(
  stamp: Stamp | undefined,
  want: Pick<Stamp, 'engine_fingerprint' | 'seed' | 'precision' | 'config'>,
  modelPath: string,
): string | undefined {
  if (!stamp) return 'no model in the cache';
  if (stamp.stamp_version !== STAMP_VERSION) return 'stamp format changed';
  if (stamp.engine_fingerprint !== want.engine_fingerprint) return 'engine graph code changed';
  if (stamp.seed !== want.seed) return 'different seed';
  if (stamp.precision !== want.precision) return 'different precision';
  if (canonicalJson(stamp.config) !== canonicalJson(want.config)) return 'different config';
  if (fileSize(modelPath) !== stamp.model_bytes) return 'model file missing or changed';
  if (fileSize(`${modelPath}.data`) !== stamp.data_bytes) return 'weights file missing or changed';
  const split = splitModelPaths(modelPath);
  if (
    fileSize(split.prompt) !== stamp.split_bytes.prompt ||
    fileSize(split.query) !== stamp.split_bytes.query
  ) {
    return 'split graph files missing or changed';
  }
  return undefined;
}

/** Converts in a child process and resolves with its reply. */
function convertInChild(req: ConvertRequest): Promise<ConvertReply> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'convertWorker.js'), [JSON.stringify(req)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let reply: ConvertReply | undefined;
    child.on('message', (m) => {
      reply = m as ConvertReply;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (reply) resolve(reply);
      else
        reject(
          new Error(`conversion process exited (${signal ?? `code ${code}`}) without a result`),
        );
    });
  });
}

/**
 * Returns the cached model `<dir>/<name>-<precision>.onnx` for this config, building it with
 * random weights (seed `seed`) when absent or stale (or always, with `rebuild`).
 */
export async function ensureModel(opts: {
  readonly dir: string;
  readonly name: string;
  readonly config: SegGptConfig;
  readonly precision: Precision;
  readonly seed: number;
  readonly rebuild?: boolean;
  readonly log?: (msg: string) => void;
}): Promise<CachedModel> {
  const log = opts.log ?? (() => {});
  fs.mkdirSync(opts.dir, { recursive: true });
  const modelPath = path.resolve(opts.dir, `${opts.name}-${opts.precision}.onnx`);
  const stampPath = `${modelPath}.stamp.json`;
  const want = {
    engine_fingerprint: engineFingerprint().hash,
    seed: opts.seed,
    precision: opts.precision,
    config: toHfConfig(opts.config),
  };
  const stamp = readStamp(stampPath);
  const reason = opts.rebuild ? 'rebuild requested' : staleReason(stamp, want, modelPath);
  if (reason === undefined && stamp) {
    return {
      modelPath,
      dataPath: stamp.data_bytes === null ? undefined : `${modelPath}.data`,
      bytes: stamp.model_bytes + (stamp.data_bytes ?? 0),
      built: false,
    };
  }
  log(`converting ${path.basename(modelPath)} (${reason}) …`);
  // The stamp goes first: an interrupted rebuild must never look valid.
  fs.rmSync(stampPath, { force: true });
  const reply = await convertInChild({
    config: want.config,
    seed: opts.seed,
    precision: opts.precision,
    outPath: modelPath,
  });
  if (!reply.ok) throw new Error(`conversion failed: ${reply.error}`);
  if (!reply.dataPath) fs.rmSync(`${modelPath}.data`, { force: true });
  const modelBytes = fileSize(modelPath);
  if (modelBytes === null) throw new Error(`conversion wrote no ${modelPath}`);
  const dataBytes = reply.dataPath ? fileSize(reply.dataPath) : null;
  const newStamp: Stamp = {
    stamp_version: STAMP_VERSION,
    ...want,
    model_bytes: modelBytes,
    data_bytes: dataBytes,
    split_bytes: {
      prompt: fileSize(splitModelPaths(modelPath).prompt),
      query: fileSize(splitModelPaths(modelPath).query),
    },
    convert_ms: reply.convertMs,
    created: new Date().toISOString(),
  };
  fs.writeFileSync(stampPath, `${JSON.stringify(newStamp, null, 2)}\n`);
  return {
    modelPath,
    dataPath: reply.dataPath,
    bytes: modelBytes + (dataBytes ?? 0),
    built: true,
    convertMs: reply.convertMs,
    convertPeakRssMib: reply.peakRssMib,
  };
}
