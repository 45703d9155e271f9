/** The bench's printed table: every figure by section, then the headline figures. */
import type { FigureValue } from './section';

/** Unit of a figure, from its key's suffix. */
export function unitOf(key: string): string {
  if (key.endsWith('_ms') || key.includes('_ms_')) return 'ms';
  if (key.endsWith('_mib') || key.includes('_mib_')) return 'MiB';
  if (key.endsWith('_gflops') || key.includes('_gflops_')) return 'GFLOP/s';
  if (key.endsWith('tflop_per_query')) return 'TFLOP';
  if (key.endsWith('_per_s')) return 'images/s';
  if (key.includes('speedup') || key.endsWith('_multiple')) return '×';
  return '';
}

/** A figure as printed: integers as is, others to 4 significant digits. */
export function formatValue(v: FigureValue): string {
  if (v === null) return '—';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4);
  }
  return String(v);
}

/** Prints `groups` (section name → figures) as aligned key/value/unit lines. */
export function printTable(groups: readonly [string, Record<string, FigureValue>][]): void {
  const keys = groups.flatMap(([, f]) => Object.keys(f));
  const width = Math.max(10, ...keys.map((k) => k.length));
  for (const [name, figures] of groups) {
    if (Object.keys(figures).length === 0) continue;
    console.log(`\n  ${name}`);
    for (const [k, v] of Object.entries(figures)) {
      const unit = v === null ? '' : unitOf(k);
      console.log(`    ${k.padEnd(width)}  ${formatValue(v).padStart(10)} ${unit}`.trimEnd());
    }
  }
}

const pct = (v: FigureValue): string =>
  typeof v === 'number' ? `${(100 * v).toFixed(v >= 0.995 && v < 1 ? 2 : 1)}%` : '—';
const num = (v: FigureValue, digits = 0): string =>
  typeof v === 'number' ? v.toFixed(digits) : '—';

/** The few lines a reader wants first (only those whose figures were measured). */
export function printHeadline(f: Record<string, FigureValue>): void {
  const lines: [string, string][] = [];
  if ('cpu_fp32_gflops' in f) {
    lines.push([
      'CPU fp32, one query',
      `${num(f['cpu_fp32_latency_ms'])} ms median (min ${num(f['cpu_fp32_latency_min_ms'])}), ` +
        `${num(f['cpu_fp32_gflops'])} GFLOP/s = ${pct(f['cpu_fp32_peak_fraction'])} of the ` +
        `${num(f['cpu_fp32_peak_gflops'])} GFLOP/s peak`,
    ]);
  }
  if ('cpu_fast_speedup' in f) {
    lines.push([
      'CPU int8 fast path',
      `${num(f['cpu_fast_latency_ms'])} ms median, ${num(f['cpu_fast_speedup'], 2)}× fp32 ` +
        `(interleaved; minima ${num(f['cpu_fast_speedup_min'], 2)}×)`,
    ]);
    lines.push([
      'int8 vs fp32 error',
      `random inputs max ${formatValue(f['cpu_fast_max_abs_err'] ?? null)} / mean ` +
        `${formatValue(f['cpu_fast_mean_abs_err'] ?? null)}; fixture max ` +
        `${formatValue(f['fixture_int8_max_abs_err'] ?? null)} / mean ${formatValue(f['fixture_int8_mean_abs_err'] ?? null)}; ` +
        `mask agreement ${pct(f['cpu_fast_mask_agreement'])} (random weights)`,
    ]);
  }
  if ('batch_efficiency' in f) {
    lines.push([
      `Batch (${f['batch_precision']}, ${f['batch_images']} images)`,
      `${num(f['batch_images_per_s'], 3)} images/s vs model-only ${num(f['model_only_images_per_s'], 3)} ` +
        `= ${pct(f['batch_efficiency'])}; RSS ${num(f['batch_rss_start_mib'])} → ${num(f['batch_rss_end_mib'])} MiB`,
    ]);
  }
  if ('flat_rss_at_end_mib' in f) {
    lines.push([
      `Memory over ${f['flat_images']} images`,
      `RSS ${num(f['flat_rss_at_100_mib'])} MiB at 100, ${num(f['flat_rss_at_end_mib'])} MiB at the end`,
    ]);
  }
  if ('load_ms' in f) {
    lines.push([
      'Cold start fp32 / int8',
      `load ${num(f['load_ms'])} / ${num(f['load_ms_int8'])} ms, first query ` +
        `${num(f['first_query_ms'])} / ${num(f['first_query_ms_int8'])} ms`,
    ]);
  }
  if (lines.length === 0) return;
  const width = Math.max(...lines.map(([k]) => k.length));
  console.log('\n  headline');
  for (const [k, v] of lines) console.log(`    ${k.padEnd(width)}  ${v}`);
}
