/**
 * Installing SegGPT from the Hub: list the repository, check free space, download config.json
 * and model.safetensors (resumable, verified), convert into the models folder for each wanted
 * precision, then drop the download. No `vscode` import; the converter is injected (a child
 * process in the extension, in-process in tests).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DownloadError } from '../engine/download/downloadError';
import { downloadFile, partPaths } from '../engine/download/downloadFile';
import { digestFile } from '../engine/download/fileHash';
import { ensureFreeSpace, freeBytes } from '../engine/download/freeSpace';
import type { HttpOptions } from '../engine/download/httpGet';
import {
  hubFileUrl,
  listHubFiles,
  requireHubFile,
  type HubFile,
  type HubRepo,
} from '../engine/download/hubListing';
import type { TransferProgress } from '../engine/download/progressMeter';
import type { Precision } from '../engine/onnx/graphBuilder';
import type { ProviderName } from '../engine/providers';
import type { ConvertRequest } from './convertWeights';
import {
  CONVERTED_SIZE_FACTOR,
  downloadsDir,
  installedModelName,
  modelsDir,
  readManifest,
  writeManifest,
} from './modelFiles';

/** Runs one conversion, reporting the fraction done. */
export type Converter = (
  req: ConvertRequest,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
) => Promise<void>;

/** Where an install is. */
export type InstallStep =
  | { readonly kind: 'listing' }
  | { readonly kind: 'download'; readonly file: string; readonly progress: TransferProgress }
  | { readonly kind: 'convert'; readonly precision: Precision; readonly fraction: number };

/** What to install and how. */
export interface HubInstallOptions {
  readonly storageDir: string;
  readonly hub: HubRepo;
  readonly precisions: readonly Precision[];
  /** GPU providers seen working (recorded in the manifest). */
  readonly gpuProviders?: readonly ProviderName[];
  readonly convert: Converter;
  readonly http?: Omit<HttpOptions, 'signal'>;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: InstallStep) => void;
  readonly freeBytesOf?: (dir: string) => Promise<number>;
  /** Test hook: retry pause of the downloader. */
  readonly retryDelayMs?: number;
}

/** Installed model paths per precision. */
export type InstalledPaths = Partial<Record<Precision, string>>;

const MARGIN_BYTES = 64 * 1024 * 1024;

/** Downloads, verifies and converts the Hub's model; returns the installed paths. */
export async function installFromHub(opts: HubInstallOptions): Promise<InstalledPaths> {
  if (opts.precisions.length === 0) throw new Error('no precision to install');
  const http: HttpOptions = { ...opts.http, signal: opts.signal };
  opts.onStep?.({ kind: 'listing' });
  const files = await listHubFiles(opts.hub, http);
  const weights = requireHubFile(files, 'model.safetensors', opts.hub);
  const config = requireHubFile(files, 'config.json', opts.hub);
  const staging = downloadsDir(opts.storageDir);
  const outDir = modelsDir(opts.storageDir);
  fs.mkdirSync(staging, { recursive: true });
  fs.mkdirSync(outDir, { recursive: true });
  const weightsPath = path.join(staging, weights.path);
  const configPath = path.join(staging, config.path);
  const present = partSize(weightsPath);
  const outputs = opts.precisions.reduce((n, p) => n + weights.size * CONVERTED_SIZE_FACTOR[p], 0);
  // Downloads and models share the storage folder: check once for both, before any byte moves.
  await ensureFreeSpace(
    opts.storageDir,
    weights.size - present + config.size + outputs + MARGIN_BYTES,
    `${opts.hub.repo} (download and conversion)`,
    opts.freeBytesOf ?? freeBytes,
  );
  await fetchVerified(opts, config, configPath, http);
  await fetchVerified(opts, weights, weightsPath, http);
  const installed: InstalledPaths = {};
  for (const precision of opts.precisions) {
    if (opts.signal?.aborted) throw new DownloadError('cancelled', 'installation cancelled');
    const outPath = path.join(outDir, installedModelName(precision));
    opts.onStep?.({ kind: 'convert', precision, fraction: 0 });
    await opts.convert(
      { weightsPath, configPath, outPath, precision },
      (fraction) => opts.onStep?.({ kind: 'convert', precision, fraction }),
      opts.signal,
    );
    installed[precision] = outPath;
  }
  const previous = readManifest(opts.storageDir);
  writeManifest(opts.storageDir, {
    models: {
      ...previous?.models,
      ...Object.fromEntries(Object.entries(installed).map(([p, f]) => [p, path.basename(f)])),
    },
    gpuProviders: opts.gpuProviders ?? [],
    source: `${opts.hub.repo}@${opts.hub.revision ?? 'main'} model.safetensors sha256 ${weights.sha256 ?? 'unknown'}`,
    installedAt: new Date().toISOString(),
  });
  fs.rmSync(staging, { recursive: true, force: true });
  return installed;
}

/** Downloads one listed file unless an earlier run left it complete and intact. */
async function fetchVerified(
  opts: HubInstallOptions,
  file: HubFile,
  dest: string,
  http: HttpOptions,
): Promise<void> {
  const report = (progress: TransferProgress): void =>
    opts.onStep?.({ kind: 'download', file: file.path, progress });
  if (fs.existsSync(dest) && fs.statSync(dest).size === file.size) {
    const got = await digestFile(dest, file.size, undefined, opts.signal);
    const ok =
      (!file.sha256 || got.sha256 === file.sha256) &&
      (!file.gitBlobSha1 || got.gitBlobSha1 === file.gitBlobSha1);
    if (ok) {
      report({
        phase: 'verifying',
        received: file.size,
        total: file.size,
        resumedFrom: file.size,
        bytesPerSecond: 0,
      });
      return;
    }
  }
  fs.rmSync(dest, { force: true });
  await downloadFile(
    {
      url: hubFileUrl(opts.hub, file.path),
      dest,
      size: file.size,
      digest: { sha256: file.sha256, gitBlobSha1: file.gitBlobSha1 },
    },
    {
      ...http,
      onProgress: report,
      freeBytesOf: async () => Number.MAX_SAFE_INTEGER,
      retryDelayMs: opts.retryDelayMs,
    },
  );
}

/** Bytes of the weights already on disk (complete file or resumable part). */
function partSize(dest: string): number {
  for (const f of [dest, partPaths(dest).part]) {
    try {
      return fs.statSync(f).size;
    } catch {
      // try the next
    }
  }
  return 0;
}
