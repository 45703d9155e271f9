/** Transfer rate and time left, from byte counts over a sliding window (pure, clock injected). */

/** A snapshot of a running download. */
export interface TransferProgress {
  /** What is happening: fetching bytes, or checking the finished file. */
  readonly phase: 'downloading' | 'verifying';
  /** Bytes of the file now on disk (a resumed download starts above zero). */
  readonly received: number;
  /** Expected size in bytes, when known. */
  readonly total?: number;
  /** Bytes this download started from (0 unless resumed). */
  readonly resumedFrom: number;
  /** Recent rate in bytes per second (0 until measurable). */
  readonly bytesPerSecond: number;
  /** Seconds left at the recent rate, when the size and a rate are known. */
  readonly etaSeconds?: number;
}

const WINDOW_MS = 5000;

/** Keeps (time, bytes) samples for the last few seconds and derives rate and ETA. */
export class ProgressMeter {
  private readonly samples: { t: number; bytes: number }[] = [];

  constructor(
    private readonly total: number | undefined,
    private readonly resumedFrom: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.samples.push({ t: this.now(), bytes: resumedFrom });
  }

  /** Records that `received` bytes are on disk now and returns the current progress. */
  update(received: number): TransferProgress {
    const t = this.now();
    this.samples.push({ t, bytes: received });
    while (this.samples.length > 2 && t - (this.samples[1]?.t ?? t) >= WINDOW_MS) {
      this.samples.shift();
    }
    const first = this.samples[0] ?? { t, bytes: received };
    const dt = (t - first.t) / 1000;
    const bytesPerSecond = dt > 0.05 ? Math.max(0, (received - first.bytes) / dt) : 0;
    const left = this.total !== undefined ? Math.max(0, this.total - received) : undefined;
    return {
      phase: 'downloading',
      received,
      total: this.total,
      resumedFrom: this.resumedFrom,
      bytesPerSecond,
      etaSeconds: left !== undefined && bytesPerSecond > 0 ? left / bytesPerSecond : undefined,
    };
  }
}

/** "1.2 GB", "850 MB", "12 kB": decimal units, as download sizes are usually shown. */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** "45 s", "3 min 20 s", "1 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** One line for a progress notification: "120 MB of 1.5 GB · 25 MB/s · 55 s left". */
export function describeProgress(p: TransferProgress): string {
  if (p.phase === 'verifying') return `checking ${formatBytes(p.total ?? p.received)}…`;
  const parts = [
    p.total ? `${formatBytes(p.received)} of ${formatBytes(p.total)}` : formatBytes(p.received),
  ];
  if (p.bytesPerSecond > 0) parts.push(`${formatBytes(p.bytesPerSecond)}/s`);
  if (p.etaSeconds !== undefined) parts.push(`${formatDuration(p.etaSeconds)} left`);
  return parts.join(' · ');
}
