/** GET with redirects, an optional proxy, a stall timeout and cancellation (node:http/https). */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { DownloadError, describeHttpStatus, describeNetworkError, isAbort } from './downloadError';
import {
  openTunnel,
  portOf,
  proxyAuthorization,
  useProxyFor,
  type ProxySettings,
} from './proxyTunnel';

/** How to reach servers. */
export interface HttpOptions {
  readonly proxy?: ProxySettings;
  /** Reject TLS certificates that do not verify (default true; VS Code's `http.proxyStrictSSL`). */
  readonly strictSSL?: boolean;
  /** Give up on a connection that sends nothing for this long (default 60 s). */
  readonly stallMs?: number;
  readonly signal?: AbortSignal;
}

/** An open response whose body has not been read yet. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: http.IncomingMessage;
  /** The URL that answered, after redirects. */
  readonly url: string;
}

const MAX_REDIRECTS = 10;
const USER_AGENT = 'seggpt-curator';

/**
 * Sends a GET and follows redirects; resolves once the final response's headers are in.
 * Network failures and cancellation reject with a DownloadError; HTTP error statuses resolve
 * (callers decide what a 404 or 416 means) — use `expectOk` to turn them into errors.
 */
export async function httpGet(
  url: string,
  headers: Record<string, string>,
  opts: HttpOptions = {},
): Promise<HttpResponse> {
  let current = new URL(url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await requestOnce(current, headers, opts);
    const location = res.headers.location;
    if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) {
      res.resume();
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new DownloadError(
          'http',
          `${current.href} redirects to an unsupported URL ${next.href}`,
        );
      }
      current = next;
      continue;
    }
    return { status: res.statusCode ?? 0, headers: res.headers, body: res, url: current.href };
  }
  throw new DownloadError('http', `too many redirects starting at ${url}`);
}

/** Throws a DownloadError for a status other than the accepted ones (the body is drained). */
export function expectOk(res: HttpResponse, accepted: readonly number[] = [200]): void {
  if (accepted.includes(res.status)) return;
  res.body.resume();
  throw new DownloadError('http', describeHttpStatus(res.status, res.url), res.status);
}

/** Reads a small body (listings, JSON) fully, refusing more than `maxBytes`. */
export async function readBody(res: HttpResponse, maxBytes = 8 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > maxBytes) {
      res.body.destroy();
      throw new DownloadError('http', `${res.url} sent more than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function requestOnce(
  target: URL,
  headers: Record<string, string>,
  opts: HttpOptions,
): Promise<http.IncomingMessage> {
  const stallMs = opts.stallMs ?? 60_000;
  const secure = target.protocol === 'https:';
  const viaProxy = useProxyFor(target, opts.proxy);
  const proxyUrl = viaProxy ? new URL(opts.proxy?.url ?? '') : undefined;
  const where = `${target.hostname}:${portOf(target)}`;
  const reqHeaders: Record<string, string> = { 'user-agent': USER_AGENT, ...headers };
  const options: https.RequestOptions = {
    method: 'GET',
    host: target.hostname,
    port: portOf(target),
    path: target.pathname + target.search,
    headers: reqHeaders,
    rejectUnauthorized: opts.strictSSL ?? true,
    servername: sni(target),
    signal: opts.signal,
  };
  if (proxyUrl && !secure) {
    // Plain HTTP goes to the proxy with the absolute URL as the path.
    options.host = proxyUrl.hostname;
    options.port = portOf(proxyUrl);
    options.path = target.href;
    reqHeaders.host = target.host;
    const auth = proxyAuthorization(proxyUrl);
    if (auth) reqHeaders['proxy-authorization'] = auth;
  } else if (proxyUrl) {
    // HTTPS goes through a CONNECT tunnel, opened only when Node asks for a socket.
    options.agent = undefined;
    options.createConnection = ((
      _o: unknown,
      done: (err: Error | null, s?: net.Socket) => void,
    ) => {
      openTunnel(proxyUrl, target.hostname, portOf(target), stallMs).then(
        (raw) => {
          const socket = tls.connect({
            socket: raw,
            servername: sni(target),
            rejectUnauthorized: opts.strictSSL ?? true,
          });
          done(null, socket);
        },
        (err: Error) => done(err),
      );
      return undefined;
    }) as unknown as https.RequestOptions['createConnection'];
  }
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(options, (res) => {
      res.setTimeout(stallMs, () => res.destroy(stalled()));
      resolve(res);
    });
    req.setTimeout(stallMs, () => req.destroy(stalled()));
    req.on('error', (err) => {
      if (isAbort(err, opts.signal)) reject(new DownloadError('cancelled', 'download cancelled'));
      else if (err instanceof DownloadError) reject(err);
      else
        reject(
          new DownloadError(
            'network',
            describeNetworkError(
              err,
              viaProxy ? `${where} (through the proxy ${proxyUrl?.host})` : where,
            ),
            undefined,
            { cause: err },
          ),
        );
    });
    req.end();
  });
}

/** The TLS server name: the host, unless it is an IP address (which SNI does not allow). */
function sni(target: URL): string | undefined {
  return net.isIP(target.hostname) ? undefined : target.hostname;
}

function stalled(): Error {
  return Object.assign(new Error('stalled'), { code: 'ESTALLED' });
}
