/**
 * Section `latency`: what a person waits for in the editor. Model load (session creation) and the
 * first queries, fp32 and int8, each in a fresh process. Always measures the engine as it is and
 * the advised session options; `--latency-sweep` tries every variant in coldStart.ts.
 */
import type { Precision } from '../../src/engine/onnx/graphBuilder';
import { coldStart, VARIANTS, type SessionVariant } from '../coldStart';
import type { ColdReply } from '../coldWorker';
import type { FigureValue, Section } from '../section';
import { round } from '../stats';

/** The variant advised for `SegGptSession.load` (see the report of the sweep). */
export const ADVISED_VARIANT = 'no-mem-pattern';

type Cold = Extract<ColdReply, { ok: true }>;

function variant(name: string): SessionVariant {
  const v = VARIANTS.find((x) => x.name === name);
  if (!v) throw new Error(`no session variant ${name}`);
  return v;
}

export const latencySection: Section = {
  name: 'latency',
  summary:
    'cold start in a fresh process: model load and first queries, fp32 and int8, session options',
  async run(ctx) {
    const { opts } = ctx;
    const variants = opts.latencySweep ? VARIANTS : [variant('engine'), variant(ADVISED_VARIANT)];
    const runs = opts.latencySweep ? 3 : 2;
    const precisions: Precision[] = ['fp32', 'int8'];
    const paths = new Map<Precision, string>();
    for (const p of precisions) paths.set(p, (await ctx.model(p)).modelPath);

    const results = new Map<string, Cold>();
    ctx.log(
      `${'variant'.padEnd(28)} ${'model'.padEnd(5)} ${'load'.padStart(7)} ` +
        Array.from({ length: runs }, (_, i) => `run ${i + 1}`.padStart(8)).join(' ') +
        `  ${'peak RSS'.padStart(9)}  system ms / minor faults per run`,
    );
    for (const [k, v] of variants.entries()) {
      // Alternate which precision goes first, so neither always meets the same machine state.
      const order = k % 2 === 0 ? precisions : [...precisions].reverse();
      for (const p of order) {
        await ctx.settle();
        const r = await coldStart(paths.get(p) as string, v, {
          threads: opts.threads,
          runs,
          seed: opts.seed,
        });
        results.set(`${v.name}/${p}`, r);
        ctx.log(
          `${v.name.padEnd(28)} ${p.padEnd(5)} ${r.loadMs.toFixed(0).padStart(7)} ` +
            r.runMs.map((m) => m.toFixed(0).padStart(8)).join(' ') +
            `  ${`${r.peakRssMib.toFixed(0)} MiB`.padStart(9)}  ` +
            r.sysMs.map((m, i) => `${m.toFixed(0)}/${r.minorFaults[i] ?? 0}`).join(' '),
        );
      }
    }

    const get = (name: string, p: Precision): Cold => {
      const r = results.get(`${name}/${p}`);
      if (!r) throw new Error(`no cold start for ${name}/${p}`);
      return r;
    };
    const figures: Record<string, FigureValue> = {};
    for (const p of precisions) {
      const sfx = p === 'fp32' ? '' : `_${p}`;
      const e = get('engine', p);
      const a = get(ADVISED_VARIANT, p);
      Object.assign(figures, {
        [`load_ms${sfx}`]: round(e.loadMs),
        [`first_query_ms${sfx}`]: round(e.runMs[0] as number),
        [`second_query_ms${sfx}`]: round(e.runMs[1] as number),
        [`time_to_first_mask_ms${sfx}`]: round(e.loadMs + (e.runMs[0] as number)),
        [`cold_peak_rss_mib${sfx}`]: round(e.peakRssMib),
        [`load_ms${sfx}_advised`]: round(a.loadMs),
        [`first_query_ms${sfx}_advised`]: round(a.runMs[0] as number),
        [`second_query_ms${sfx}_advised`]: round(a.runMs[1] as number),
        [`cold_peak_rss_mib${sfx}_advised`]: round(a.peakRssMib),
      });
    }
    figures['latency_advised_variant'] = ADVISED_VARIANT;
    figures['latency_advised_options'] = JSON.stringify(
      variant(ADVISED_VARIANT).sessionOptions ?? {},
    );
    if (opts.latencySweep) {
      // The variant with the smallest first-query time summed over both precisions.
      const best = [...VARIANTS].sort(
        (x, y) =>
          precisions.reduce((s, p) => s + (get(x.name, p).runMs[0] as number), 0) -
          precisions.reduce((s, p) => s + (get(y.name, p).runMs[0] as number), 0),
      )[0] as SessionVariant;
      figures['latency_sweep_best_variant'] = best.name;
    }
    const details = {
      runs_per_cold_start: runs,
      variants: variants.map((v) => ({
        name: v.name,
        note: v.note,
        session_options: v.sessionOptions ?? null,
        env: v.env ?? null,
        results: Object.fromEntries(
          precisions.map((p) => {
            const r = get(v.name, p);
            return [
              p,
              {
                load_ms: round(r.loadMs),
                run_ms: r.runMs.map((m) => round(m)),
                cpu_ms: r.cpuMs.map((m) => round(m)),
                sys_ms: r.sysMs.map((m) => round(m)),
                minor_faults: r.minorFaults,
                rss_after_load_mib: round(r.rssAfterLoadMib),
                rss_after_runs_mib: r.rssAfterRunsMib.map((m) => round(m)),
                peak_rss_mib: round(r.peakRssMib),
              },
            ];
          }),
        ),
      })),
    };
    return { figures, details };
  },
};
