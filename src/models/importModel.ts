/**
 * Importing a model for machines without a network: a safetensors weights file (converted like
 * a download) or an ONNX model this engine converted (copied, with its external data).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DownloadError } from '../engine/download/downloadError';
import { ensureFreeSpace, freeBytes } from '../engine/download/freeSpace';
import { splitModelPaths, weightBytes } from '../engine/convert';
import { ModelFileError, readModelInfo } from '../engine/modelInfo';
import type { Precision } from '../engine/onnx/graphBuilder';
import { loadConfigFor } from './convertWeights';
import type { Converter, InstallStep, InstalledPaths } from './installFromHub';
import {
  CONVERTED_SIZE_FACTOR,
  installedModelName,
  modelsDir,
  readManifest,
  writeManifest,
} from './modelFiles';

/** What to import. */
export interface ImportOptions {
  readonly storageDir: string;
  readonly file: string;
  /** Precisions to convert a safetensors file into (ONNX files keep their own). */
  readonly precisions: readonly Precision[];
  readonly convert: Converter;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: InstallStep) => void;
  readonly freeBytesOf?: (dir: string) => Promise<number>;
}

// The engine writes larger weights to `<model>.data`; such a model is useless without it.
const EXTERNAL_DATA_BYTES = 256 * 1024 * 1024;

/** Imports the file into the models folder and records it in the manifest. */
export async function importModelFile(opts: ImportOptions): Promise<InstalledPaths> {
  const file = path.resolve(opts.file);
  if (!fs.existsSync(file)) throw new ModelFileError(`${file}: file not found`);
  const ext = path.extname(file).toLowerCase();
  const installed =
    ext === '.onnx'
      ? await importOnnx(opts, file)
      : ext === '.safetensors'
        ? await importWeights(opts, file)
        : undefined;
  if (!installed) {
    throw new ModelFileError(
      `${path.basename(file)}: choose a .safetensors weights file (like BAAI/seggpt-vit-large's model.safetensors) or an .onnx model made by "seggpt convert"`,
    );
  }
  const previous = readManifest(opts.storageDir);
  const dir = modelsDir(opts.storageDir);
  writeManifest(opts.storageDir, {
    models: {
      ...previous?.models,
      ...Object.fromEntries(Object.entries(installed).map(([p, f]) => [p, path.relative(dir, f)])),
    },
    gpuProviders: previous?.gpuProviders ?? [],
    source: `imported from ${file}`,
    installedAt: new Date().toISOString(),
  });
  return installed;
}

async function importWeights(opts: ImportOptions, file: string): Promise<InstalledPaths> {
  const config = loadConfigFor({ weightsPath: file });
  const size = weightBytes(config);
  const needed = opts.precisions.reduce((n, p) => n + size * CONVERTED_SIZE_FACTOR[p], 0);
  const dir = modelsDir(opts.storageDir);
  fs.mkdirSync(dir, { recursive: true });
  await ensureFreeSpace(
    dir,
    needed,
    `converting ${path.basename(file)}`,
    opts.freeBytesOf ?? freeBytes,
  );
  const configPath = path.join(path.dirname(file), 'config.json');
  const out: InstalledPaths = {};
  for (const precision of opts.precisions) {
    const outPath = path.join(dir, installedModelName(precision));
    opts.onStep?.({ kind: 'convert', precision, fraction: 0 });
    await opts.convert(
      {
        weightsPath: file,
        configPath: fs.existsSync(configPath) ? configPath : undefined,
        outPath,
        precision,
      },
      (fraction) => opts.onStep?.({ kind: 'convert', precision, fraction }),
      opts.signal,
    );
    out[precision] = outPath;
  }
  return out;
}

async function importOnnx(opts: ImportOptions, file: string): Promise<InstalledPaths> {
  const info = readModelInfo(file);
  const data = `${file}.data`;
  if (!info.externalData && weightBytes(info.config) > EXTERNAL_DATA_BYTES) {
    throw new ModelFileError(
      `${path.basename(file)} keeps its weights in ${path.basename(data)}, which is not beside it: copy both files`,
    );
  }
  const dir = path.join(modelsDir(opts.storageDir), 'imported');
  fs.mkdirSync(dir, { recursive: true });
  // Everything that makes up the model, the full graph last (see convertModel).
  const split = splitModelPaths(file);
  const sources = [data, split.prompt, split.query].filter((f) => fs.existsSync(f)).concat(file);
  const needed = sources.reduce((n, f) => n + fs.statSync(f).size, 0);
  await ensureFreeSpace(
    dir,
    needed,
    `importing ${path.basename(file)}`,
    opts.freeBytesOf ?? freeBytes,
  );
  // The graphs name their data file by base name, so every file keeps its name.
  const tmpSuffix = `.${process.pid}.tmp`;
  try {
    for (const src of sources) {
      const dest = path.join(dir, path.basename(src));
      if (path.resolve(src) === dest) continue;
      await fs.promises.copyFile(src, dest + tmpSuffix);
      if (opts.signal?.aborted) throw new DownloadError('cancelled', 'import cancelled');
      fs.renameSync(dest + tmpSuffix, dest);
    }
  } finally {
    for (const src of sources)
      fs.rmSync(path.join(dir, path.basename(src)) + tmpSuffix, { force: true });
  }
  return { [info.precision]: path.join(dir, path.basename(file)) };
}
