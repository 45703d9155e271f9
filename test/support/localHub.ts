/**
 * A Hub look-alike on 127.0.0.1 for download tests: the tree listing API and `resolve` URLs that
 * redirect (as the Hub does) to a file server with Range support. Each request can be given a
 * fault: cut the connection after N bytes, ignore Range, answer with a status, stall.
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A file the hub serves; `lfs` files get a SHA-256 in the listing, others a git blob id. */
export interface HubFileSpec {
  readonly data: Buffer;
  readonly lfs?: boolean;
  /** Publish this SHA-256 instead of the real one (a wrong-hash test). */
  readonly listedSha256?: string;
  /** Publish this size instead of the real one. */
  readonly listedSize?: number;
}

/** What to do with one request for a file's content. */
export interface Fault {
  /** Only for requests of this file (default: the next content request of any file). */
  readonly file?: string;
  /** Send the headers and this many body bytes, then destroy the socket. */
  readonly cutAfter?: number;
  /** Answer 200 with the whole file even when a Range was asked for. */
  readonly ignoreRange?: boolean;
  /** Answer with this status and no body. */
  readonly status?: number;
  /** Send this many bytes, then nothing more (the client must time out). */
  readonly stallAfter?: number;
}

/** A request the server saw. */
export interface SeenRequest {
  readonly path: string;
  readonly range?: string;
}

/** The running server. */
export interface LocalHub {
  readonly baseUrl: string;
  readonly requests: SeenRequest[];
  /** Faults applied, in order, to the next content requests. */
  readonly faults: Fault[];
  /** Pause between 16 kB chunks, to make downloads slow enough to cancel. */
  chunkDelayMs: number;
  close(): Promise<void>;
}

/** SHA-256 hex of a buffer. */
export function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Git blob id of a buffer. */
export function gitBlobId(b: Buffer): string {
  return createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
}

/** Starts a hub serving `files` of repository `repo` at revision `main`. */
export async function startLocalHub(
  repo: string,
  files: Record<string, HubFileSpec>,
): Promise<LocalHub> {
  const requests: SeenRequest[] = [];
  const faults: Fault[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const hub = { requests, faults, chunkDelayMs: 0 } as { chunkDelayMs: number };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: url.pathname, range: req.headers.range });
    if (url.pathname === `/api/models/${repo}/tree/main`) {
      const listing = Object.entries(files).map(([name, f]) => ({
        type: 'file',
        path: name,
        size: f.listedSize ?? f.data.length,
        oid: gitBlobId(f.lfs ? Buffer.from(`pointer ${name}`) : f.data),
        ...(f.lfs
          ? {
              lfs: {
                oid: f.listedSha256 ?? sha256Hex(f.data),
                size: f.data.length,
                pointerSize: 134,
              },
            }
          : {}),
      }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(listing));
      return;
    }
    const resolvePrefix = `/${repo}/resolve/main/`;
    if (url.pathname.startsWith(resolvePrefix)) {
      const name = decodeURIComponent(url.pathname.slice(resolvePrefix.length));
      res.writeHead(302, { location: `/cdn/${encodeURIComponent(name)}` }).end();
      return;
    }
    if (url.pathname.startsWith('/cdn/')) {
      const name = decodeURIComponent(url.pathname.slice(5));
      const f = files[name];
      if (!f) return void res.writeHead(404).end('not found');
      const i = faults.findIndex((x) => x.file === undefined || x.file === name);
      const fault = i < 0 ? {} : (faults.splice(i, 1)[0] ?? {});
      serveContent(req, res, f.data, fault, hub.chunkDelayMs);
      return;
    }
    res.writeHead(404).end('not found');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(hub, {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  }) as LocalHub;
}

function serveContent(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  data: Buffer,
  fault: Fault,
  delayMs: number,
): void {
  if (fault.status) return void res.writeHead(fault.status).end();
  let start = 0;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m && !fault.ignoreRange) {
    start = Number(m[1]);
    if (start >= data.length) {
      return void res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
    }
    res.writeHead(206, {
      'content-length': data.length - start,
      'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
    });
  } else {
    res.writeHead(200, { 'content-length': data.length, 'accept-ranges': 'bytes' });
  }
  const body = data.subarray(start);
  let sent = 0;
  const step = (): void => {
    if (res.destroyed) return;
    if (fault.cutAfter !== undefined && sent >= fault.cutAfter) {
      // Let the client read and store what was sent before the connection drops.
      setTimeout(() => res.socket?.destroy(), 150);
      return;
    }
    if (fault.stallAfter !== undefined && sent >= fault.stallAfter) return; // never answers again
    if (sent >= body.length) return void res.end();
    let n = Math.min(16384, body.length - sent);
    const limit = fault.cutAfter ?? fault.stallAfter;
    if (limit !== undefined) n = Math.min(n, limit - sent);
    res.write(body.subarray(sent, sent + n));
    sent += n;
    if (delayMs > 0) setTimeout(step, delayMs);
    else setImmediate(step);
  };
  step();
}
