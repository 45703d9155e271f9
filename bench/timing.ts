/** Timing helpers: wall and process CPU time of one call, RSS in MiB, error statistics. */
import * as fs from 'node:fs';

const MIB = 1024 * 1024;

/** What one timed call took. */
export interface Timed<T> {
  readonly value: T;
  /** Wall-clock milliseconds. */
  readonly ms: number;
  /** CPU milliseconds of the whole process (all threads, user + system) during the call. */
  readonly cpuMs: number;
}

/** Runs `fn` and measures its wall and CPU time. */
export async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, ms, cpuMs: (c.user + c.system) / 1000 };
}

/**
 * CPU time ÷ (wall time × threads): near 1 when the intra-op threads had their cores to
 * themselves, lower when other processes took CPU from them (a sign the timing is inflated).
 */
export function cpuShare(samples: readonly Timed<unknown>[], threads: number): number {
  const wall = samples.reduce((a, s) => a + s.ms, 0);
  const cpu = samples.reduce((a, s) => a + s.cpuMs, 0);
  return wall > 0 ? cpu / (wall * threads) : 0;
}

/** Resident set size now, MiB. */
export function rssMib(): number {
  return process.memoryUsage().rss / MIB;
}

/** Largest and mean |a[i] − b[i]| (lengths must match). */
export function absError(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { max: number; mean: number; n: number } {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (Number.isNaN(d)) return { max: NaN, mean: NaN, n: a.length };
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: a.length > 0 ? sum / a.length : 0, n: a.length };
}

/** Merges error statistics of several comparisons (mean weighted by element count). */
export function mergeErrors(parts: readonly { max: number; mean: number; n: number }[]): {
  max: number;
  mean: number;
  n: number;
} {
  const n = parts.reduce((a, p) => a + p.n, 0);
  return {
    max: parts.reduce((a, p) => Math.max(a, p.max), 0),
    mean: n > 0 ? parts.reduce((a, p) => a + p.mean * p.n, 0) / n : 0,
    n,
  };
}

/** Samples RSS every `everyMs` while running; `stop()` returns the samples (MiB). */
export function sampleRss(everyMs = 250): { stop(): { tMs: number; rssMib: number }[] } {
  const t0 = performance.now();
  const samples: { tMs: number; rssMib: number }[] = [{ tMs: 0, rssMib: rssMib() }];
  const timer = setInterval(() => {
    samples.push({ tMs: performance.now() - t0, rssMib: rssMib() });
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      samples.push({ tMs: performance.now() - t0, rssMib: rssMib() });
      return samples;
    },
  };
}

/**
 * This process's peak RSS, MiB. On Linux from VmHWM, which starts afresh at exec; the rusage
 * maximum would carry over the parent's peak (Linux keeps ru_maxrss across execve).
 */
export function peakRssMib(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS / 1024;
}
