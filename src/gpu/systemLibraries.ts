/**
 * Gathering the facts for the CUDA diagnosis on this machine: where the loader would find each
 * library (the provider's RUNPATH, LD_LIBRARY_PATH or PATH, the ldconfig cache, the system
 * folders), CUDA/cuDNN libraries installed elsewhere, and the driver (nvidia-smi).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CudaFacts, DriverInfo } from './cudaDiagnosis';
import { readNativeDeps } from './nativeDeps';

/** Library folders the loader searches, in order (Linux: without the ldconfig cache). */
export function loaderDirs(
  libFile: string,
  runpath: readonly string[],
  env = process.env,
  platform = process.platform,
): string[] {
  const origin = path.dirname(libFile);
  const fromEnv = (v: string | undefined): string[] =>
    (v ?? '').split(path.delimiter).filter(Boolean);
  if (platform === 'win32') {
    const sys = path.join(env.SystemRoot ?? 'C:\\Windows', 'System32');
    return [origin, sys, ...fromEnv(env.PATH ?? env.Path)];
  }
  return [
    ...runpath.map((r) => r.replace(/\$\{?ORIGIN\}?/g, origin)),
    ...fromEnv(env.LD_LIBRARY_PATH),
    '/lib/x86_64-linux-gnu',
    '/usr/lib/x86_64-linux-gnu',
    '/lib64',
    '/usr/lib64',
    '/lib',
    '/usr/lib',
  ];
}

/** Usual CUDA/cuDNN install folders that are often not on the search path. */
function usualCudaDirs(platform: NodeJS.Platform, env = process.env): string[] {
  const glob = (parent: string, pattern: RegExp, sub: string): string[] => {
    try {
      return fs
        .readdirSync(parent)
        .filter((n) => pattern.test(n))
        .map((n) => path.join(parent, n, sub));
    } catch {
      return [];
    }
  };
  if (platform === 'win32') {
    const pf = env.ProgramFiles ?? 'C:\\Program Files';
    return [
      ...(env.CUDA_PATH ? [path.join(env.CUDA_PATH, 'bin')] : []),
      ...glob(path.join(pf, 'NVIDIA GPU Computing Toolkit', 'CUDA'), /^v\d/, 'bin'),
      ...glob(path.join(pf, 'NVIDIA', 'CUDNN'), /^v\d/, 'bin'),
    ];
  }
  return [
    ...glob('/usr/local', /^cuda(-[\d.]+)?$/, 'lib64'),
    ...glob('/usr/local', /^cuda(-[\d.]+)?$/, 'targets/x86_64-linux/lib'),
    '/opt/cuda/lib64',
    '/usr/lib/x86_64-linux-gnu',
  ];
}

const CUDA_LIB =
  /^(lib)?(cudart|cublas|cublasLt|cudnn|cufft|curand|cuda)(64)?([._]\d+)*\.(so(\.\d+)*|dll)$/i;

/** `ldconfig -p` as name → path (empty when it cannot run). */
async function ldconfigCache(): Promise<Map<string, string>> {
  const out = await run(fs.existsSync('/sbin/ldconfig') ? '/sbin/ldconfig' : 'ldconfig', ['-p']);
  const map = new Map<string, string>();
  for (const line of out?.split('\n') ?? []) {
    const m = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)/.exec(line);
    if (m && (m[2] ?? '').includes('x86-64') && !map.has(m[1] as string))
      map.set(m[1] as string, m[3] as string);
  }
  return map;
}

function run(cmd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000, windowsHide: true }, (err, stdout) =>
      resolve(err ? undefined : stdout),
    );
  });
}

/** The driver: its library, and version and CUDA version from nvidia-smi. */
async function driverInfo(
  find: (lib: string) => string | undefined,
  platform: NodeJS.Platform,
): Promise<DriverInfo> {
  const present = find(platform === 'win32' ? 'nvcuda.dll' : 'libcuda.so.1') !== undefined;
  const smi = await run('nvidia-smi', []);
  return {
    present,
    version: smi ? /Driver Version:\s*([\d.]+)/.exec(smi)?.[1] : undefined,
    cudaVersion: smi ? /CUDA Version:\s*([\d.]+)/.exec(smi)?.[1] : undefined,
  };
}

/** Collects the facts about the CUDA provider library at `providerLib`. */
export async function gatherCudaFacts(
  providerLib: string,
  ortVersion: string,
  platform: NodeJS.Platform = process.platform,
): Promise<CudaFacts> {
  const deps = readNativeDeps(providerLib);
  const dirs = loaderDirs(providerLib, deps.runpath, process.env, platform);
  const cache = platform === 'win32' ? new Map<string, string>() : await ldconfigCache();
  const find = (lib: string): string | undefined => {
    for (const d of dirs) {
      const p = path.join(d, lib);
      if (fs.existsSync(p)) return p;
    }
    return cache.get(lib);
  };
  const seen = new Map<string, string>();
  for (const d of [...dirs, ...usualCudaDirs(platform)]) {
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) if (CUDA_LIB.test(n) && !seen.has(n)) seen.set(n, path.join(d, n));
  }
  for (const [n, p] of cache) if (CUDA_LIB.test(n) && !seen.has(n)) seen.set(n, p);
  const needed = deps.needed.filter((l) => !/^(api-ms-|ext-ms-)/i.test(l));
  return {
    platform,
    ortVersion,
    needed,
    found: new Map(needed.map((l) => [l, find(l)])),
    seen,
    driver: await driverInfo(find, platform),
  };
}
