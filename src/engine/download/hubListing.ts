/** The Hugging Face Hub's file URLs and its file listing (sizes, SHA-256 of large files). */
import { DownloadError } from './downloadError';
import { expectOk, httpGet, readBody, type HttpOptions } from './httpGet';

/** A repository at a revision on a Hub (or a mirror with the same API). */
export interface HubRepo {
  /** Base URL of the Hub, e.g. the `seggpt.hubBaseUrl` setting. */
  readonly baseUrl: string;
  /** `owner/name`. */
  readonly repo: string;
  /** Branch, tag or commit; default `main`. */
  readonly revision?: string;
}

/** One file of the listing. */
export interface HubFile {
  readonly path: string;
  readonly size: number;
  /** SHA-256 of the content (the Hub publishes it for LFS files as `lfs.oid`). */
  readonly sha256?: string;
  /** Git blob id of the content (the listing's `oid` for files stored in git). */
  readonly gitBlobSha1?: string;
}

function base(repo: HubRepo): string {
  return repo.baseUrl.replace(/\/+$/, '');
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

/** URL that serves a file's content: `<hub>/<repo>/resolve/<revision>/<file>`. */
export function hubFileUrl(repo: HubRepo, file: string): string {
  return `${base(repo)}/${repo.repo}/resolve/${encodeURIComponent(repo.revision ?? 'main')}/${encodePath(file)}`;
}

/** URL of the listing: `<hub>/api/models/<repo>/tree/<revision>`. */
export function hubTreeUrl(repo: HubRepo): string {
  return `${base(repo)}/api/models/${repo.repo}/tree/${encodeURIComponent(repo.revision ?? 'main')}`;
}

/** Fetches the listing of the repository's top folder. */
export async function listHubFiles(repo: HubRepo, opts: HttpOptions = {}): Promise<HubFile[]> {
  const res = await httpGet(hubTreeUrl(repo), { accept: 'application/json' }, opts);
  expectOk(res);
  const body = await readBody(res);
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    throw new DownloadError(
      'http',
      `${res.url} did not return a JSON file listing (is ${repo.baseUrl} a Hub?)`,
    );
  }
  return parseHubListing(raw, res.url);
}

/** Parses the listing JSON, keeping files with a valid size (folders are skipped). */
export function parseHubListing(raw: unknown, from: string): HubFile[] {
  if (!Array.isArray(raw))
    throw new DownloadError('http', `${from} returned a listing that is not a list`);
  const files: HubFile[] = [];
  for (const e of raw as Record<string, unknown>[]) {
    if (e?.type !== 'file' || typeof e.path !== 'string' || !isSize(e.size)) continue;
    const lfs = e.lfs as Record<string, unknown> | undefined;
    const sha256 =
      typeof lfs?.oid === 'string' && /^[0-9a-f]{64}$/i.test(lfs.oid)
        ? lfs.oid.toLowerCase()
        : undefined;
    const oid =
      typeof e.oid === 'string' && /^[0-9a-f]{40}$/i.test(e.oid) ? e.oid.toLowerCase() : undefined;
    files.push({
      path: e.path,
      size: e.size,
      sha256,
      // For an LFS file the git oid names the pointer, not the content.
      gitBlobSha1: lfs ? undefined : oid,
    });
  }
  return files;
}

/** The listed file with this path, or an error that names what the repository does have. */
export function requireHubFile(files: readonly HubFile[], name: string, repo: HubRepo): HubFile {
  const f = files.find((x) => x.path === name);
  if (!f) {
    throw new DownloadError(
      'http',
      `${repo.repo} at ${repo.revision ?? 'main'} has no ${name} (it lists: ${files.map((x) => x.path).join(', ') || 'nothing'})`,
      404,
    );
  }
  return f;
}

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
