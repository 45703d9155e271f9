/**
 * Section `latency`: what a person waits for in the editor. Model load (session creation) and the
 * first queries, fp32 and int8, each in a fresh process. Measures the engine as it is, the full
 * graph with the engine's options, and memory-pattern planning on; `--latency-sweep` (or `--latency-variants`) tries the variants in
 * coldStart.ts, `--latency-repeats N` repeats every cold start (rotating the order) and reports
 * medians.
 */
import type { Precision } from '../../src/engine/onnx/graphBuilder';
import { coldStart, VARIANTS, type SessionVariant } from '../coldStart';
import type { ColdReply } from '../coldWorker';
import type { FigureValue, Section } from '../section';
import { round, summarize } from '../stats';

/**
 * The variant always measured beside the engine: onnxruntime's default memory-pattern planning,
 * which the engine turns off on the CPU (same speed, a lower peak).
 */
export const COMPARED_VARIANT = 'mem-pattern';

/** What the option variants are compared with: the full graph with the engine's options. */
const BASELINE = 'full-graph';

type Cold = Extract<ColdReply, { ok: true }>;

/** The variant called `name`. */
export function sessionVariant(name: string): SessionVariant {
  const v = VARIANTS.find((x) => x.name === name);
  if (!v) throw new Error(`no session variant ${name}`);
  return v;
}

const median = (xs: number[]): number => summarize(xs).median;

/** Element-wise medians of repeated cold starts of one variant and precision. */
function medianCold(rs: readonly Cold[]): Cold {
  const at = (f: (r: Cold) => number[]): number[] =>
    (f(rs[0] as Cold) ?? []).map((_, i) => median(rs.map((r) => f(r)[i] as number)));
  return {
    ok: true,
    loadMs: median(rs.map((r) => r.loadMs)),
    runMs: at((r) => r.runMs),
    cpuMs: at((r) => r.cpuMs),
    sysMs: at((r) => r.sysMs),
    minorFaults: at((r) => r.minorFaults),
    rssAfterLoadMib: median(rs.map((r) => r.rssAfterLoadMib)),
    rssAfterRunsMib: at((r) => r.rssAfterRunsMib),
    peakRssMib: median(rs.map((r) => r.peakRssMib)),
  };
}

function line(name: string, p: string, r: Cold): string {
  return (
    `${name.padEnd(28)} ${p.padEnd(5)} ${r.loadMs.toFixed(0).padStart(7)} ` +
    r.runMs.map((m) => m.toFixed(0).padStart(8)).join(' ') +
    `  ${`${r.peakRssMib.toFixed(0)} MiB`.padStart(9)}  ` +
    r.sysMs.map((m, i) => `${m.toFixed(0)}/${Math.round(r.minorFaults[i] ?? 0)}`).join(' ')
  );
}

export const latencySection: Section = {
  name: 'latency',
  summary:
    'cold start in a fresh process: model load and first queries, fp32 and int8, session options',
  async run(ctx) {
    const { opts } = ctx;
    const names = opts.latencyVariants ?? (opts.latencySweep ? VARIANTS.map((v) => v.name) : []);
    const variants = [...new Set(['engine', BASELINE, COMPARED_VARIANT, ...names])].map(
      sessionVariant,
    );
    const runs = opts.latencySweep || opts.latencyVariants ? 3 : 2;
    const precisions: Precision[] = ['fp32', 'int8'];
    const paths = new Map<Precision, string>();
    for (const p of precisions) paths.set(p, (await ctx.model(p)).modelPath);

    const results = new Map<string, Cold[]>();
    const header =
      `${'variant'.padEnd(28)} ${'model'.padEnd(5)} ${'load'.padStart(7)} ` +
      Array.from({ length: runs }, (_, i) => `run ${i + 1}`.padStart(8)).join(' ') +
      `  ${'peak RSS'.padStart(9)}  system ms / minor faults per run`;
    ctx.log(header);
    for (let rep = 0; rep < opts.latencyRepeats; rep++) {
      // Rotate the variant order each repeat and alternate the precision order, so no variant
      // always meets the same machine state.
      const order = variants.map((_, i) => variants[(i + rep) % variants.length] as SessionVariant);
      for (const [k, v] of order.entries()) {
        for (const p of (k + rep) % 2 === 0 ? precisions : [...precisions].reverse()) {
          await ctx.settle();
          const r = await coldStart(paths.get(p) as string, v, {
            threads: opts.threads,
            runs,
            seed: opts.seed,
          });
          const key = `${v.name}/${p}`;
          results.set(key, [...(results.get(key) ?? []), r]);
          ctx.log(line(v.name, p, r));
        }
      }
    }
    const get = (name: string, p: Precision): Cold => {
      const rs = results.get(`${name}/${p}`);
      if (!rs?.length) throw new Error(`no cold start for ${name}/${p}`);
      return medianCold(rs);
    };
    if (opts.latencyRepeats > 1) {
      ctx.log(`medians of ${opts.latencyRepeats} repeats:`);
      ctx.log(header);
      for (const v of variants)
        for (const p of precisions) ctx.log(line(v.name, p, get(v.name, p)));
    }

    const figures: Record<string, FigureValue> = {};
    for (const p of precisions) {
      const sfx = p === 'fp32' ? '' : `_${p}`;
      const e = get('engine', p);
      const b = get(BASELINE, p);
      const a = get(COMPARED_VARIANT, p);
      Object.assign(figures, {
        [`load_ms${sfx}`]: round(e.loadMs),
        [`first_query_ms${sfx}`]: round(e.runMs[0] as number),
        [`second_query_ms${sfx}`]: round(e.runMs[1] as number),
        [`time_to_first_mask_ms${sfx}`]: round(e.loadMs + (e.runMs[0] as number)),
        [`cold_peak_rss_mib${sfx}`]: round(e.peakRssMib),
        [`first_query_ms${sfx}_full_graph`]: round(b.runMs[0] as number),
        [`second_query_ms${sfx}_full_graph`]: round(b.runMs[1] as number),
        [`cold_peak_rss_mib${sfx}_full_graph`]: round(b.peakRssMib),
        [`first_query_ms${sfx}_mem_pattern`]: round(a.runMs[0] as number),
        [`second_query_ms${sfx}_mem_pattern`]: round(a.runMs[1] as number),
        [`cold_peak_rss_mib${sfx}_mem_pattern`]: round(a.peakRssMib),
      });
    }
    figures['latency_repeats'] = opts.latencyRepeats;
    figures['latency_compared_variant'] = COMPARED_VARIANT;
    figures['latency_compared_options'] = JSON.stringify(
      sessionVariant(COMPARED_VARIANT).sessionOptions ?? {},
    );
    const details = {
      runs_per_cold_start: runs,
      repeats: opts.latencyRepeats,
      variants: variants.map((v) => ({
        name: v.name,
        note: v.note,
        session_options: v.sessionOptions ?? null,
        env: v.env ?? null,
        results: Object.fromEntries(
          precisions.map((p) => [
            p,
            (results.get(`${v.name}/${p}`) ?? []).map((r) => ({
              load_ms: round(r.loadMs),
              run_ms: r.runMs.map((m) => round(m)),
              cpu_ms: r.cpuMs.map((m) => round(m)),
              sys_ms: r.sysMs.map((m) => round(m)),
              minor_faults: r.minorFaults,
              rss_after_load_mib: round(r.rssAfterLoadMib),
              rss_after_runs_mib: r.rssAfterRunsMib.map((m) => round(m)),
              peak_rss_mib: round(r.peakRssMib),
            })),
          ]),
        ),
      })),
    };
    return { figures, details };
  },
};
