/** One-line progress on stderr for batch commands. */
import type { BatchProgress } from '../engine/batchJob';

/** Formats seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A progress reporter that rewrites one line on a terminal and prints plain lines otherwise. */
export function progressPrinter(stream: NodeJS.WriteStream): (p: BatchProgress) => void {
  let last = 0;
  let lastLine = '';
  return (p) => {
    const now = Date.now();
    if (now - last < 250 && p.done < p.total) return; // throttle
    const line =
      `[${p.done}/${p.total}] ${p.written} written, ${p.skipped} skipped, ${p.failed} failed · ` +
      `${p.imagesPerSecond.toFixed(2)} img/s · ETA ${formatDuration(p.etaSeconds)}`;
    if (line === lastLine) return;
    last = now;
    lastLine = line;
    if (stream.isTTY) stream.write(`\r${line}\x1b[K`);
    else stream.write(`${line}\n`);
  };
}
