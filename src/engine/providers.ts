/** Execution providers: which to try on each platform, and trying them in order with reasons. */
import * as os from 'node:os';

/** Execution providers the engine knows how to ask onnxruntime-node for. */
export type ProviderName = 'cuda' | 'webgpu' | 'dml' | 'coreml' | 'cpu';

/** All provider names, for settings and CLI validation. */
export const PROVIDER_NAMES: readonly ProviderName[] = ['cuda', 'webgpu', 'dml', 'coreml', 'cpu'];

/** The automatic order: the fastest provider that can work on this platform first, CPU last. */
export function defaultProviderOrder(platform: NodeJS.Platform = process.platform): ProviderName[] {
  switch (platform) {
    case 'win32':
      return ['cuda', 'dml', 'webgpu', 'cpu'];
    case 'darwin':
      return ['coreml', 'webgpu', 'cpu'];
    default:
      return ['cuda', 'webgpu', 'cpu'];
  }
}

/** One provider tried: whether it worked and, if not, why (the error's first line). */
export interface ProviderAttempt {
  readonly provider: ProviderName;
  readonly ok: boolean;
  readonly reason?: string;
  /** onnxruntime's own words (first line), when `reason` rephrases them. */
  readonly detail?: string;
}

/** Raised when no provider in the list could create a session. */
export class NoProviderError extends Error {
  override readonly name = 'NoProviderError';
  constructor(readonly attempts: readonly ProviderAttempt[]) {
    super(
      `no execution provider could load the model: ${attempts
        .map((a) => `${a.provider} (${a.reason ?? 'failed'})`)
        .join('; ')}`,
    );
  }
}

/** First line of an error message, trimmed, for a one-line reason. */
export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n').find((l) => l.trim()) ?? msg).trim().slice(0, 300);
}

/**
 * Why `provider` cannot work on this system, when that is known without asking onnxruntime, or
 * undefined. On Linux the WebGPU provider (Dawn) runs on Vulkan: without the Vulkan loader it
 * fails anyway, after printing a native warning to stderr that no one can silence, so it is not
 * tried. `canLoad` asks the system's dynamic loader (injected for tests).
 */
export function knownUnavailable(
  provider: ProviderName,
  platform: NodeJS.Platform = process.platform,
  canLoad: (library: string) => boolean = systemCanLoad,
): string | undefined {
  if (provider === 'webgpu' && platform === 'linux' && !canLoad('libvulkan.so.1')) {
    return 'no Vulkan loader (libvulkan.so.1): WebGPU needs a GPU driver with Vulkan support';
  }
  return undefined;
}

/** Whether the dynamic loader finds `library` (by the system's search rules). */
export function systemCanLoad(library: string): boolean {
  try {
    // RTLD_LAZY: only the library's presence matters (no dlopen flags on Windows).
    process.dlopen({ exports: {} }, library, os.constants.dlopen?.RTLD_LAZY);
    return true;
  } catch (err) {
    // Found and loaded, but not a Node module ("did not self-register"): it is there.
    return !/cannot open shared object|no such file|image not found/i.test(firstLine(err));
  }
}

/**
 * Tries `create` with each provider in order and returns the first that works, with the
 * reasons the earlier ones failed. Providers `precheck` rules out (it returns why) are not
 * tried. `create` is injected so the logic is testable without GPUs.
 */
export async function firstWorkingProvider<T>(
  order: readonly ProviderName[],
  create: (provider: ProviderName) => Promise<T>,
  precheck: (provider: ProviderName) => string | undefined = () => undefined,
): Promise<{ value: T; provider: ProviderName; attempts: ProviderAttempt[] }> {
  const attempts: ProviderAttempt[] = [];
  for (const provider of order) {
    const known = precheck(provider);
    if (known !== undefined) {
      attempts.push({ provider, ok: false, reason: known });
      continue;
    }
    try {
      const value = await create(provider);
      attempts.push({ provider, ok: true });
      return { value, provider, attempts };
    } catch (err) {
      const reason = explainProviderFailure(provider, err);
      const detail = firstLine(err);
      attempts.push({ provider, ok: false, reason, ...(detail !== reason ? { detail } : {}) });
    }
  }
  throw new NoProviderError(attempts);
}

/** A plain-words reason for a provider that failed to load, from onnxruntime's error. */
export function explainProviderFailure(provider: ProviderName, err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  // onnxruntime names its own provider library first ("Failed to load library
  // libonnxruntime_providers_cuda.so with error: libcudnn.so.9: ..."): name the one that is missing.
  const libs = [...msg.matchAll(/(lib[\w.+-]+\.so[\w.]*|[\w.-]+\.dll|[\w.-]+\.dylib)/g)].map(
    (m) => m[1] as string,
  );
  const lib = (re: RegExp): string => {
    const found = libs.find((l) => re.test(l));
    return found ? ` (${found})` : '';
  };
  if (provider === 'cuda') {
    if (/cudnn/i.test(msg)) return `cuDNN is missing or the wrong version${lib(/cudnn/i)}`;
    const runtime = /cudart|cublas|cufft|curand/i;
    if (runtime.test(msg)) {
      return `the CUDA runtime is missing or the wrong version${lib(runtime)}`;
    }
    if (/driver/i.test(msg)) return 'no NVIDIA driver, or one too old for this CUDA version';
    if (
      /invalid ELF header|file too short|wrong ELF class|not a valid Win32 application/i.test(msg)
    ) {
      return `a CUDA provider library is damaged or built for another system${lib(/providers/)}`;
    }
    if (/undefined symbol|procedure could not be found|entry point/i.test(msg)) {
      return 'the CUDA provider libraries do not match this version of onnxruntime-node';
    }
    if (/providers_shared|providers_cuda|Failed to load shared library/i.test(msg)) {
      return 'the CUDA provider libraries for onnxruntime are not installed';
    }
  }
  if (provider === 'webgpu' && /adapter|vulkan|d3d12|metal/i.test(msg)) {
    return 'no WebGPU adapter: no GPU driver with Vulkan, D3D12 or Metal was found';
  }
  if (/not (supported|available)|unknown provider|not built|backend not found/i.test(msg)) {
    return `not available in this build of onnxruntime-node on ${process.platform}`;
  }
  return firstLine(err);
}
