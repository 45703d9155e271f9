/** The one error type downloads raise, with a kind that callers (and tests) can act on. */

/** What went wrong, in categories a person can do something about. */
export type DownloadErrorKind =
  | 'http' // the server answered with an error status
  | 'network' // no connection, a reset, a stall
  | 'integrity' // wrong size or hash: the bytes are not the published file
  | 'disk' // not enough free space, or a write failed
  | 'cancelled';

/** A failed download, with a one-line message that names the file or host and what to do. */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    readonly kind: DownloadErrorKind,
    message: string,
    /** The HTTP status, for `http` errors. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether trying again (with a Range request) may succeed. */
  get retryable(): boolean {
    return this.kind === 'network' || (this.kind === 'http' && (this.status ?? 0) >= 500);
  }
}

/** The system error code of a Node error, if any. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether an error is an abort caused by the caller's signal. */
export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return (
    signal?.aborted === true ||
    (err instanceof Error && (err.name === 'AbortError' || errorCode(err) === 'ABORT_ERR'))
  );
}

/** Plain words for a failed connection to `where` (host:port), from Node's error code. */
export function describeNetworkError(err: unknown, where: string): string {
  const code = errorCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return `could not connect to ${where}: the connection was refused (is the address right, and the server up?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `could not find the host ${where.replace(/:\d+$/, '')} (no network, or a wrong address or proxy setting)`;
    case 'ETIMEDOUT':
    case 'ESTALLED':
      return `the connection to ${where} stalled: no data arrived for too long`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      return `the connection to ${where} was cut off`;
    case 'CERT_HAS_EXPIRED':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return `the TLS certificate of ${where} was not accepted (${code}); behind an inspecting proxy, check the proxy settings`;
    default: {
      const msg = err instanceof Error ? err.message : String(err);
      return `the connection to ${where} failed: ${msg.split('\n')[0]}`;
    }
  }
}

/** Plain words for an HTTP error status. */
export function describeHttpStatus(status: number, url: string): string {
  if (status === 404) return `not found on the server (HTTP 404): ${url}`;
  if (status === 401 || status === 403) {
    return `the server refused access (HTTP ${status}) to ${url}: the repository may be private or gated`;
  }
  if (status === 407) return `the proxy asks for credentials (HTTP 407); set them in http.proxy`;
  if (status === 429) return `the server is rate limiting (HTTP 429); try again in a few minutes`;
  if (status >= 500) return `the server had an error (HTTP ${status}) for ${url}; try again later`;
  return `unexpected HTTP ${status} for ${url}`;
}
