/** A forwarding HTTP proxy (absolute-URI GETs and CONNECT tunnels) and a TLS server, for tests. */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';

/** What the proxy was asked to do. */
export interface ProxyLogEntry {
  readonly method: string;
  readonly target: string;
  readonly auth?: string;
}

/** A running server with its URL. */
export interface TestServer {
  readonly url: string;
  close(): Promise<void>;
}

// A self-signed certificate for 127.0.0.1 and localhost (P-256, valid until 2126), tests only.
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgeHF512tjsMD79/e1
3gbRWOdpHZ+E2KFdv0XLDkxq6fehRANCAAR9XBnRW3syPy4ETOHUnon/LCV7zqdY
Tv/2O0tIhZMukOhX+5pc+m30QLnPC9YGuOHviTZ2U+J4Z/I9SzVGpBCr
-----END PRIVATE KEY-----`;
const CERT = `-----BEGIN CERTIFICATE-----
MIIBmjCCAUGgAwIBAgIUO3eWMwbjALEfDRBAkLS8Mo2dNTwwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNjE1MDkzMVoYDzIxMjYxMTAy
MTUwOTMxWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAR9XBnRW3syPy4ETOHUnon/LCV7zqdYTv/2O0tIhZMukOhX+5pc+m30
QLnPC9YGuOHviTZ2U+J4Z/I9SzVGpBCro28wbTAdBgNVHQ4EFgQUIqLjob5jOreh
KbC2a3A6HuU/WJYwHwYDVR0jBBgwFoAUIqLjob5jOrehKbC2a3A6HuU/WJYwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDRwAwRAIgJu438UYHii4NnDvRls1W/9J3F8802GH2HTgVMH/+N/wCIFUi
Qe0lOrdN1r4bA/joZTf6AxKfhqdlJJRM9C59++AS
-----END CERTIFICATE-----`;

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Starts a proxy that forwards plain GETs and opens CONNECT tunnels, logging each. */
export async function startTestProxy(log: ProxyLogEntry[]): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    log.push({
      method: req.method ?? '',
      target: req.url ?? '',
      auth: req.headers['proxy-authorization'],
    });
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const up = http.request(target, { method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    log.push({
      method: 'CONNECT',
      target: req.url ?? '',
      auth: req.headers['proxy-authorization'],
    });
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host ?? '', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up);
    up.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => up.destroy());
  });
  const close = closer(server, sockets);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, close };
}

/** Starts an HTTPS server (self-signed certificate) that serves `data` at every path. */
export async function startTlsFileServer(data: Buffer): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = https.createServer({ key: KEY, cert: CERT }, (_req, res) => {
    res.writeHead(200, { 'content-length': data.length }).end(data);
  });
  const close = closer(server, sockets);
  const port = await listen(server);
  return { url: `https://127.0.0.1:${port}`, close };
}
