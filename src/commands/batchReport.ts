/** Words for batch progress and results: the notification line, the summary, the log. Pure. */
import type { BatchJobResult, BatchProgress } from '../engine/batchJob';

/** Seconds as "42 s", "3 min 5 s" or "1 h 2 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The progress notification's line: count, rate and time left. */
export function progressLine(p: BatchProgress): string {
  const rate =
    p.imagesPerSecond > 0
      ? `${p.imagesPerSecond.toFixed(p.imagesPerSecond < 10 ? 1 : 0)} img/s`
      : 'starting';
  const eta = p.imagesPerSecond > 0 ? ` · ${formatDuration(p.etaSeconds)} left` : '';
  return `${p.done}/${p.total} · ${rate}${eta}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One sentence summing up a finished (or cancelled) job. */
export function summaryLine(r: BatchJobResult): string {
  const parts = [`${plural(r.written.length, 'mask')} written`];
  if (r.skipped.length) parts.push(`${r.skipped.length} skipped`);
  if (r.failed.length) parts.push(`${r.failed.length} failed`);
  const head = `${parts.join(', ')} in ${formatDuration(r.seconds)}`;
  return r.cancelled ? `Cancelled: ${head}. Run it again to resume where it stopped.` : `${head}.`;
}

/** Why images were skipped, grouped: "12 mask exists; 2 mask exists and was edited by a person". */
export function skipReasons(r: BatchJobResult): string {
  const counts = new Map<string, number>();
  for (const s of r.skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} × ${reason}`).join('; ');
}
