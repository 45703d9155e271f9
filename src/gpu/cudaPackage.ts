/**
 * Facts about onnxruntime-node's CUDA provider libraries: they are not in its npm package;
 * its install script takes them from the NuGet package of the same version
 * (`Microsoft.ML.OnnxRuntime.Gpu.Linux`, path `runtimes/linux-x64/native/`), and onnxruntime
 * loads them from the folder of its own library, i.e. next to the Node binding.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where to get the provider libraries for one platform. */
export interface CudaPackage {
  /** NuGet package id. */
  readonly id: string;
  /** Files to take from the package (path inside it → file name next to the binding). */
  readonly files: readonly { readonly entry: string; readonly name: string }[];
}

// TensorRT's provider is in the package too; it needs TensorRT itself and is not used here.
const PACKAGES: Readonly<Record<string, CudaPackage>> = {
  'linux/x64': {
    id: 'Microsoft.ML.OnnxRuntime.Gpu.Linux',
    files: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'].map(
      (name) => ({
        entry: `runtimes/linux-x64/native/${name}`,
        name,
      }),
    ),
  },
  'win32/x64': {
    id: 'Microsoft.ML.OnnxRuntime.Gpu.Windows',
    files: ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll'].map((name) => ({
      entry: `runtimes/win-x64/native/${name}`,
      name,
    })),
  },
};

/** The package for a platform, or undefined where onnxruntime has no CUDA provider (macOS, Arm). */
export function cudaPackageFor(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): CudaPackage | undefined {
  return PACKAGES[`${platform}/${arch}`];
}

/** The folder of the installed onnxruntime-node package (the one `require` would load). */
export function onnxruntimePackageDir(): string {
  return path.dirname(require.resolve('onnxruntime-node/package.json'));
}

/** The version of an onnxruntime-node package (its provider libraries must match it exactly). */
export function onnxruntimeVersion(packageDir: string = onnxruntimePackageDir()): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version?: string;
  };
  if (!pkg.version) throw new Error(`${packageDir}/package.json has no version`);
  return pkg.version;
}

/**
 * The NuGet feed onnxruntime-node's own install script uses (from its shipped
 * `script/install-metadata.js`), or undefined when that file is not there.
 */
export function onnxruntimeNugetFeed(
  packageDir: string = onnxruntimePackageDir(),
): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const meta = require(path.join(packageDir, 'script', 'install-metadata.js')) as {
      feeds?: { nuget?: { index?: string } };
    };
    const index = meta.feeds?.nuget?.index;
    return typeof index === 'string' && /^https?:\/\//.test(index) ? index : undefined;
  } catch {
    return undefined;
  }
}

/** The folder holding the Node binding and onnxruntime's own library: providers go here. */
export function bindingDir(
  packageDir: string = onnxruntimePackageDir(),
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string {
  return path.join(packageDir, 'bin', 'napi-v6', platform, arch);
}

/** Where the extension keeps the provider libraries of one onnxruntime version. */
export function providerStoreDir(
  storageDir: string,
  version: string,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string {
  return path.join(storageDir, 'gpu', `onnxruntime-${version}-${platform}-${arch}`);
}
