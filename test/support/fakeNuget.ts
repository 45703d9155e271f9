/**
 * A NuGet v3 feed on 127.0.0.1 serving one GPU package built in the test with adm-zip (the zip
 * library onnxruntime-node's own install script uses), laid out like the real one.
 */
import AdmZip from 'adm-zip';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The running feed. */
export interface FakeNuget {
  /** The service index URL. */
  readonly indexUrl: string;
  /** Paths requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Builds a .nupkg (a zip) holding `files` (path in package → content) and a nuspec. */
export function buildNupkg(id: string, version: string, files: Record<string, Buffer>): Buffer {
  const zip = new AdmZip();
  zip.addFile(
    `${id}.nuspec`,
    Buffer.from(
      `<package><metadata><id>${id}</id><version>${version}</version></metadata></package>`,
    ),
  );
  for (const [name, data] of Object.entries(files)) zip.addFile(name, data);
  return zip.toBuffer();
}

/** Serves `nupkg` as `id` at `version`, listing `versions` in the flat container. */
export async function startFakeNuget(
  id: string,
  versions: readonly string[],
  nupkgs: Record<string, Buffer>,
): Promise<FakeNuget> {
  const requests: string[] = [];
  const lower = id.toLowerCase();
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(p);
    const json = (v: unknown): void =>
      void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    if (p === '/v3/index.json') {
      return json({
        version: '3.0.0',
        resources: [
          { '@id': '/v3/registration/', '@type': 'RegistrationsBaseUrl' },
          {
            '@id': `http://127.0.0.1:${port}/v3-flatcontainer/`,
            '@type': 'PackageBaseAddress/3.0.0',
          },
        ],
      });
    }
    if (p === `/v3-flatcontainer/${lower}/index.json`) return json({ versions });
    const m = new RegExp(`^/v3-flatcontainer/${lower}/([^/]+)/${lower}\\.([^/]+)\\.nupkg$`).exec(p);
    const data = m && m[1] === m[2] ? nupkgs[m[1] as string] : undefined;
    if (data) return void res.writeHead(200, { 'content-length': data.length }).end(data);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    indexUrl: `http://127.0.0.1:${port}/v3/index.json`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
