import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DownloadError } from '../../src/engine/download/downloadError';
import {
  downloadFile,
  partPaths,
  type DownloadTarget,
} from '../../src/engine/download/downloadFile';
import {
  hubFileUrl,
  listHubFiles,
  requireHubFile,
  type HubRepo,
} from '../../src/engine/download/hubListing';
import type { TransferProgress } from '../../src/engine/download/progressMeter';
import { sha256Hex, startLocalHub, type HubFileSpec, type LocalHub } from '../support/localHub';
import { tinyHubFiles } from '../support/tinySafetensors';

const REPO = 'BAAI/seggpt-vit-large';

describe('downloadFile against a local hub', function () {
  let weights: Buffer;
  let config: Buffer;
  let hub: LocalHub;
  let dir: string;

  before(async () => {
    ({ weights, config } = await tinyHubFiles());
    assert.ok(weights.length > 200_000, `tiny weights are ${weights.length} bytes`);
  });

  async function start(overrides: Partial<HubFileSpec> = {}): Promise<HubRepo> {
    hub = await startLocalHub(REPO, {
      'model.safetensors': { data: weights, lfs: true, ...overrides },
      'config.json': { data: config },
    });
    return { baseUrl: hub.baseUrl, repo: REPO };
  }

  /** The listing's entry for the weights, as a download target into `dir`. */
  async function weightsTarget(repo: HubRepo): Promise<DownloadTarget> {
    const f = requireHubFile(await listHubFiles(repo), 'model.safetensors', repo);
    return {
      url: hubFileUrl(repo, f.path),
      dest: path.join(dir, 'model.safetensors'),
      size: f.size,
      digest: { sha256: f.sha256, gitBlobSha1: f.gitBlobSha1 },
    };
  }

  const contentRequests = (): { path: string; range?: string }[] =>
    hub.requests.filter((r) => r.path.startsWith('/cdn/'));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-dl-'));
  });
  afterEach(async () => {
    await hub?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists files with sizes, the SHA-256 of LFS files and the git id of small ones', async () => {
    const repo = await start();
    const files = await listHubFiles(repo);
    const w = requireHubFile(files, 'model.safetensors', repo);
    const c = requireHubFile(files, 'config.json', repo);
    assert.equal(w.size, weights.length);
    assert.equal(w.sha256, sha256Hex(weights));
    assert.equal(w.gitBlobSha1, undefined);
    assert.equal(c.size, config.length);
    assert.equal(c.sha256, undefined);
    assert.match(c.gitBlobSha1 ?? '', /^[0-9a-f]{40}$/);
    assert.throws(
      () => requireHubFile(files, 'pytorch_model.bin', repo),
      /has no pytorch_model\.bin \(it lists: model\.safetensors, config\.json\)/,
    );
  });

  it('downloads a file through the redirect, checks its SHA-256 and leaves no partial files', async () => {
    const repo = await start();
    const target = await weightsTarget(repo);
    const seen: TransferProgress[] = [];
    const res = await downloadFile(target, { onProgress: (p) => seen.push(p) });
    assert.deepEqual(fs.readFileSync(target.dest), weights);
    assert.equal(res.sha256, sha256Hex(weights));
    assert.equal(res.resumedFrom, 0);
    const { part, sidecar } = partPaths(target.dest);
    assert.ok(!fs.existsSync(part) && !fs.existsSync(sidecar));
    const downloading = seen.filter((p) => p.phase === 'downloading');
    assert.equal(downloading.at(-1)?.received, weights.length);
    assert.equal(downloading.at(-1)?.total, weights.length);
    assert.ok(
      seen.some((p) => p.phase === 'verifying'),
      'a verifying phase is reported',
    );
    assert.equal(contentRequests().length, 1);
    assert.equal(contentRequests()[0]?.range, undefined);
  });

  it('checks a small file against its git blob id', async () => {
    const repo = await start();
    const f = requireHubFile(await listHubFiles(repo), 'config.json', repo);
    const dest = path.join(dir, 'config.json');
    await downloadFile({
      url: hubFileUrl(repo, f.path),
      dest,
      size: f.size,
      digest: { gitBlobSha1: f.gitBlobSha1 },
    });
    assert.deepEqual(fs.readFileSync(dest), config);
    await assert.rejects(
      downloadFile({
        url: hubFileUrl(repo, f.path),
        dest: path.join(dir, 'c2.json'),
        size: f.size,
        digest: { gitBlobSha1: '0'.repeat(40) },
      }),
      (e: unknown) =>
        e instanceof DownloadError && e.kind === 'integrity' && /git blob id/.test(e.message),
    );
  });

  it('resumes with a Range request when the connection is cut mid-file', async () => {
    const repo = await start();
    const target = await weightsTarget(repo);
    hub.faults.push({ cutAfter: 100_000 });
    const res = await downloadFile(target, { retryDelayMs: 1 });
    assert.deepEqual(fs.readFileSync(target.dest), weights);
    const reqs = contentRequests();
    assert.equal(reqs.length, 2);
    assert.equal(reqs[0]?.range, undefined);
    const from = Number(/^bytes=(\d+)-$/.exec(reqs[1]?.range ?? '')?.[1]);
    assert.ok(from > 0 && from <= 100_000, `resumed from ${reqs[1]?.range}`);
    assert.equal(res.resumedFrom, 0);
  });

  it('resumes a download interrupted in an earlier run from the .part file', async () => {
    const repo = await start();
    const target = await weightsTarget(repo);
    hub.faults.push({ cutAfter: 150_000 });
    const first = await downloadFile(target, { retries: 0 }).then(
      () => assert.fail('the cut download should fail'),
      (e: unknown) => e,
    );
    assert.ok(first instanceof DownloadError && first.kind === 'network', String(first));
    assert.match(first.message, /cut off/);
    const { part } = partPaths(target.dest);
    assert.ok(!fs.existsSync(target.dest), 'no complete-looking file after a failure');
    const kept = fs.statSync(part).size;
    assert.ok(kept > 0 && kept <= 150_000, `kept ${kept}`);
    const res = await downloadFile(target);
    assert.equal(res.resumedFrom, kept);
    assert.equal(contentRequests().at(-1)?.range, `bytes=${kept}-`);
    assert.deepEqual(fs.readFileSync(target.dest), weights);
  });

  it('starts over when the server ignores the Range header', async () => {
    const repo = await start();
    const target = await weightsTarget(repo);
    hub.faults.push({ cutAfter: 50_000 }, { ignoreRange: true });
    await downloadFile(target, { retryDelayMs: 1 });
    assert.ok(contentRequests()[1]?.range?.startsWith('bytes='));
    assert.deepEqual(fs.readFileSync(target.dest), weights);
  });

  it('retries after a stalled connection', async () => {
    const repo = await start();
    const target = await weightsTarget(repo);
    hub.faults.push({ stallAfter: 40_000 });
    await downloadFile(target, { retryDelayMs: 1, stallMs: 1000 });
    assert.equal(contentRequests().length, 2);
    assert.deepEqual(fs.readFileSync(target.dest), weights);
  });

  it('rejects a file whose SHA-256 differs from the published one and deletes it', async () => {
    const repo = await start({ listedSha256: 'ab'.repeat(32) });
    const target = await weightsTarget(repo);
    const err = await downloadFile(target).then(
      () => assert.fail('expected a hash error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DownloadError && err.kind === 'integrity', String(err));
    assert.match(
      err.message,
      /model\.safetensors .* is not the published file \(SHA-256 [0-9a-f]{64}, expected (ab){32}\); it was deleted/,
    );
    const { part, sidecar } = partPaths(target.dest);
    for (const f of [target.dest, part, sidecar])
      assert.ok(!fs.existsSync(f), `${f} should not exist`);
  });

  it('rejects a server whose file size differs from the listing before downloading it', async () => {
    const repo = await start({ listedSize: weights.length + 10 });
    const target = await weightsTarget(repo);
    await assert.rejects(
      downloadFile(target),
      (e: unknown) =>
        e instanceof DownloadError && e.kind === 'integrity' && /the listing says/.test(e.message),
    );
    assert.ok(!fs.existsSync(target.dest));
  });

  it('reports a 404 clearly, with the URL', async () => {
    const repo = await start();
    const url = hubFileUrl(repo, 'missing.bin');
    const err = await downloadFile({ url, dest: path.join(dir, 'missing.bin') }).then(
      () => assert.fail('expected 404'),
      (e: unknown) => e,
    );
    assert.ok(
      err instanceof DownloadError && err.kind === 'http' && err.status === 404,
      String(err),
    );
    assert.match(
      err.message,
      /not found on the server \(HTTP 404\): http:\/\/127\.0\.0\.1:\d+\/cdn\/missing\.bin/,
    );
    assert.ok(!fs.existsSync(path.join(dir, 'missing.bin')));
    const listing = await listHubFiles({ ...repo, repo: 'nobody/nothing' }).then(
      () => assert.fail('expected 404'),
      (e: unknown) => e,
    );
    assert.match(String(listing), /HTTP 404.*api\/models\/nobody\/nothing\/tree\/main/);
  });

  it('retries a server error and then succeeds', async () => {
    const repo = await start();
    const target = await weightsTarget(repo);
    hub.faults.push({ status: 503 });
    await downloadFile(target, { retryDelayMs: 1 });
    assert.equal(contentRequests().length, 2);
    assert.deepEqual(fs.readFileSync(target.dest), weights);
  });

  it('reports a refused connection at once, without retrying', async () => {
    hub = await startLocalHub(REPO, {});
    const port = await freePort();
    const err = await downloadFile(
      { url: `http://127.0.0.1:${port}/x`, dest: path.join(dir, 'x') },
      // A retry would wait an hour and time the test out.
      { retries: 5, retryDelayMs: 3_600_000 },
    ).then(
      () => assert.fail('expected a refused connection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DownloadError && err.kind === 'network', String(err));
    assert.equal(
      err.message,
      `could not connect to 127.0.0.1:${port}: the connection was refused (is the address right, and the server up?)`,
    );
    await assert.rejects(
      listHubFiles({ baseUrl: `http://127.0.0.1:${port}`, repo: REPO }),
      /connection was refused/,
    );
  });

  it('cancels mid-download without leaving a complete-looking file, and resumes later', async () => {
    const repo = await start();
    const target = await weightsTarget(repo);
    hub.chunkDelayMs = 20;
    const ctl = new AbortController();
    const err = await downloadFile(target, {
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.received > 50_000) ctl.abort();
      },
    }).then(
      () => assert.fail('expected cancellation'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DownloadError && err.kind === 'cancelled', String(err));
    assert.ok(!fs.existsSync(target.dest), 'the destination must not exist after cancel');
    const { part, sidecar } = partPaths(target.dest);
    const kept = fs.statSync(part).size;
    assert.ok(kept > 0 && kept < weights.length, `kept ${kept} of ${weights.length}`);
    assert.ok(fs.existsSync(sidecar));
    hub.chunkDelayMs = 0;
    const res = await downloadFile(target);
    assert.equal(res.resumedFrom, kept);
    assert.deepEqual(fs.readFileSync(target.dest), weights);
  });

  it('discards a partial file left for a different expected file', async () => {
    const repo = await start();
    const target = await weightsTarget(repo);
    const { part, sidecar } = partPaths(target.dest);
    fs.writeFileSync(part, Buffer.alloc(1000, 7));
    fs.writeFileSync(
      sidecar,
      JSON.stringify({ url: target.url, size: target.size, sha256: 'cd'.repeat(32) }),
    );
    const res = await downloadFile(target);
    assert.equal(res.resumedFrom, 0);
    assert.equal(contentRequests()[0]?.range, undefined);
    assert.deepEqual(fs.readFileSync(target.dest), weights);
  });

  it('checks free disk space before sending any request', async () => {
    const repo = await start();
    const target = await weightsTarget(repo);
    const before = hub.requests.length;
    const err = await downloadFile(target, { freeBytesOf: async () => 1000 }).then(
      () => assert.fail('expected a disk error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DownloadError && err.kind === 'disk', String(err));
    assert.match(
      err.message,
      /not enough disk space for model\.safetensors: it needs \d+(\.\d)? kB in .*, only 1\.0 kB is free/,
    );
    assert.equal(hub.requests.length, before);
  });
});

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
