/**
 * Setting up CUDA: fetch the provider libraries (once per onnxruntime version), place them
 * next to the binding, check that CUDA really runs a model, and when it does not, say what is
 * missing. No `vscode` import; the probe is injected (a child process in the extension).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HttpOptions } from '../engine/download/httpGet';
import type { TransferProgress } from '../engine/download/progressMeter';
import type { ProviderName } from '../engine/providers';
import { diagnoseCuda, type CudaDiagnosis } from './cudaDiagnosis';
import {
  bindingDir,
  cudaPackageFor,
  onnxruntimePackageDir,
  onnxruntimeVersion,
} from './cudaPackage';
import {
  installCudaProviders,
  installedProviders,
  type InstalledProviders,
} from './installCudaProviders';
import { placeProviderLibraries, type PlaceResult } from './placeProviderLibraries';
import type { ProbeResult } from './probeProviders';
import { gatherCudaFacts } from './systemLibraries';

/** How to set up. */
export interface CudaSetupOptions {
  readonly storageDir: string;
  readonly feedIndexUrl: string;
  /** The onnxruntime-node package to equip (default: the one this code loads). */
  readonly packageDir?: string;
  /** Runs the probe model on providers, in a fresh process (it must see the placed files). */
  readonly probe: (providers: readonly ProviderName[]) => Promise<ProbeResult[]>;
  readonly http?: Omit<HttpOptions, 'signal'>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (
    p: TransferProgress | { readonly phase: 'extracting' | 'checking'; readonly file?: string },
  ) => void;
  readonly freeBytesOf?: (dir: string) => Promise<number>;
}

/** What happened. */
export interface CudaSetupResult {
  /** True when CUDA ran the probe model. */
  readonly ok: boolean;
  readonly version: string;
  readonly installed: InstalledProviders;
  readonly place: PlaceResult;
  readonly probe?: ProbeResult;
  readonly diagnosis?: CudaDiagnosis;
  /** Plain-words problems, empty when ok. */
  readonly problems: readonly string[];
}

/** Fetches (if needed), places and checks the CUDA provider; never leaves files half-written. */
export async function setUpCuda(opts: CudaSetupOptions): Promise<CudaSetupResult> {
  const packageDir = opts.packageDir ?? onnxruntimePackageDir();
  const version = onnxruntimeVersion(packageDir);
  const installed =
    installedProviders(opts.storageDir, version) ??
    (await installCudaProviders({
      storageDir: opts.storageDir,
      feedIndexUrl: opts.feedIndexUrl,
      version,
      http: opts.http,
      signal: opts.signal,
      onProgress: opts.onProgress,
      freeBytesOf: opts.freeBytesOf,
    }));
  const target = bindingDir(packageDir);
  const place = await placeProviderLibraries(installed, target);
  opts.onProgress?.({ phase: 'checking' });
  const probe = place.placed ? (await opts.probe(['cuda']))[0] : undefined;
  if (probe?.ok) return { ok: true, version, installed, place, probe, problems: [] };
  const cudaLib = cudaPackageFor()?.files.find((f) => /cuda/.test(f.name))?.name ?? '';
  const libDir = place.placed ? target : installed.dir;
  let diagnosis: CudaDiagnosis | undefined;
  const problems = place.reason ? [place.reason] : [];
  try {
    diagnosis = diagnoseCuda(await gatherCudaFacts(path.join(libDir, cudaLib), version));
    problems.push(...diagnosis.problems);
  } catch (err) {
    // Unreadable libraries are fetched anew by the next setup.
    fs.rmSync(installed.dir, { recursive: true, force: true });
    problems.push(
      `the CUDA provider library ${cudaLib} in ${libDir} cannot be read ` +
        `(${err instanceof Error ? err.message : String(err)}); run the setup again to fetch it anew`,
    );
  }
  if (problems.length === 0 && probe) {
    problems.push(
      `every library CUDA needs was found, but loading it failed: ${probe.reason ?? 'unknown error'}` +
        (probe.detail && probe.detail !== probe.reason ? ` (${probe.detail})` : ''),
    );
  }
  return { ok: false, version, installed, place, probe, diagnosis, problems };
}

/**
 * Places the stored libraries again when they are missing next to the binding (an extension
 * update replaces that folder). Resolves to undefined when nothing is stored for this version.
 */
export async function restoreCudaPlacement(
  storageDir: string,
  packageDir: string = onnxruntimePackageDir(),
): Promise<PlaceResult | undefined> {
  const installed = installedProviders(storageDir, onnxruntimeVersion(packageDir));
  return installed ? placeProviderLibraries(installed, bindingDir(packageDir)) : undefined;
}
