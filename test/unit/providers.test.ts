import assert from 'node:assert/strict';
import {
  defaultProviderOrder,
  explainProviderFailure,
  firstWorkingProvider,
  knownUnavailable,
  NoProviderError,
  PROVIDER_NAMES,
  systemCanLoad,
  type ProviderName,
} from '../../src/engine/providers';

// Messages as onnxruntime-node 1.2x/1.30 words them when a provider cannot start.
const CUDA_SHARED =
  'Failed to load library libonnxruntime_providers_shared.so with error: libonnxruntime_providers_shared.so: cannot open shared object file: No such file or directory\n    at InferenceSession.create';
const CUDNN =
  '/onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1778 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory';
const CUBLAS =
  'Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared object file: No such file or directory';
const WEBGPU = 'Failed to get a WebGPU adapter: No supported adapters';

/** A create() that fails for the given providers with the given messages and records calls. */
function fakeCreate(failures: Partial<Record<ProviderName, string>>): {
  create: (p: ProviderName) => Promise<string>;
  calls: ProviderName[];
} {
  const calls: ProviderName[] = [];
  return {
    calls,
    create: async (p) => {
      calls.push(p);
      const msg = failures[p];
      if (msg !== undefined) throw new Error(msg);
      return `session on ${p}`;
    },
  };
}

describe('firstWorkingProvider', () => {
  it('falls back to cpu with a plain-words reason for each failed provider', async () => {
    const { create, calls } = fakeCreate({ cuda: CUDA_SHARED, webgpu: WEBGPU });
    const res = await firstWorkingProvider(['cuda', 'webgpu', 'cpu'], create);
    assert.equal(res.provider, 'cpu');
    assert.equal(res.value, 'session on cpu');
    assert.deepEqual(calls, ['cuda', 'webgpu', 'cpu']);
    assert.deepEqual(
      res.attempts.map((a) => [a.provider, a.ok]),
      [
        ['cuda', false],
        ['webgpu', false],
        ['cpu', true],
      ],
    );
    assert.equal(
      res.attempts[0]?.reason,
      'the CUDA provider libraries for onnxruntime are not installed',
    );
    assert.match(res.attempts[1]?.reason ?? '', /no WebGPU adapter/);
    assert.equal(res.attempts[2]?.reason, undefined);
    for (const a of res.attempts) assert.ok(!a.reason?.includes('\n'), a.reason);
  });

  it('names the cuDNN library that is missing, and the CUDA runtime one', async () => {
    const { create } = fakeCreate({ cuda: CUDNN });
    const res = await firstWorkingProvider(['cuda', 'cpu'], create);
    assert.equal(res.provider, 'cpu');
    assert.equal(res.attempts[0]?.reason, 'cuDNN is missing or the wrong version (libcudnn.so.9)');
    assert.equal(
      explainProviderFailure('cuda', new Error(CUBLAS)),
      'the CUDA runtime is missing or the wrong version (libcublasLt.so.12)',
    );
  });

  it('stops at the first provider that works', async () => {
    const { create, calls } = fakeCreate({});
    const res = await firstWorkingProvider(['cuda', 'webgpu', 'cpu'], create);
    assert.equal(res.provider, 'cuda');
    assert.deepEqual(calls, ['cuda']);
    assert.deepEqual(res.attempts, [{ provider: 'cuda', ok: true }]);
  });

  it('throws NoProviderError listing every provider and why when none works', async () => {
    const { create } = fakeCreate({
      cuda: CUDNN,
      webgpu: WEBGPU,
      cpu: 'Load model from /m.onnx failed: Protobuf parsing failed.\nmore detail',
    });
    const err = await firstWorkingProvider(['cuda', 'webgpu', 'cpu'], create).then(
      () => assert.fail('expected NoProviderError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof NoProviderError, String(err));
    assert.deepEqual(
      err.attempts.map((a) => [a.provider, a.ok]),
      [
        ['cuda', false],
        ['webgpu', false],
        ['cpu', false],
      ],
    );
    assert.match(err.message, /no execution provider could load the model/);
    assert.match(err.message, /cuda \(cuDNN is missing or the wrong version \(libcudnn\.so\.9\)\)/);
    assert.match(err.message, /webgpu \(no WebGPU adapter/);
    // an unrecognised error keeps its first line only
    assert.match(
      err.message,
      /cpu \(Load model from \/m\.onnx failed: Protobuf parsing failed\.\)/,
    );
    assert.ok(!err.message.includes('more detail'));
  });

  it('throws NoProviderError for an empty order', async () => {
    await assert.rejects(
      firstWorkingProvider([], async () => 1),
      (e: unknown) => e instanceof NoProviderError && e.attempts.length === 0,
    );
  });

  it('explains non-Error throws and providers missing from the build', () => {
    assert.equal(explainProviderFailure('cpu', 'plain string\nsecond'), 'plain string');
    assert.match(
      explainProviderFailure('dml', new Error("Unknown provider name 'dml'")),
      /not available in this build/,
    );
    assert.equal(
      explainProviderFailure(
        'cuda',
        new Error('CUDA driver version is insufficient for CUDA runtime version'),
      ),
      'no NVIDIA driver, or one too old for this CUDA version',
    );
  });
});

describe('providers ruled out before onnxruntime tries them', () => {
  it('skips a provider the precheck rules out, with its reason, and tries the next', async () => {
    const { create, calls } = fakeCreate({ cuda: CUDA_SHARED });
    const res = await firstWorkingProvider(['cuda', 'webgpu', 'cpu'], create, (p) =>
      p === 'webgpu' ? 'no Vulkan loader' : undefined,
    );
    assert.equal(res.provider, 'cpu');
    assert.deepEqual(calls, ['cuda', 'cpu']);
    assert.deepEqual(res.attempts[1], {
      provider: 'webgpu',
      ok: false,
      reason: 'no Vulkan loader',
    });
  });

  it('rules out WebGPU on Linux without the Vulkan loader, and nothing else', () => {
    const asked: string[] = [];
    const missing = (lib: string): boolean => {
      asked.push(lib);
      return false;
    };
    assert.match(
      knownUnavailable('webgpu', 'linux', missing) ?? '',
      /no Vulkan loader \(libvulkan\.so\.1\)/,
    );
    assert.deepEqual(asked, ['libvulkan.so.1']);
    assert.equal(
      knownUnavailable('webgpu', 'linux', () => true),
      undefined,
    );
    for (const platform of ['win32', 'darwin'] as const) {
      assert.equal(knownUnavailable('webgpu', platform, missing), undefined);
    }
    for (const p of ['cuda', 'cpu', 'dml', 'coreml'] as const) {
      assert.equal(knownUnavailable(p, 'linux', missing), undefined);
    }
  });

  it('asks the system loader whether a library is there', function () {
    if (process.platform !== 'linux') this.skip();
    assert.equal(systemCanLoad('libc.so.6'), true); // loaded, though not a Node module
    assert.equal(systemCanLoad('libseggpt-no-such-library.so.1'), false);
  });
});

describe('defaultProviderOrder', () => {
  for (const [platform, first] of [
    ['linux', 'cuda'],
    ['win32', 'cuda'],
    ['darwin', 'coreml'],
  ] as const) {
    it(`on ${platform} starts with ${first} and ends with cpu`, () => {
      const order = defaultProviderOrder(platform);
      assert.equal(order[0], first);
      assert.equal(order[order.length - 1], 'cpu');
      assert.equal(new Set(order).size, order.length);
      for (const p of order) assert.ok(PROVIDER_NAMES.includes(p), p);
    });
  }

  it('offers DirectML only on Windows and CoreML only on macOS', () => {
    assert.ok(defaultProviderOrder('win32').includes('dml'));
    assert.ok(!defaultProviderOrder('linux').includes('dml'));
    assert.ok(!defaultProviderOrder('linux').includes('coreml'));
    assert.ok(!defaultProviderOrder('darwin').includes('cuda'));
  });

  it('defaults to the running platform', () => {
    assert.deepEqual(defaultProviderOrder(), defaultProviderOrder(process.platform));
  });
});
