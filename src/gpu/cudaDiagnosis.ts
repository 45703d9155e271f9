/**
 * Why CUDA cannot run, in plain words: from the libraries the CUDA provider needs, which of
 * them the loader finds, other CUDA/cuDNN versions present, and the driver. Pure: the facts are
 * gathered by systemLibraries.ts.
 */

/** The NVIDIA driver as seen on this machine. */
export interface DriverInfo {
  /** Whether the driver's user-space library (libcuda.so.1 / nvcuda.dll) is found. */
  readonly present: boolean;
  readonly version?: string;
  /** The newest CUDA version the driver supports (nvidia-smi's "CUDA Version"). */
  readonly cudaVersion?: string;
}

/** Everything the diagnosis looks at. */
export interface CudaFacts {
  readonly platform: NodeJS.Platform;
  /** onnxruntime-node's version, to say which CUDA it was built for. */
  readonly ortVersion: string;
  /** Libraries the CUDA provider library asks for. */
  readonly needed: readonly string[];
  /** Where the loader finds each needed library (undefined: not found). */
  readonly found: ReadonlyMap<string, string | undefined>;
  /** CUDA/cuDNN libraries seen anywhere (loader path or usual install folders): name → path. */
  readonly seen: ReadonlyMap<string, string>;
  readonly driver: DriverInfo;
}

/** The verdict. */
export interface CudaDiagnosis {
  /** True when nothing is missing (a load can still fail; see `explainLoadFailure`). */
  readonly ok: boolean;
  /** One sentence per problem. */
  readonly problems: readonly string[];
  /** CUDA major version the provider was built for (from its libcudart/libcublas names). */
  readonly cudaMajor?: number;
  readonly cudnnMajor?: number;
}

type Kind = 'driver' | 'cuda' | 'cudnn' | 'system';

const RUNTIME =
  /^(lib)?(cudart|cublasLt|cublas|cufft|curand|cusparse|cusolver|nvrtc|nvJitLink|cupti)/i;

function kindOf(lib: string): Kind {
  if (/^libcuda\.so|^nvcuda\.dll/i.test(lib)) return 'driver';
  if (/cudnn/i.test(lib)) return 'cudnn';
  if (RUNTIME.test(lib)) return 'cuda';
  return 'system';
}

/** The family of a library without its version: `libcudart.so.12` → `cudart`. */
function family(lib: string): string {
  return lib
    .replace(/^lib/i, '')
    .replace(/(64)?_\d+(\.dll)?$|\.so(\.\d+)*$|\.dll$/i, '')
    .toLowerCase();
}

/** The major version in a library name: `libcudnn.so.9` → 9, `cudart64_12.dll` → 12. */
export function majorOf(lib: string): number | undefined {
  const m = /\.so\.(\d+)|_(\d+)\.dll$/i.exec(lib);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** Turns the facts into problems a person can fix. */
export function diagnoseCuda(f: CudaFacts): CudaDiagnosis {
  const pathVar = f.platform === 'win32' ? 'PATH' : 'LD_LIBRARY_PATH';
  const missing = f.needed.filter((l) => !f.found.get(l));
  const byKind = (k: Kind): string[] => missing.filter((l) => kindOf(l) === k);
  const cudaLib = f.needed.find((l) => /cudart|cublas/i.test(l));
  const cudaMajor = cudaLib ? majorOf(cudaLib) : undefined;
  const cudnnLib = f.needed.find((l) => /cudnn/i.test(l));
  const cudnnMajor = cudnnLib ? majorOf(cudnnLib) : undefined;
  const problems: string[] = [];

  if (!f.driver.present) {
    problems.push(
      'No NVIDIA driver was found: install the NVIDIA driver for your GPU (without an NVIDIA GPU, CUDA cannot be used).',
    );
  } else if (
    cudaMajor !== undefined &&
    f.driver.cudaVersion &&
    Number.parseFloat(f.driver.cudaVersion) < cudaMajor
  ) {
    problems.push(
      `The NVIDIA driver${f.driver.version ? ` ${f.driver.version}` : ''} supports CUDA up to ${f.driver.cudaVersion}, ` +
        `but onnxruntime-node ${f.ortVersion} needs CUDA ${cudaMajor}: update the driver.`,
    );
  }
  const explain = (libs: string[], what: string, install: string, whatOne = what): void => {
    if (libs.length === 0) return;
    const subject = libs.length === 1 ? `${whatOne} is` : `${what} are`;
    let text = `${subject} missing (${libs.join(', ')} not found): ${install}.`;
    const offPath = libs.map((l) => [l, f.seen.get(l)] as const).filter(([, p]) => p);
    for (const [l, p] of offPath) {
      text += ` ${l} is at ${p}, which is not on the library search path: add its folder to ${pathVar}.`;
    }
    // Same library, another major version: the usual cause ("CUDA 13 installed, 12 needed").
    const others = new Set<string>();
    for (const l of libs) {
      for (const [name, p] of f.seen) {
        // Sonames only (libcudart.so.13, not .so.13.0.96 or the unversioned link).
        const major = /\.so\.\d+$|_\d+\.dll$/i.test(name) ? majorOf(name) : undefined;
        if (family(name) === family(l) && major !== undefined && major !== majorOf(l)) {
          others.add(`${name} (${p})`);
        }
      }
    }
    if (others.size > 0) {
      text += ` Other versions are installed (${[...others].join(', ')}), but onnxruntime-node ${f.ortVersion} was built for exactly the versions named above.`;
    }
    problems.push(text);
  };
  const cudaName = cudaMajor !== undefined ? `CUDA ${cudaMajor}` : 'CUDA';
  explain(
    byKind('cuda'),
    `The ${cudaName} runtime libraries`,
    `install the ${cudaName} toolkit or its runtime libraries`,
    `A ${cudaName} runtime library`,
  );
  explain(
    byKind('cudnn'),
    `cuDNN${cudnnMajor !== undefined ? ` ${cudnnMajor}` : ''}`,
    `install cuDNN${cudnnMajor !== undefined ? ` ${cudnnMajor}` : ''} for ${cudaName}`,
  );
  if (f.driver.present)
    explain(
      byKind('driver'),
      'The NVIDIA driver libraries',
      'install the NVIDIA driver',
      'The NVIDIA driver library',
    );
  explain(
    byKind('system'),
    'System libraries',
    'install them with your system package manager',
    'A system library',
  );
  return { ok: problems.length === 0, problems, cudaMajor, cudnnMajor };
}
