/** Reaching a host through an HTTP proxy: which URLs bypass it, and CONNECT tunnels. */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { DownloadError, describeNetworkError } from './downloadError';

/** A proxy to send requests through (VS Code's `http.proxy`, `http.noProxy`). */
export interface ProxySettings {
  /** `http://[user:pass@]host:port` (an `https://` proxy is reached over TLS). */
  readonly url: string;
  /** Hosts (or `.domain` suffixes, or `*`) that are reached directly. */
  readonly noProxy?: readonly string[];
}

/** Whether `target` should go through the proxy. */
export function useProxyFor(target: URL, proxy: ProxySettings | undefined): boolean {
  if (!proxy?.url) return false;
  const host = target.hostname.toLowerCase();
  for (const raw of proxy.noProxy ?? []) {
    const rule = raw.trim().toLowerCase().replace(/:\d+$/, '');
    if (!rule) continue;
    if (rule === '*') return false;
    const suffix = rule.startsWith('.') ? rule : rule.startsWith('*.') ? rule.slice(1) : undefined;
    if (
      host === rule ||
      (suffix !== undefined && (host.endsWith(suffix) || host === suffix.slice(1)))
    ) {
      return false;
    }
  }
  return true;
}

/** The `Proxy-Authorization` header for credentials in the proxy URL, if any. */
export function proxyAuthorization(proxyUrl: URL): string | undefined {
  if (!proxyUrl.username) return undefined;
  const user = decodeURIComponent(proxyUrl.username);
  const pass = decodeURIComponent(proxyUrl.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

/** Default port of a URL's scheme. */
export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/**
 * Opens a CONNECT tunnel to `host:port` through the proxy and returns the raw socket. A plain
 * socket is used (not an http request) so no agent of the host application gets in the way.
 */
export function openTunnel(
  proxyUrl: URL,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<net.Socket> {
  const where = `the proxy ${proxyUrl.host}`;
  return new Promise((resolve, reject) => {
    const proxyPort = portOf(proxyUrl);
    const socket: net.Socket =
      proxyUrl.protocol === 'https:'
        ? tls.connect({
            host: proxyUrl.hostname,
            port: proxyPort,
            servername: net.isIP(proxyUrl.hostname) ? undefined : proxyUrl.hostname,
          })
        : net.connect({ host: proxyUrl.hostname, port: proxyPort });
    const fail = (err: unknown): void => {
      socket.destroy();
      reject(
        err instanceof DownloadError
          ? err
          : new DownloadError('network', describeNetworkError(err, where), undefined, {
              cause: err,
            }),
      );
    };
    socket.setTimeout(timeoutMs, () =>
      fail(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', fail);
    socket.once(proxyUrl.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      const auth = proxyAuthorization(proxyUrl);
      socket.write(
        `CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n` +
          (auth ? `Proxy-Authorization: ${auth}\r\n` : '') +
          '\r\n',
      );
    });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16384) fail(new Error('the proxy sent an oversized reply to CONNECT'));
        return;
      }
      socket.off('data', onData);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.toString('latin1'))?.[1] ?? 0);
      if (status !== 200) {
        const why =
          status === 407
            ? 'asks for credentials (HTTP 407); put them in the proxy URL'
            : `refused the tunnel to ${host}:${port} (HTTP ${status || 'garbled reply'})`;
        fail(new DownloadError('network', `${where} ${why}`, status || undefined));
        return;
      }
      const rest = head.subarray(end + 4);
      socket.setTimeout(0);
      socket.off('error', fail);
      if (rest.length) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}
