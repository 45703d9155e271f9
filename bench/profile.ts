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

/** Top op types printed and kept in the JSON. */
export const TOP_OPS = 15;

function roundOp<T extends { totalMs: number; perRunMs: number; percent: number }>(o: T): T {
  const r = (x: number, d: number): number => (x === 0 ? 0 : Number(x.toPrecision(d)));
  return { ...o, totalMs: r(o.totalMs, 4), perRunMs: r(o.perRunMs, 4), percent: r(o.percent, 3) };
}

/**
 * Finds the profile written for `prefix` since `sinceMs`, prints its top op types over the last
 * `runs` runs and returns the details to keep (undefined, with a logged line, if none was found).
 */
export function reportProfile(
  prefix: string,
  sinceMs: number,
  runs: number,
  log: (m: string) => void,
): Record<string, unknown> | undefined {
  const file = findProfileFile(prefix, sinceMs);
  if (!file) {
    log(`no profile file found for prefix ${prefix}`);
    return undefined;
  }
  const prof = summarizeProfile(file, runs);
  const top = prof.ops.slice(0, TOP_OPS);
  log(
    `profile ${path.relative(process.cwd(), file)}: node time ${prof.nodeMsPerRun.toFixed(0)} ms per run ` +
      `(${prof.countedRuns} run${prof.countedRuns === 1 ? '' : 's'} counted, earlier runs excluded)`,
  );
  log(
    `${'op type'.padEnd(28)} ${'ms/run'.padStart(9)} ${'share'.padStart(7)} ${'calls/run'.padStart(9)}`,
  );
  for (const o of top) {
    log(
      `${o.name.padEnd(28)} ${o.perRunMs.toFixed(1).padStart(9)} ${`${o.percent.toFixed(1)}%`.padStart(7)} ${(o.calls / prof.countedRuns).toFixed(0).padStart(9)}`,
    );
  }
  return {
    file: prof.file,
    counted_runs: prof.countedRuns,
    node_ms_per_run: Number(prof.nodeMsPerRun.toPrecision(4)),
    top_ops: top.map(roundOp),
    top_nodes: prof.nodes.slice(0, 25).map(roundOp),
  };
}
