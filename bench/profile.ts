/** Reading onnxruntime profiles: the JSON array of trace events written with `enableProfiling`. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One trace event as onnxruntime writes it (the fields we use). */
interface TraceEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly ts?: number;
  readonly dur?: number;
  readonly args?: { readonly op_name?: string; readonly [k: string]: unknown };
}

/** Time spent in one op type (or one node), over the counted runs. */
export interface OpTime {
  readonly name: string;
  /** Op type (for node entries). */
  readonly op?: string;
  /** Total kernel time over the counted runs, ms. */
  readonly totalMs: number;
  /** Per counted run, ms. */
  readonly perRunMs: number;
  /** Share of all node time, percent. */
  readonly percent: number;
  /** Kernel calls over the counted runs. */
  readonly calls: number;
}

/** What a profile says about the counted runs. */
export interface ProfileSummary {
  readonly file: string;
  /** Runs whose node events were counted (the last `runs` of the session). */
  readonly countedRuns: number;
  /** Total node kernel time per counted run, ms. */
  readonly nodeMsPerRun: number;
  /** Op types by total time, descending. */
  readonly ops: OpTime[];
  /** Individual nodes by total time, descending. */
  readonly nodes: OpTime[];
}

/**
 * The profile file onnxruntime wrote for `prefix` (it appends `_<timestamp>.json`): the newest
 * matching file modified at or after `sinceMs`.
 */
export function findProfileFile(prefix: string, sinceMs: number): string | undefined {
  const dir = path.dirname(prefix);
  const base = path.basename(prefix);
  let best: { file: string; mtime: number } | undefined;
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(`${base}_`) || !name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    const mtime = fs.statSync(file).mtimeMs;
    if (mtime + 1000 >= sinceMs && (!best || mtime > best.mtime)) best = { file, mtime };
  }
  return best?.file;
}

/**
 * Sums node kernel times by op type over the last `runs` model runs in the profile (so a warm-up
 * run before them is left out). Falls back to every node event if no run events are found.
 */
export function summarizeProfile(file: string, runs: number): ProfileSummary {
  const events = JSON.parse(fs.readFileSync(file, 'utf8')) as TraceEvent[];
  const runWindows = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run' && e.ts !== undefined)
    .map((e) => [e.ts as number, (e.ts as number) + (e.dur ?? 0)] as const)
    .sort((a, b) => a[0] - b[0])
    .slice(-runs);
  const inCountedRun = (ts: number): boolean =>
    runWindows.length === 0 || runWindows.some(([a, b]) => ts >= a && ts <= b);
  const counted = runWindows.length === 0 ? 1 : runWindows.length;

  const byOp = new Map<string, { us: number; calls: number }>();
  const byNode = new Map<string, { us: number; calls: number; op: string }>();
  let totalUs = 0;
  for (const e of events) {
    const op = e.args?.op_name;
    if (e.cat !== 'Node' || !op || e.dur === undefined || e.ts === undefined) continue;
    // Each node has fence_before / kernel_time / fence_after events; only the kernel counts.
    if (e.name && !e.name.endsWith('_kernel_time')) continue;
    if (!inCountedRun(e.ts)) continue;
    totalUs += e.dur;
    const o = byOp.get(op) ?? { us: 0, calls: 0 };
    o.us += e.dur;
    o.calls += 1;
    byOp.set(op, o);
    const nodeName = (e.name ?? op).replace(/_kernel_time$/, '');
    const n = byNode.get(nodeName) ?? { us: 0, calls: 0, op };
    n.us += e.dur;
    n.calls += 1;
    byNode.set(nodeName, n);
  }
  const toList = (m: Map<string, { us: number; calls: number; op?: string }>): OpTime[] =>
    [...m]
      .map(([name, v]) => ({
        name,
        ...(v.op ? { op: v.op } : {}),
        totalMs: v.us / 1000,
        perRunMs: v.us / 1000 / counted,
        percent: totalUs > 0 ? (100 * v.us) / totalUs : 0,
        calls: v.calls,
      }))
      .sort((a, b) => b.totalMs - a.totalMs);
  return {
    file,
    countedRuns: counted,
    nodeMsPerRun: totalUs / 1000 / counted,
    ops: toList(byOp),
    nodes: toList(byNode),
  };
}
