import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DownloadError } from '../../src/engine/download/downloadError';
import { downloadFile } from '../../src/engine/download/downloadFile';
import {
  ProgressMeter,
  describeProgress,
  formatBytes,
  formatDuration,
} from '../../src/engine/download/progressMeter';
import { useProxyFor } from '../../src/engine/download/proxyTunnel';
import { sha256Hex, startLocalHub } from '../support/localHub';
import { startTestProxy, startTlsFileServer, type ProxyLogEntry } from '../support/testProxy';

describe('downloads through a proxy', () => {
  const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) & 255));
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seggpt-proxy-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sends plain HTTP to the proxy with the absolute URL and the credentials', async () => {
    const hub = await startLocalHub('a/b', { 'f.bin': { data, lfs: true } });
    const log: ProxyLogEntry[] = [];
    const proxy = await startTestProxy(log);
    try {
      const proxyUrl = proxy.url.replace('http://', 'http://user:p%40ss@');
      const dest = path.join(dir, 'f.bin');
      await downloadFile(
        {
          url: `${hub.baseUrl}/a/b/resolve/main/f.bin`,
          dest,
          size: data.length,
          digest: { sha256: sha256Hex(data) },
        },
        { proxy: { url: proxyUrl } },
      );
      assert.deepEqual(fs.readFileSync(dest), data);
      assert.deepEqual(
        log.map((e) => [e.method, e.target.replace(hub.baseUrl, 'HUB')]),
        [
          ['GET', 'HUB/a/b/resolve/main/f.bin'],
          ['GET', 'HUB/cdn/f.bin'],
        ],
      );
      assert.equal(log[0]?.auth, `Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    } finally {
      await proxy.close();
      await hub.close();
    }
  });

  it('tunnels HTTPS with CONNECT, and refuses an untrusted certificate unless told not to check', async () => {
    const tls = await startTlsFileServer(data);
    const log: ProxyLogEntry[] = [];
    const proxy = await startTestProxy(log);
    try {
      const url = `${tls.url}/file.bin`;
      const strict = await downloadFile(
        { url, dest: path.join(dir, 'a.bin') },
        { proxy: { url: proxy.url } },
      ).then(
        () => assert.fail('a self-signed certificate must be refused by default'),
        (e: unknown) => e,
      );
      assert.ok(strict instanceof DownloadError && strict.kind === 'network', String(strict));
      assert.match(
        strict.message,
        /the TLS certificate of 127\.0\.0\.1:\d+ \(through the proxy 127\.0\.0\.1:\d+\) was not accepted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
      );
      const dest = path.join(dir, 'b.bin');
      await downloadFile(
        { url, dest, size: data.length },
        { proxy: { url: proxy.url }, strictSSL: false },
      );
      assert.deepEqual(fs.readFileSync(dest), data);
      const port = new URL(tls.url).port;
      assert.deepEqual(
        log.map((e) => `${e.method} ${e.target}`),
        [`CONNECT 127.0.0.1:${port}`, `CONNECT 127.0.0.1:${port}`],
      );
    } finally {
      await proxy.close();
      await tls.close();
    }
  });

  it('bypasses the proxy for hosts in noProxy', async () => {
    const hub = await startLocalHub('a/b', { 'f.bin': { data } });
    const log: ProxyLogEntry[] = [];
    const proxy = await startTestProxy(log);
    try {
      const dest = path.join(dir, 'f.bin');
      await downloadFile(
        { url: `${hub.baseUrl}/cdn/f.bin`, dest },
        { proxy: { url: proxy.url, noProxy: ['localhost', '127.0.0.1'] } },
      );
      assert.deepEqual(fs.readFileSync(dest), data);
      assert.equal(log.length, 0);
    } finally {
      await proxy.close();
      await hub.close();
    }
  });

  it('reports a proxy that cannot be reached', async () => {
    await assert.rejects(
      downloadFile(
        { url: 'https://127.0.0.1:9/x', dest: path.join(dir, 'x') },
        { proxy: { url: 'http://127.0.0.1:9' } },
      ),
      (e: unknown) =>
        e instanceof DownloadError &&
        /could not connect to the proxy 127\.0\.0\.1:9/.test(e.message),
    );
  });
});

describe('useProxyFor', () => {
  const proxy = {
    url: 'http://proxy:3128',
    noProxy: ['internal.example', '.corp.example', ' 10.0.0.1:8080 '],
  };
  for (const [url, expected] of [
    ['https://hub.example/x', true],
    ['https://internal.example/x', false],
    ['https://a.corp.example/x', false],
    ['https://corp.example/x', false],
    ['https://notcorp.example/x', true],
    ['http://10.0.0.1/x', false],
  ] as const) {
    it(`${url} → ${expected ? 'proxy' : 'direct'}`, () =>
      assert.equal(useProxyFor(new URL(url), proxy), expected));
  }
  it('goes direct without a proxy or with the * rule', () => {
    assert.equal(useProxyFor(new URL('https://x'), undefined), false);
    assert.equal(useProxyFor(new URL('https://x'), { url: '' }), false);
    assert.equal(useProxyFor(new URL('https://x'), { url: 'http://p:1', noProxy: ['*'] }), false);
  });
});

describe('ProgressMeter', () => {
  it('measures the recent rate and the time left', () => {
    let t = 0;
    const m = new ProgressMeter(10_000_000, 1_000_000, () => t);
    t = 1000;
    const p1 = m.update(3_000_000);
    assert.equal(p1.bytesPerSecond, 2_000_000);
    assert.equal(p1.etaSeconds, 3.5);
    assert.equal(p1.resumedFrom, 1_000_000);
    // Only the last 5 s count: a burst long ago does not inflate the rate.
    for (let i = 2; i <= 12; i++) {
      t = i * 1000;
      m.update(3_000_000 + (i - 1) * 100_000);
    }
    const p = m.update(3_000_000 + 11 * 100_000);
    assert.ok(Math.abs(p.bytesPerSecond - 100_000) < 1, String(p.bytesPerSecond));
    assert.equal(describeProgress(p), '4.1 MB of 10.0 MB · 100 kB/s · 59 s left');
  });

  it('formats sizes and durations', () => {
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1_480_000_000), '1.5 GB');
    assert.equal(formatBytes(250_000_000), '250 MB');
    assert.equal(formatDuration(59.4), '59 s');
    assert.equal(formatDuration(200), '3 min 20 s');
    assert.equal(formatDuration(3900), '1 h 5 min');
  });
});
