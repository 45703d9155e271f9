import AdmZip from 'adm-zip';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DownloadError } from '../../src/engine/download/downloadError';
import {
  bindingDir,
  cudaPackageFor,
  onnxruntimeNugetFeed,
  onnxruntimeVersion,
  providerStoreDir,
} from '../../src/gpu/cudaPackage';
import { setUpCuda } from '../../src/gpu/gpuSetup';
import { installCudaProviders, installedProviders } from '../../src/gpu/installCudaProviders';
import { NativeFormatError, readNativeDeps } from '../../src/gpu/nativeDeps';
import { resolveNupkgUrl } from '../../src/gpu/nugetFeed';
import { libraryLoadErrors } from '../../src/gpu/ortLog';
import { placeProviderLibraries } from '../../src/gpu/placeProviderLibraries';
import { crc32, extractEntry, listZip, ZipError } from '../../src/gpu/zipReader';
import { probeInChild } from '../../src/models/modelTasks';
import { fakeElf } from '../support/fakeElf';
import { buildNupkg, startFakeNuget, type FakeNuget } from '../support/fakeNuget';
import { copyOnnxruntimeNode } from '../support/ortCopy';

const TASK_SCRIPT = path.join(__dirname, '..', '..', 'src', 'models', 'modelTaskMain.js');
const LINUX_ID = 'Microsoft.ML.OnnxRuntime.Gpu.Linux';
const NATIVE = 'runtimes/linux-x64/native';

/** What a real Linux GPU package holds, with fake libraries (the CUDA one needs CUDA 12 and cuDNN 9). */
function linuxPackageFiles(): Record<string, Buffer> {
  return {
    [`${NATIVE}/libonnxruntime_providers_shared.so`]: fakeElf(['libc.so.6']),
    [`${NATIVE}/libonnxruntime_providers_cuda.so`]: fakeElf(
      [
        'libcublasLt.so.12',
        'libcublas.so.12',
        'libcudnn.so.9',
        'libcudart.so.12',
        'libcufft.so.11',
        'libc.so.6',
      ],
      '$ORIGIN',
    ),
    [`${NATIVE}/libonnxruntime_providers_tensorrt.so`]: Buffer.alloc(5000, 3),
    [`${NATIVE}/libonnxruntime.so`]: Buffer.alloc(9000, 4),
  };
}

describe('reading what a native library needs', () => {
  const ort = path.dirname(require.resolve('onnxruntime-node/package.json'));
  it('reads DT_NEEDED and RUNPATH of the real Linux binding', () => {
    const deps = readNativeDeps(path.join(ort, 'bin/napi-v6/linux/x64/onnxruntime_binding.node'));
    assert.equal(deps.format, 'elf');
    assert.ok(deps.needed.includes('libonnxruntime.so.1'), deps.needed.join());
    assert.ok(
      deps.runpath.some((r) => r.startsWith('$ORIGIN')),
      deps.runpath.join(),
    );
  });
  it('reads the imports of the real Windows binding and of onnxruntime.dll', () => {
    const binding = readNativeDeps(
      path.join(ort, 'bin/napi-v6/win32/x64/onnxruntime_binding.node'),
    );
    assert.equal(binding.format, 'pe');
    assert.ok(binding.needed.includes('onnxruntime.dll'), binding.needed.join());
    const dll = readNativeDeps(path.join(ort, 'bin/napi-v6/win32/x64/onnxruntime.dll'));
    assert.ok(dll.needed.includes('DirectML.dll'), dll.needed.join());
  });
  it('round-trips a made-up library and refuses files that are not libraries', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-elf-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'a.so'),
        fakeElf(['libcudnn.so.9', 'libc.so.6'], '$ORIGIN:/opt/x'),
      );
      assert.deepEqual(readNativeDeps(path.join(dir, 'a.so')), {
        format: 'elf',
        needed: ['libcudnn.so.9', 'libc.so.6'],
        runpath: ['$ORIGIN', '/opt/x'],
      });
      fs.writeFileSync(path.join(dir, 'b.so'), 'garbage');
      assert.throws(() => readNativeDeps(path.join(dir, 'b.so')), NativeFormatError);
      fs.writeFileSync(path.join(dir, 'c.so'), fakeElf(['x']).subarray(0, 100));
      assert.throws(() => readNativeDeps(path.join(dir, 'c.so')), /truncated or damaged/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reading a zip without loading it whole', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-zip-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('computes the zip CRC-32', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });

  it('lists entries and extracts deflated and stored ones byte for byte', async () => {
    const big = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 13));
    const noise = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24));
    const zip = new AdmZip();
    zip.addFile('a/big.bin', big);
    zip.addFile('b/noise.bin', noise);
    zip.getEntry('b/noise.bin')!.header.method = 0;
    const file = path.join(dir, 'p.zip');
    zip.writeZip(file);
    const entries = listZip(file);
    assert.deepEqual(entries.map((e) => e.name).sort(), ['a/big.bin', 'b/noise.bin']);
    const bigEntry = entries.find((e) => e.name === 'a/big.bin')!;
    assert.equal(bigEntry.method, 8);
    assert.ok(bigEntry.compressedSize < big.length / 10);
    await extractEntry(file, bigEntry, path.join(dir, 'big.out'));
    await extractEntry(
      file,
      entries.find((e) => e.name === 'b/noise.bin')!,
      path.join(dir, 'noise.out'),
    );
    assert.deepEqual(fs.readFileSync(path.join(dir, 'big.out')), big);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'noise.out')), noise);
  });

  it('rejects a damaged entry without leaving a file, and a file that is not a zip', async () => {
    const zip = new AdmZip();
    zip.addFile('x.bin', Buffer.from(Array.from({ length: 50_000 }, (_, i) => i % 251)));
    const file = path.join(dir, 'p.zip');
    const bytes = zip.toBuffer();
    const entry = (() => {
      fs.writeFileSync(file, bytes);
      return listZip(file)[0]!;
    })();
    // Flip bytes in the middle of the compressed data.
    const start = entry.localHeaderOffset + 30 + 'x.bin'.length + 20;
    for (let i = 0; i < 8; i++) bytes[start + i] = (bytes[start + i] as number) ^ 0x5a;
    fs.writeFileSync(file, bytes);
    await assert.rejects(
      extractEntry(file, entry, path.join(dir, 'x.out')),
      (e: unknown) => e instanceof ZipError && /damaged/.test(e.message),
    );
    assert.deepEqual(fs.readdirSync(dir), ['p.zip']);
    fs.writeFileSync(path.join(dir, 'n.zip'), 'not a zip at all');
    assert.throws(() => listZip(path.join(dir, 'n.zip')), /is not a zip file/);
  });
});

describe('fetching the CUDA provider libraries from a NuGet feed', () => {
  let feed: FakeNuget;
  let storage: string;
  const version = '1.30.0';

  beforeEach(async () => {
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-gpu-storage-'));
  });
  afterEach(async () => {
    await feed?.close();
    fs.rmSync(storage, { recursive: true, force: true });
  });

  it('knows the package onnxruntime-node uses, and its feed', () => {
    assert.equal(cudaPackageFor('linux', 'x64')?.id, LINUX_ID);
    assert.equal(cudaPackageFor('win32', 'x64')?.id, 'Microsoft.ML.OnnxRuntime.Gpu.Windows');
    assert.equal(cudaPackageFor('darwin', 'arm64'), undefined);
    assert.equal(cudaPackageFor('linux', 'arm64'), undefined);
    assert.match(onnxruntimeNugetFeed() ?? '', /^https:\/\/.+\/index\.json$/);
    assert.equal(onnxruntimeVersion(), '1.30.0');
  });

  it('resolves the package URL through the service index and the flat container', async () => {
    feed = await startFakeNuget(LINUX_ID, ['1.29.0', '1.30.0'], {});
    const url = await resolveNupkgUrl(feed.indexUrl, LINUX_ID, '1.30.0');
    assert.match(
      url,
      /\/v3-flatcontainer\/microsoft\.ml\.onnxruntime\.gpu\.linux\/1\.30\.0\/microsoft\.ml\.onnxruntime\.gpu\.linux\.1\.30\.0\.nupkg$/,
    );
    await assert.rejects(
      resolveNupkgUrl(feed.indexUrl, LINUX_ID, '1.31.0'),
      /the feed has no Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux 1\.31\.0, which this onnxruntime-node needs \(it has 1\.29\.0, 1\.30\.0\)/,
    );
    await assert.rejects(
      resolveNupkgUrl(feed.indexUrl, 'Other.Package', '1.0.0'),
      /the feed .* has no package Other\.Package/,
    );
    await assert.rejects(
      resolveNupkgUrl(feed.indexUrl.replace('/v3/index.json', '/nothing.json'), LINUX_ID, '1.30.0'),
      /HTTP 404/,
    );
  });

  it('unpacks only the CUDA and shared provider libraries into storage', async () => {
    const files = linuxPackageFiles();
    feed = await startFakeNuget(LINUX_ID, [version], {
      [version]: buildNupkg(LINUX_ID, version, files),
    });
    const phases: string[] = [];
    const installed = await installCudaProviders({
      storageDir: storage,
      feedIndexUrl: feed.indexUrl,
      version,
      platform: 'linux',
      arch: 'x64',
      onProgress: (p) => phases.push(p.phase),
    });
    const dir = providerStoreDir(storage, version, 'linux', 'x64');
    assert.equal(installed.dir, dir);
    assert.deepEqual([...installed.files].sort(), [
      'libonnxruntime_providers_cuda.so',
      'libonnxruntime_providers_shared.so',
    ]);
    for (const f of installed.files)
      assert.deepEqual(fs.readFileSync(path.join(dir, f)), files[`${NATIVE}/${f}`]);
    assert.deepEqual(fs.readdirSync(dir).sort(), [
      'installed.json',
      'libonnxruntime_providers_cuda.so',
      'libonnxruntime_providers_shared.so',
    ]);
    assert.deepEqual(
      fs.readdirSync(path.join(storage, 'gpu', 'downloads')),
      [],
      'the package is deleted once unpacked',
    );
    assert.ok(phases.includes('downloading') && phases.includes('extracting'));
    assert.deepEqual(installedProviders(storage, version, 'linux', 'x64'), installed);
    assert.equal(installedProviders(storage, '1.29.0', 'linux', 'x64'), undefined);
  });

  it('reports a damaged package and a package without the libraries, keeping nothing', async () => {
    const bytes = buildNupkg(LINUX_ID, version, linuxPackageFiles());
    // Damage the compressed data of the CUDA library.
    const probe = path.join(storage, 'probe.zip');
    fs.writeFileSync(probe, bytes);
    const cuda = listZip(probe).find((e) => e.name.endsWith('providers_cuda.so'))!;
    const dataAt = cuda.localHeaderOffset + 30 + cuda.name.length;
    for (let i = 4; i < 12; i++) bytes[dataAt + i] = (bytes[dataAt + i] as number) ^ 0xa5;
    fs.rmSync(probe);
    feed = await startFakeNuget(LINUX_ID, [version], { [version]: bytes });
    const opts = {
      storageDir: storage,
      feedIndexUrl: feed.indexUrl,
      version,
      platform: 'linux' as const,
      arch: 'x64',
    };
    await assert.rejects(installCudaProviders(opts), /damaged|broken/);
    assert.equal(installedProviders(storage, version, 'linux', 'x64'), undefined);
    assert.deepEqual(fs.readdirSync(path.join(storage, 'gpu', 'downloads')), []);
    await feed.close();
    feed = await startFakeNuget(LINUX_ID, [version], {
      [version]: buildNupkg(LINUX_ID, version, { 'lib/readme.txt': Buffer.from('x') }),
    });
    await assert.rejects(
      installCudaProviders({ ...opts, feedIndexUrl: feed.indexUrl }),
      (e: unknown) =>
        e instanceof DownloadError &&
        /has no runtimes\/linux-x64\/native\/libonnxruntime_providers_shared\.so/.test(e.message),
    );
    await assert.rejects(
      installCudaProviders({ ...opts, platform: 'darwin', arch: 'arm64' }),
      /no CUDA provider for darwin\/arm64/,
    );
  });

  it('hard-links the libraries next to the binding, once, and says when it cannot', async () => {
    feed = await startFakeNuget(LINUX_ID, [version], {
      [version]: buildNupkg(LINUX_ID, version, linuxPackageFiles()),
    });
    const installed = await installCudaProviders({
      storageDir: storage,
      feedIndexUrl: feed.indexUrl,
      version,
      platform: 'linux',
      arch: 'x64',
    });
    const target = path.join(storage, 'fake-binding');
    fs.mkdirSync(target);
    const first = await placeProviderLibraries(installed, target);
    assert.deepEqual(first, { placed: true, how: 'link', targetDir: target });
    for (const f of installed.files) {
      assert.equal(
        fs.statSync(path.join(target, f)).ino,
        fs.statSync(path.join(installed.dir, f)).ino,
      );
    }
    assert.equal((await placeProviderLibraries(installed, target)).how, 'present');
    const missing = await placeProviderLibraries(
      installed,
      path.join(storage, 'no', 'such', 'dir'),
    );
    assert.equal(missing.placed, false);
    assert.match(
      missing.reason ?? '',
      /cannot write into .*no\/such\/dir .*copy libonnxruntime_providers_shared\.so and libonnxruntime_providers_cuda\.so from .* there/,
    );
  });
});

describe('onnxruntime log lines', () => {
  it('keeps the load and symbol errors, without colours', () => {
    const log =
      '\u001b[1;31m2026-11-26 [E:onnxruntime:onnxruntime-node, provider_bridge_ort.cc:2146 Create] ... FAIL : Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory\n\u001b[m' +
      'other line\n... FAIL : Failed to get symbol Provider_SetHost with error: /x/a.so: undefined symbol: Provider_SetHost\n';
    assert.deepEqual(libraryLoadErrors(log), [
      'Failed to load library /x/libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory',
      'Failed to get symbol Provider_SetHost with error: /x/a.so: undefined symbol: Provider_SetHost',
    ]);
  });
});

describe('setting up CUDA against a real onnxruntime-node copy', function () {
  this.timeout(120_000);
  if (process.platform !== 'linux' || process.arch !== 'x64') return;
  let copy: { packageDir: string; root: string };
  let storage: string;
  let feed: FakeNuget;
  before(() => {
    copy = copyOnnxruntimeNode();
  });
  after(() => fs.rmSync(copy.root, { recursive: true, force: true }));
  beforeEach(() => {
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-gpu-storage-'));
  });
  afterEach(async () => {
    await feed?.close();
    fs.rmSync(storage, { recursive: true, force: true });
  });

  it('places the libraries where onnxruntime loads them from and explains why CUDA still cannot run', async function () {
    // On a machine with CUDA 12 or cuDNN 9 installed the expected problems differ.
    const dirs = [
      '/usr/lib/x86_64-linux-gnu',
      '/usr/local/cuda/lib64',
      ...(process.env.LD_LIBRARY_PATH ?? '').split(':'),
    ];
    if (
      dirs.some(
        (d) =>
          d && ['libcudart.so.12', 'libcudnn.so.9'].some((l) => fs.existsSync(path.join(d, l))),
      )
    )
      this.skip();
    const version = onnxruntimeVersion(copy.packageDir);
    feed = await startFakeNuget(LINUX_ID, [version], {
      [version]: buildNupkg(LINUX_ID, version, linuxPackageFiles()),
    });
    const work = path.join(storage, 'probe');
    const result = await setUpCuda({
      storageDir: storage,
      feedIndexUrl: feed.indexUrl,
      packageDir: copy.packageDir,
      probe: (providers) => probeInChild(TASK_SCRIPT, providers, work, 'fp16', copy.packageDir),
    });
    const target = bindingDir(copy.packageDir);
    assert.ok(result.place.placed, result.place.reason);
    assert.ok(fs.existsSync(path.join(target, 'libonnxruntime_providers_cuda.so')));
    assert.equal(result.ok, false);
    // onnxruntime itself opened the placed file (it names it) and found it is not its provider.
    assert.match(
      result.probe?.detail ?? '',
      new RegExp(
        `${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/libonnxruntime_providers_shared\\.so: undefined symbol`,
      ),
    );
    assert.equal(
      result.probe?.reason,
      'the CUDA provider libraries do not match this version of onnxruntime-node',
    );
    // The diagnosis reads the provider's needs: CUDA 12 runtime and cuDNN 9 are not on this machine.
    assert.equal(result.diagnosis?.cudaMajor, 12);
    assert.equal(result.diagnosis?.cudnnMajor, 9);
    const text = result.problems.join('\n');
    assert.match(
      text,
      /The CUDA 12 runtime libraries are missing \(libcublasLt\.so\.12, libcublas\.so\.12, libcudart\.so\.12, libcufft\.so\.11 not found\): install the CUDA 12 toolkit/,
    );
    assert.match(
      text,
      /cuDNN 9 is missing \(libcudnn\.so\.9 not found\): install cuDNN 9 for CUDA 12/,
    );
    assert.doesNotMatch(text, /libc\.so\.6/);
    // A second run reuses the stored libraries: nothing is downloaded again.
    const before = feed.requests.length;
    const again = await setUpCuda({
      storageDir: storage,
      feedIndexUrl: feed.indexUrl,
      packageDir: copy.packageDir,
      probe: async () => [{ provider: 'cuda', ok: true, ms: 1 }],
    });
    assert.equal(feed.requests.length, before);
    assert.equal(again.ok, true);
    assert.equal(again.place.how, 'present');
  });
});
