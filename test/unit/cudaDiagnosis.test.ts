import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { diagnoseCuda, majorOf, type CudaFacts } from '../../src/gpu/cudaDiagnosis';
import { gatherCudaFacts, loaderDirs } from '../../src/gpu/systemLibraries';
import { fakeElf } from '../support/fakeElf';

const NEEDED = [
  'libcublasLt.so.12',
  'libcublas.so.12',
  'libcudnn.so.9',
  'libcudart.so.12',
  'libstdc++.so.6',
];

function facts(over: Partial<CudaFacts> & { foundLibs?: string[] }): CudaFacts {
  const found = new Map(
    NEEDED.map((l) => [l, over.foundLibs?.includes(l) ? `/usr/lib/${l}` : undefined]),
  );
  return {
    platform: 'linux',
    ortVersion: '1.30.0',
    needed: NEEDED,
    found,
    seen: new Map(),
    driver: { present: true, version: '580.159.03', cudaVersion: '13.0' },
    ...over,
  };
}

describe('diagnoseCuda', () => {
  it('reads major versions from library names', () => {
    assert.equal(majorOf('libcudnn.so.9'), 9);
    assert.equal(majorOf('libcudnn.so.9.1.0'), 9);
    assert.equal(majorOf('cudart64_12.dll'), 12);
    assert.equal(majorOf('libfoo.so'), undefined);
  });

  it('is ok when every library is found and the driver is new enough', () => {
    const d = diagnoseCuda(facts({ foundLibs: NEEDED }));
    assert.deepEqual(d, { ok: true, problems: [], cudaMajor: 12, cudnnMajor: 9 });
  });

  it('names a missing driver first, in plain words', () => {
    const d = diagnoseCuda(facts({ foundLibs: NEEDED, driver: { present: false } }));
    assert.equal(d.ok, false);
    assert.deepEqual(d.problems, [
      'No NVIDIA driver was found: install the NVIDIA driver for your GPU (without an NVIDIA GPU, CUDA cannot be used).',
    ]);
  });

  it('says when the driver is too old for the CUDA the provider needs', () => {
    const d = diagnoseCuda(
      facts({
        foundLibs: NEEDED,
        driver: { present: true, version: '470.1', cudaVersion: '11.4' },
      }),
    );
    assert.deepEqual(d.problems, [
      'The NVIDIA driver 470.1 supports CUDA up to 11.4, but onnxruntime-node 1.30.0 needs CUDA 12: update the driver.',
    ]);
  });

  it('tells CUDA 13 installed from CUDA 12 needed, and cuDNN missing', () => {
    const d = diagnoseCuda(
      facts({
        foundLibs: ['libstdc++.so.6'],
        seen: new Map([
          ['libcudart.so.13', '/usr/local/cuda-13.0/lib64/libcudart.so.13'],
          ['libcudart.so.13.0.96', '/usr/local/cuda-13.0/lib64/libcudart.so.13.0.96'],
          ['libcudart.so', '/usr/local/cuda-13.0/lib64/libcudart.so'],
          ['libcublas.so.13', '/usr/local/cuda-13.0/lib64/libcublas.so.13'],
        ]),
      }),
    );
    assert.equal(d.problems.length, 2);
    assert.equal(
      d.problems[0],
      'The CUDA 12 runtime libraries are missing (libcublasLt.so.12, libcublas.so.12, libcudart.so.12 not found): ' +
        'install the CUDA 12 toolkit or its runtime libraries. Other versions are installed ' +
        '(libcublas.so.13 (/usr/local/cuda-13.0/lib64/libcublas.so.13), libcudart.so.13 (/usr/local/cuda-13.0/lib64/libcudart.so.13)), ' +
        'but onnxruntime-node 1.30.0 was built for exactly the versions named above.',
    );
    assert.equal(
      d.problems[1],
      'cuDNN 9 is missing (libcudnn.so.9 not found): install cuDNN 9 for CUDA 12.',
    );
  });

  it('points at a library that is installed but not on the search path', () => {
    const d = diagnoseCuda(
      facts({
        foundLibs: NEEDED.filter((l) => l !== 'libcudnn.so.9'),
        seen: new Map([['libcudnn.so.9', '/opt/cudnn/lib/libcudnn.so.9']]),
      }),
    );
    assert.deepEqual(d.problems, [
      'cuDNN 9 is missing (libcudnn.so.9 not found): install cuDNN 9 for CUDA 12. libcudnn.so.9 is at ' +
        '/opt/cudnn/lib/libcudnn.so.9, which is not on the library search path: add its folder to LD_LIBRARY_PATH.',
    ]);
    const win = diagnoseCuda({
      ...facts({}),
      platform: 'win32',
      needed: ['cudart64_12.dll', 'cudnn64_9.dll', 'KERNEL32.dll'],
      found: new Map([
        ['cudart64_12.dll', 'C:\\cuda\\bin\\cudart64_12.dll'],
        ['cudnn64_9.dll', undefined],
        ['KERNEL32.dll', 'C:\\Windows\\System32\\KERNEL32.dll'],
      ]),
      seen: new Map([
        ['cudnn64_9.dll', 'C:\\Program Files\\NVIDIA\\CUDNN\\v9.1\\bin\\cudnn64_9.dll'],
      ]),
    });
    assert.equal(win.cudaMajor, 12);
    assert.match(
      win.problems[0] ?? '',
      /^cuDNN 9 is missing \(cudnn64_9\.dll not found\).*add its folder to PATH\.$/,
    );
  });
});

describe('gathering the facts on this machine', () => {
  it('follows RUNPATH $ORIGIN and LD_LIBRARY_PATH, and finds system libraries', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-facts-'));
    const extra = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-facts-lib-'));
    const saved = process.env.LD_LIBRARY_PATH;
    try {
      const lib = path.join(dir, 'libonnxruntime_providers_cuda.so');
      fs.writeFileSync(
        lib,
        fakeElf(
          ['libfakecudart.so.12', 'libfakecudnn.so.9', 'libc.so.6', 'libnotthere.so.3'],
          '$ORIGIN',
        ),
      );
      fs.writeFileSync(path.join(dir, 'libfakecudart.so.12'), fakeElf([]));
      fs.writeFileSync(path.join(extra, 'libfakecudnn.so.9'), fakeElf([]));
      process.env.LD_LIBRARY_PATH = extra;
      assert.deepEqual(loaderDirs(lib, ['$ORIGIN'], process.env, 'linux').slice(0, 2), [
        dir,
        extra,
      ]);
      const f = await gatherCudaFacts(lib, '1.30.0', 'linux');
      assert.equal(f.found.get('libfakecudart.so.12'), path.join(dir, 'libfakecudart.so.12'));
      assert.equal(f.found.get('libfakecudnn.so.9'), path.join(extra, 'libfakecudnn.so.9'));
      assert.ok(
        f.found.get('libc.so.6'),
        'libc is found in the system folders or the ldconfig cache',
      );
      assert.equal(f.found.get('libnotthere.so.3'), undefined);
      assert.equal(typeof f.driver.present, 'boolean');
      const d = diagnoseCuda(f);
      assert.ok(
        d.problems.some((p) =>
          p.startsWith('A system library is missing (libnotthere.so.3 not found)'),
        ),
        d.problems.join('\n'),
      );
    } finally {
      if (saved === undefined) delete process.env.LD_LIBRARY_PATH;
      else process.env.LD_LIBRARY_PATH = saved;
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(extra, { recursive: true, force: true });
    }
  });
});
