/**
 * `npm run bench`: speed and memory of the SegGPT engine on random weights.
 *
 * Builds (or reuses) a random-weight model of the full ViT-L config in .cache/bench/, then runs
 * the selected sections (see section.ts) and prints a table; `--json FILE` writes every figure.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ConfigError,
  geometryOf,
  parseConfig,
  VIT_LARGE,
  type SegGptConfig,
} from '../src/engine/config';
import type { Precision } from '../src/engine/onnx/graphBuilder';
import { mulberry32 } from '../src/engine/randomWeights';
import type { ModelBatch } from '../src/engine/segGptSession';
import { docNominalFlops, forwardFlops, isVitLargeShape, NOMINAL_VIT_L_FLOPS } from './flops';
import { machineInfo } from './machine';
import { configHash, ensureModel, type CachedModel } from './modelCache';
import type { BenchContext, BenchOptions, FigureValue, Section } from './section';
import { cpuFp32Section } from './sections/cpuFp32';
import { round } from './stats';

/** Every section, in the order they run. Later sections may use results of earlier ones. */
const SECTIONS: readonly Section[] = [cpuFp32Section];

const CACHE_DIR = path.resolve('.cache', 'bench');

/** ImageNet normalization used by the engine's pre-processing (docs/seggpt-model.md §4). */
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function usage(): string {
  return `Usage: npm run bench -- [options]   (or: node out/bench/bench.js [options])

Benchmarks the SegGPT engine on random weights (ViT-L unless --config). The model is converted
once into ${path.relative(process.cwd(), CACHE_DIR) || CACHE_DIR}/ and reused while the engine's graph code, seed and
config are unchanged.

Options:
  --runs N         timed runs (default 5)
  --warmup N       untimed runs before them (default 1; the first one is the first query).
                   On ViT-L the 2nd run still pays for fresh arena pages: --warmup 2 for steady state
  --threads N      intra-op threads for CPU sessions (default os.availableParallelism() = ${os.availableParallelism()})
  --json FILE      also write every figure as JSON to FILE
  --config FILE    bench this HF config.json instead of ViT-L (cache names carry its hash)
  --profile        onnxruntime profiling; prints the top ${15} op types by time
  --only NAMES     run only these sections (comma-separated): ${SECTIONS.map((s) => s.name).join(', ')}
  --rebuild        rebuild the cached model even if its stamp matches
  --seed N         seed of the random weights (default 0)
  --help           this text

Sections:
${SECTIONS.map((s) => `  ${s.name.padEnd(16)} ${s.summary}`).join('\n')}
`;
}

function positiveInt(flag: string, v: string | undefined, min = 1): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} needs an integer ≥ ${min}, got ${v ?? 'nothing'}`);
  }
  return n;
}

/** Parses argv; returns undefined when --help was asked for. */
export function parseArgs(argv: readonly string[]): BenchOptions | undefined {
  let runs = 5;
  let warmup = 1;
  let threads = os.availableParallelism();
  let json: string | undefined;
  let configPath: string | undefined;
  let profile = false;
  let only: string[] | undefined;
  let rebuild = false;
  let seed = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? a.split(/=(.*)/s, 2) : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    const str = (): string => {
      const v = value();
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return undefined;
      case '--runs':
        runs = positiveInt(flag, value());
        break;
      case '--warmup':
        warmup = positiveInt(flag, value());
        break;
      case '--threads':
        threads = positiveInt(flag, value());
        break;
      case '--json':
        json = str();
        break;
      case '--config':
        configPath = str();
        break;
      case '--profile':
        profile = true;
        break;
      case '--only': {
        only = str()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = only.filter((n) => !SECTIONS.some((s) => s.name === n));
        if (unknown.length > 0) {
          throw new UsageError(
            `unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.name).join(', ')}`,
          );
        }
        break;
      }
      case '--rebuild':
        rebuild = true;
        break;
      case '--seed':
        seed = positiveInt(flag, value(), 0);
        break;
      default:
        throw new UsageError(`unknown argument ${a}`);
    }
  }
  return { runs, warmup, threads, json, configPath, profile, only, rebuild, seed };
}

/** One query of random normalized inputs: rows 1, one prompt, instance. */
function makeQuery(config: SegGptConfig, seed: number): ModelBatch {
  const { inputH: h, inputW: w } = geometryOf(config);
  const plane = h * w;
  const rand = mulberry32(seed ^ 0x5eed);
  const image = (): Float32Array => {
    const out = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < plane; i++) {
        out[c * plane + i] = (rand() - (MEAN[c] as number)) / (STD[c] as number);
      }
    }
    return out;
  };
  // A binary mask (black / white) in blocks of 32 pixels, normalized like the engine's masks.
  const mask = new Float32Array(3 * plane);
  const cell = 32;
  const on = new Map<number, boolean>();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const key = Math.floor(y / cell) * 1e6 + Math.floor(x / cell);
      let v = on.get(key);
      if (v === undefined) {
        v = rand() < 0.5;
        on.set(key, v);
      }
      for (let c = 0; c < 3; c++) {
        mask[c * plane + y * w + x] = ((v ? 1 : 0) - (MEAN[c] as number)) / (STD[c] as number);
      }
    }
  }
  return {
    pixelValues: image(),
    promptPixelValues: image(),
    promptMasks: mask,
    rows: 1,
    semantic: false,
    ensembleSize: 1,
  };
}

function loadConfig(configPath: string | undefined): SegGptConfig {
  if (!configPath) return parseConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `cannot read ${configPath}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parseConfig(raw);
}

/** Unit of a figure, from its key's suffix (for the table). */
function unitOf(key: string): string {
  if (key.endsWith('_ms')) return 'ms';
  if (key.endsWith('_mib')) return 'MiB';
  if (key.endsWith('_gflops') || key.endsWith('_gflops_nominal')) return 'GFLOP/s';
  if (key.endsWith('tflop_per_query')) return 'TFLOP';
  return '';
}

function formatValue(v: FigureValue): string {
  if (v === null) return '—';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4);
  }
  return String(v);
}

function printTable(figures: Record<string, FigureValue>): void {
  const keys = Object.keys(figures);
  const width = Math.max(...keys.map((k) => k.length));
  console.log('');
  for (const k of keys) {
    const v = figures[k] as FigureValue;
    const unit = v === null ? '' : unitOf(k);
    console.log(`  ${k.padEnd(width)}  ${formatValue(v).padStart(10)} ${unit}`.trimEnd());
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let opts: BenchOptions | undefined;
  let config: SegGptConfig;
  try {
    opts = parseArgs(argv);
    if (!opts) {
      process.stdout.write(usage());
      return 0;
    }
    config = loadConfig(opts.configPath);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`bench: ${err.message}\n`);
      console.error(usage());
      return 2;
    }
    throw err;
  }

  const isVitL = !opts.configPath && isVitLargeShape(config, VIT_LARGE);
  const label = opts.configPath ? `config-${configHash(config)}` : 'vit-large';
  const flops = forwardFlops(config, 1);
  const nominalFlops = isVitLargeShape(config, VIT_LARGE)
    ? NOMINAL_VIT_L_FLOPS
    : docNominalFlops(config);
  const machine = machineInfo();
  const date = new Date().toISOString();
  const geo = geometryOf(config);

  console.log(`SegGPT bench — ${date}`);
  console.log(
    `machine: ${machine.cpu_model}, ${machine.cores} cores, ${machine.total_memory_gib} GiB, ` +
      `node ${machine.node_version}, onnxruntime-node ${machine.onnxruntime_node_version}, ` +
      `load avg ${machine.load_average_1m}`,
  );
  console.log(
    `model: ${isVitL ? 'ViT-L' : label} (hidden ${config.hiddenSize}, ${config.numHiddenLayers} layers, ` +
      `canvas ${config.imageSize.join('×')}, ${geo.gridH}×${geo.gridW} patches)`,
  );
  const tf = (x: number): string => (x / 1e12).toFixed(x >= 1e11 ? 3 : 6);
  console.log(
    `work per query: ${tf(flops.total)} TFLOP (encoder ${tf(flops.encoder)}, decoder ${tf(flops.decoder)}); ` +
      `nominal ${tf(nominalFlops)} TFLOP; widened-attention extra ${tf(flops.widenedAttentionExtra)} TFLOP`,
  );

  const models = new Map<Precision, Promise<CachedModel>>();
  const query = makeQuery(config, opts.seed);
  let prefix = '';
  const ctx: BenchContext = {
    opts,
    config,
    label,
    flops,
    nominalFlops,
    cacheDir: CACHE_DIR,
    query,
    shared: {},
    model(precision) {
      let m = models.get(precision);
      if (!m) {
        m = ensureModel({
          dir: CACHE_DIR,
          name: label,
          config,
          precision,
          seed: opts.seed,
          rebuild: opts.rebuild,
          log: (s) => console.log(`${prefix}${s}`),
        });
        models.set(precision, m);
      }
      return m;
    },
    log: (s) => console.log(`${prefix}${s}`),
  };

  const figures: Record<string, FigureValue> = {
    tflop_per_query: round(flops.total / 1e12, 5),
    nominal_tflop_per_query: round(nominalFlops / 1e12, 5),
  };
  const details: Record<string, unknown> = {};
  const failed: string[] = [];
  const selected = SECTIONS.filter((s) => !opts.only || opts.only.includes(s.name));
  for (const section of selected) {
    console.log(`\n[${section.name}] ${section.summary}`);
    prefix = '  ';
    try {
      const result = await section.run(ctx);
      for (const [k, v] of Object.entries(result.figures)) {
        if (k in figures) throw new Error(`section ${section.name} repeats figure ${k}`);
        figures[k] = v;
      }
      if (result.details) details[section.name] = result.details;
    } catch (err) {
      failed.push(section.name);
      const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
      console.error(`  section ${section.name} failed: ${msg}`);
      details[section.name] = { error: err instanceof Error ? err.message : String(err) };
    }
    prefix = '';
  }

  printTable(figures);

  if (opts.json) {
    const out = {
      date,
      machine,
      model: {
        label,
        vit_large: isVitL,
        config_file: opts.configPath ? path.resolve(opts.configPath) : null,
        seed: opts.seed,
      },
      options: {
        runs: opts.runs,
        threads: opts.threads,
        profile: opts.profile,
        only: opts.only ?? null,
      },
      sections: selected.map((s) => s.name),
      failed_sections: failed,
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
