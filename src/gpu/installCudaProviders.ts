/**
 * Fetching the CUDA provider libraries at run time, as onnxruntime-node's npm install script
 * would have: the NuGet package of the same version, downloaded (resumable) into the
 * extension's storage, and only the provider files unpacked (CRC-checked).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DownloadError } from '../engine/download/downloadError';
import { downloadFile } from '../engine/download/downloadFile';
import { ensureFreeSpace, freeBytes } from '../engine/download/freeSpace';
import type { HttpOptions } from '../engine/download/httpGet';
import type { TransferProgress } from '../engine/download/progressMeter';
import { cudaPackageFor, providerStoreDir } from './cudaPackage';
import { resolveNupkgUrl } from './nugetFeed';
import { extractEntry, listZip } from './zipReader';

/** Provider libraries unpacked into storage. */
export interface InstalledProviders {
  readonly dir: string;
  /** File names in `dir`, to be placed next to the binding. */
  readonly files: readonly string[];
  readonly version: string;
  readonly packageId: string;
  readonly source: string;
}

/** What to fetch. */
export interface CudaInstallOptions {
  readonly storageDir: string;
  /** NuGet v3 service index URL (`seggpt.gpu.nugetFeedUrl`). */
  readonly feedIndexUrl: string;
  /** onnxruntime-node's version: the package version must match it. */
  readonly version: string;
  readonly platform?: NodeJS.Platform;
  readonly arch?: string;
  readonly http?: Omit<HttpOptions, 'signal'>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (
    p: TransferProgress | { readonly phase: 'extracting'; readonly file: string },
  ) => void;
  readonly freeBytesOf?: (dir: string) => Promise<number>;
}

// The Linux package is several hundred MB and its CUDA library unpacks larger still.
const SPACE_NEEDED = 1.5e9;
const MANIFEST = 'installed.json';

/** The libraries already unpacked for this version, or undefined. */
export function installedProviders(
  storageDir: string,
  version: string,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): InstalledProviders | undefined {
  const dir = providerStoreDir(storageDir, version, platform, arch);
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as InstalledProviders;
    if (m.version !== version || !m.files.every((f) => fs.existsSync(path.join(dir, f))))
      return undefined;
    return { ...m, dir };
  } catch {
    return undefined;
  }
}

/** Downloads the package and unpacks the provider libraries; returns where they are. */
export async function installCudaProviders(opts: CudaInstallOptions): Promise<InstalledProviders> {
  const platform = opts.platform ?? process.platform;
  const arch = opts.arch ?? process.arch;
  const pkg = cudaPackageFor(platform, arch);
  if (!pkg) {
    throw new Error(`onnxruntime publishes no CUDA provider for ${platform}/${arch}`);
  }
  const http: HttpOptions = { ...opts.http, signal: opts.signal };
  await ensureFreeSpace(
    opts.storageDir,
    SPACE_NEEDED,
    `the CUDA provider libraries`,
    opts.freeBytesOf ?? freeBytes,
  );
  const url = await resolveNupkgUrl(opts.feedIndexUrl, pkg.id, opts.version, http);
  const nupkg = path.join(
    opts.storageDir,
    'gpu',
    'downloads',
    `${pkg.id.toLowerCase()}.${opts.version}.nupkg`,
  );
  await downloadFile(
    { url, dest: nupkg },
    { ...http, onProgress: opts.onProgress, freeBytesOf: async () => Number.MAX_SAFE_INTEGER },
  );
  const dir = providerStoreDir(opts.storageDir, opts.version, platform, arch);
  fs.mkdirSync(dir, { recursive: true });
  try {
    const entries = listZip(nupkg);
    for (const f of pkg.files) {
      const entry = entries.find((e) => e.name === f.entry);
      if (!entry)
        throw new DownloadError('integrity', `${pkg.id} ${opts.version} has no ${f.entry}`);
      opts.onProgress?.({ phase: 'extracting', file: f.name });
      await extractEntry(nupkg, entry, path.join(dir, f.name), opts.signal);
    }
  } catch (err) {
    // A damaged package is fetched again next time; a cancelled unpack keeps the download.
    if (!opts.signal?.aborted) fs.rmSync(nupkg, { force: true });
    throw err;
  }
  const installed: InstalledProviders = {
    dir,
    files: pkg.files.map((f) => f.name),
    version: opts.version,
    packageId: pkg.id,
    source: url,
  };
  fs.writeFileSync(
    path.join(dir, MANIFEST),
    JSON.stringify({ ...installed, dir: undefined }, null, 2),
  );
  fs.rmSync(nupkg, { force: true });
  return installed;
}
