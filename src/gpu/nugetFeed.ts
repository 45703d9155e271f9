/**
 * Finding a package in a NuGet v3 feed: the service index names the flat container
 * (`PackageBaseAddress/3.0.0`), which lists a package's versions at `<id>/index.json` and
 * serves `<id>/<version>/<id>.<version>.nupkg` (ids and versions lower-cased).
 */
import { DownloadError } from '../engine/download/downloadError';
import { expectOk, httpGet, readBody, type HttpOptions } from '../engine/download/httpGet';

async function getJson(url: string, opts: HttpOptions): Promise<unknown> {
  const res = await httpGet(url, { accept: 'application/json' }, opts);
  expectOk(res);
  const body = await readBody(res);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new DownloadError('http', `${res.url} did not return JSON`);
  }
}

/** The URL of the `.nupkg` of `id` at `version`, after checking the feed lists that version. */
export async function resolveNupkgUrl(
  indexUrl: string,
  id: string,
  version: string,
  opts: HttpOptions = {},
): Promise<string> {
  const index = (await getJson(indexUrl, opts)) as {
    resources?: { '@id'?: string; '@type'?: string }[];
  };
  const flat = index.resources?.find((r) => r['@type'] === 'PackageBaseAddress/3.0.0')?.['@id'];
  if (!flat)
    throw new DownloadError(
      'http',
      `${indexUrl} is not a NuGet v3 feed index (no PackageBaseAddress)`,
    );
  const base = new URL(flat.endsWith('/') ? flat : `${flat}/`, indexUrl).href;
  const lowerId = id.toLowerCase();
  const lowerVersion = version.toLowerCase();
  let versions: string[];
  try {
    versions =
      ((await getJson(`${base}${lowerId}/index.json`, opts)) as { versions?: string[] }).versions ??
      [];
  } catch (err) {
    if (err instanceof DownloadError && err.status === 404) {
      throw new DownloadError('http', `the feed ${indexUrl} has no package ${id}`, 404);
    }
    throw err;
  }
  if (!versions.map((v) => v.toLowerCase()).includes(lowerVersion)) {
    const recent = versions.slice(-5).join(', ') || 'none';
    throw new DownloadError(
      'http',
      `the feed has no ${id} ${version}, which this onnxruntime-node needs (it has ${recent})`,
      404,
    );
  }
  return `${base}${lowerId}/${lowerVersion}/${lowerId}.${lowerVersion}.nupkg`;
}
