/**
 * `npm run bench`: speed, fidelity and memory of the SegGPT engine on random weights.
 *
 * Builds (or reuses) random-weight models of the full ViT-L config in .cache/bench/, then runs
 * the selected sections (see section.ts), each in a fresh process, and prints a table;
 * `--json FILE` writes every figure with the machine description.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, geometryOf, type SegGptConfig } from '../src/engine/config';
import { CACHE_DIR, describeModel, loadConfig } from './context';
import { cpuPeak } from './cpuPeak';
import { loadSnapshot, machineInfo } from './machine';
import { parseArgs, usage, UsageError } from './options';
import { childMain, runHere, runInChild, type SectionOutcome } from './runner';
import type { BenchOptions, FigureValue, Section } from './section';
import { batchSection } from './sections/batch';
import { cpuFastSection } from './sections/cpuFast';
import { cpuFp32Section } from './sections/cpuFp32';
import { gemmSection } from './sections/gemm';
import { jobHostSection } from './sections/jobHost';
import { latencySection } from './sections/latency';
import { round } from './stats';
import { printHeadline, printTable } from './table';

/** Every section, in the order they run. */
const SECTIONS: readonly Section[] = [
  gemmSection,
  cpuFp32Section,
  cpuFastSection,
  latencySection,
  batchSection,
  jobHostSection,
];

function printHeader(opts: BenchOptions, config: SegGptConfig, date: string): void {
  const { isVitL, label, flops, nominalFlops } = describeModel(opts, config);
  const machine = machineInfo();
  const peak = cpuPeak(opts.threads);
  const geo = geometryOf(config);
  console.log(`SegGPT bench — ${date}`);
  console.log(
    `machine: ${machine.cpu_model}, ${machine.cores} cores, ${machine.total_memory_gib} GiB, ` +
      `node ${machine.node_version}, onnxruntime-node ${machine.onnxruntime_node_version}, ` +
      `load avg ${machine.load_average_1m}, CPU pressure ${machine.cpu_pressure_avg10 ?? '?'}%`,
  );
  console.log(`fp32 peak: ${peak.fp32PeakGflops} GFLOP/s = ${peak.basis}`);
  console.log(
    `model: ${isVitL ? 'ViT-L' : label} (hidden ${config.hiddenSize}, ${config.numHiddenLayers} layers, ` +
      `canvas ${config.imageSize.join('×')}, ${geo.gridH}×${geo.gridW} patches)`,
  );
  const tf = (x: number): string => (x / 1e12).toFixed(x >= 1e11 ? 3 : 6);
  console.log(
    `work per query: ${tf(flops.total)} TFLOP (encoder ${tf(flops.encoder)}, decoder ${tf(flops.decoder)}); ` +
      `nominal ${tf(nominalFlops)} TFLOP; widened-attention extra ${tf(flops.widenedAttentionExtra)} TFLOP`,
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const cacheLabel = path.relative(process.cwd(), CACHE_DIR) || CACHE_DIR;
  let opts: BenchOptions | undefined;
  let config: SegGptConfig;
  try {
    opts = parseArgs(argv, SECTIONS);
    if (!opts) {
      process.stdout.write(usage(SECTIONS, cacheLabel));
      return 0;
    }
    config = loadConfig(opts.configPath);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`bench: ${err.message}\n`);
      console.error(usage(SECTIONS, cacheLabel));
      return 2;
    }
    throw err;
  }
  if (opts.sectionOut) return childMain(SECTIONS, opts, config);

  const date = new Date().toISOString();
  const machine = machineInfo();
  const peak = cpuPeak(opts.threads);
  const { isVitL, label, flops, nominalFlops } = describeModel(opts, config);
  printHeader(opts, config, date);

  const figures: Record<string, FigureValue> = {
    tflop_per_query: round(flops.total / 1e12, 5),
    nominal_tflop_per_query: round(nominalFlops / 1e12, 5),
  };
  const groups: [string, Record<string, FigureValue>][] = [['work', { ...figures }]];
  const details: Record<string, unknown> = {};
  const failed: string[] = [];
  const selected = SECTIONS.filter((s) => !opts.only || opts.only.includes(s.name));
  for (const section of selected) {
    const before = loadSnapshot();
    const t0 = performance.now();
    console.log(
      `\n[${section.name}] ${section.summary} (load avg ${before.load_average_1m}, ` +
        `CPU pressure ${before.cpu_pressure_avg10 ?? '?'}%)`,
    );
    const outcome: SectionOutcome = opts.inProcess
      ? await runHere(section, opts, config, (m) => console.log(`  ${m}`))
      : await runInChild(section.name, argv, __filename);
    const after = loadSnapshot();
    const secs = (performance.now() - t0) / 1000;
    console.log(`  ${section.name}: ${secs.toFixed(0)} s, load avg now ${after.load_average_1m}`);
    const own: Record<string, FigureValue> = {};
    if (outcome.ok) {
      for (const [k, v] of Object.entries(outcome.result.figures)) {
        if (k in figures) throw new Error(`section ${section.name} repeats figure ${k}`);
        figures[k] = v;
        own[k] = v;
      }
    } else {
      failed.push(section.name);
      console.error(`  section ${section.name} failed: ${outcome.error}`);
    }
    details[section.name] = {
      ...(outcome.ok ? outcome.result.details : { error: outcome.error }),
      load_before: before,
      load_after: after,
      seconds: round(secs),
    };
    groups.push([section.name, own]);
  }

  printTable(groups);
  printHeadline(figures);

  if (opts.json) {
    const out = {
      date,
      machine: { ...machine, fp32_peak_gflops: peak.fp32PeakGflops, fp32_peak_basis: peak.basis },
      model: {
        label,
        vit_large: isVitL,
        config_file: opts.configPath ? path.resolve(opts.configPath) : null,
        seed: opts.seed,
      },
      options: { ...opts, json: undefined, configPath: undefined, only: opts.only ?? null },
      sections: selected.map((s) => s.name),
      failed_sections: failed,
      load_average_1m_end: loadSnapshot().load_average_1m,
      ...figures,
      flops_per_query: { ...flops },
      details,
    };
    fs.mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
    fs.writeFileSync(opts.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`\nwrote ${opts.json}`);
  }
  return failed.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 1;
    },
  );
}
