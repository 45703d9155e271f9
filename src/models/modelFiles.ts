/**
 * Where installed models live in the extension's global storage, and the manifest that says
 * which precision is which file. No `vscode` import: the installer and tests share it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { splitModelPaths } from '../engine/convert';
import type { Precision } from '../engine/onnx/graphBuilder';
import type { ProviderName } from '../engine/providers';

/** The Hub repository the extension downloads. */
export const HUB_REPO = 'BAAI/seggpt-vit-large';

/** Which converted precision serves which kind of provider (the rule). */
export const CPU_PRECISION: Precision = 'fp32';
/** Half precision for GPUs: half the memory and about twice as fast there. */
export const GPU_PRECISION: Precision = 'fp16';

/** Size of a converted model relative to its float32 weights, per precision (disk checks). */
export const CONVERTED_SIZE_FACTOR: Readonly<Record<Precision, number>> = {
  fp32: 1,
  fp16: 0.5,
  int8: 0.3,
};

/** What is installed: the model file per precision, and where it came from. */
export interface InstalledManifest {
  /** Model file names relative to the models folder, per precision. */
  readonly models: Partial<Record<Precision, string>>;
  /** GPU providers that loaded a model when it was installed (why fp16 was made). */
  readonly gpuProviders: readonly ProviderName[];
  /** One line: the Hub file and its SHA-256, or the imported file. */
  readonly source: string;
  readonly installedAt: string;
}

/** File name of the model the installer converts, per precision. */
export function installedModelName(precision: Precision): string {
  return `seggpt-vit-large-${precision}.onnx`;
}

/** Folder that holds installed models. */
export function modelsDir(storageDir: string): string {
  return path.join(storageDir, 'models');
}

/** Folder where downloads are staged (and resumed) before conversion. */
export function downloadsDir(storageDir: string): string {
  return path.join(storageDir, 'downloads', HUB_REPO.replace('/', '--'));
}

function manifestPath(storageDir: string): string {
  return path.join(modelsDir(storageDir), 'installed.json');
}

/** The manifest, or undefined when nothing was installed (or it is unreadable). */
export function readManifest(storageDir: string): InstalledManifest | undefined {
  try {
    const raw = JSON.parse(fs.readFileSync(manifestPath(storageDir), 'utf8')) as InstalledManifest;
    return raw && typeof raw.models === 'object' ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the manifest atomically (temp file + rename). */
export function writeManifest(storageDir: string, manifest: InstalledManifest): void {
  const file = manifestPath(storageDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(manifest, null, 2));
  fs.renameSync(tmp, file);
}

/**
 * Installed model paths per precision whose files exist: the manifest's entries, and the
 * installer's standard names when there is no manifest.
 */
export function installedModels(storageDir: string): Partial<Record<Precision, string>> {
  const dir = modelsDir(storageDir);
  const manifest = readManifest(storageDir);
  const out: Partial<Record<Precision, string>> = {};
  const names: Partial<Record<Precision, string>> = manifest?.models ?? {
    fp32: installedModelName('fp32'),
    fp16: installedModelName('fp16'),
  };
  for (const [precision, name] of Object.entries(names) as [Precision, string][]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) out[precision] = file;
  }
  return out;
}

/** Bytes a model takes on disk: the graphs plus their external data file. */
export function modelBytesOnDisk(modelPath: string): number {
  let n = 0;
  const split = splitModelPaths(modelPath);
  for (const f of [modelPath, `${modelPath}.data`, split.prompt, split.query]) {
    try {
      n += fs.statSync(f).size;
    } catch {
      // absent data file: weights are inline
    }
  }
  return n;
}
