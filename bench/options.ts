/** Command line of `npm run bench`: parsing and the usage text. */
import * as os from 'node:os';
import type { Precision } from '../src/engine/onnx/graphBuilder';
import { VARIANTS } from './coldStart';
import type { BenchOptions, Section } from './section';

/** A bad command line (printed with the usage text, exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Defaults of the options that have them. */
export const DEFAULTS = {
  runs: 3,
  warmup: 1,
  batchImages: 16,
  batchSize: 1,
  batchPrecision: 'int8' as Precision,
  flatImages: 1000,
  hostImages: 240,
  hostBatchMs: 88,
  agreementImages: 8,
  waitQuietS: 0,
  latencyRepeats: 1,
} as const;

/** The usage text, listing `sections`. */
export function usage(sections: readonly Section[], cacheDir: string): string {
  return `Usage: npm run bench -- [options]   (or: node out/bench/bench.js [options])

Benchmarks the SegGPT engine on random weights (ViT-L unless --config). Models are converted
once into ${cacheDir}/ and reused while the engine's graph code, seed and config are unchanged.
Timings are noisy when other work runs: the load average and CPU pressure are recorded with
every section, A/B comparisons are interleaved, and min and median are both reported.

Options:
  --runs N             timed runs (default ${DEFAULTS.runs}; cpu-fast: interleaved fp32/int8 pairs)
  --warmup N           untimed runs before them (default ${DEFAULTS.warmup}; the first one is the
                       first query). On ViT-L the 2nd run still pays for fresh arena pages
  --threads N          intra-op threads for CPU sessions (default ${os.availableParallelism()})
  --json FILE          also write every figure as JSON to FILE
  --config FILE        bench this HF config.json instead of ViT-L (cache names carry its hash)
  --profile            onnxruntime profiling (cpu-fp32 and the int8 model in cpu-fast); prints
                       the top op types by time
  --only NAMES         run only these sections (comma-separated): ${sections.map((s) => s.name).join(', ')}
  --agreement-images N synthetic images for the int8/fp32 mask agreement (default ${DEFAULTS.agreementImages})
  --batch-images N     images in the batch section's folder (default ${DEFAULTS.batchImages})
  --batch-size N       queries per model run in the batch section (default ${DEFAULTS.batchSize})
  --batch-precision P  model of the batch section: fp32 or int8 (default ${DEFAULTS.batchPrecision})
  --flat-images N      images of the memory-flatness run, tiny model (default ${DEFAULTS.flatImages}; 0 skips it)
  --host-images N      job-host: JPEGs in its folder (default ${DEFAULTS.hostImages})
  --host-batch-ms MS   job-host: time each stand-in session holds a batch of 8 (default
                       ${DEFAULTS.hostBatchMs}: two CUDA sessions on an H200, 181 queries/s)
  --latency-sweep      latency: also try every session-option variant (slower)
  --latency-variants V latency: also try these variants (comma-separated): ${VARIANTS.map((v) => v.name).join(', ')}
  --latency-repeats N  latency: cold starts per variant and precision, medians reported (default ${DEFAULTS.latencyRepeats})
  --wait-quiet S       before each timed sample, wait up to S seconds until other processes
                       pause (a shared machine); the time waited is recorded (default 0: off)
  --in-process         run all sections in this process (default: a fresh process each)
  --rebuild            rebuild the cached models even if their stamps match
  --seed N             seed of the random weights (default 0)
  --help               this text

Sections:
${sections.map((s) => `  ${s.name.padEnd(16)} ${s.summary}`).join('\n')}
`;
}

function integer(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} needs an integer ≥ ${min}, got ${v ?? 'nothing'}`);
  }
  return n;
}

/** Parses argv; returns undefined when --help was asked for. */
export function parseArgs(
  argv: readonly string[],
  sections: readonly Section[],
): BenchOptions | undefined {
  const o: { -readonly [K in keyof BenchOptions]: BenchOptions[K] } = {
    runs: DEFAULTS.runs,
    warmup: DEFAULTS.warmup,
    threads: os.availableParallelism(),
    profile: false,
    rebuild: false,
    seed: 0,
    batchImages: DEFAULTS.batchImages,
    batchSize: DEFAULTS.batchSize,
    batchPrecision: DEFAULTS.batchPrecision,
    flatImages: DEFAULTS.flatImages,
    hostImages: DEFAULTS.hostImages,
    hostBatchMs: DEFAULTS.hostBatchMs,
    agreementImages: DEFAULTS.agreementImages,
    latencySweep: false,
    latencyRepeats: DEFAULTS.latencyRepeats,
    waitQuietMs: DEFAULTS.waitQuietS * 1000,
    inProcess: false,
  };
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
        o.runs = integer(flag, value(), 1);
        break;
      case '--warmup':
        o.warmup = integer(flag, value(), 1);
        break;
      case '--threads':
        o.threads = integer(flag, value(), 1);
        break;
      case '--json':
        o.json = str();
        break;
      case '--config':
        o.configPath = str();
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--only': {
        const only = str()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = only.filter((n) => !sections.some((s) => s.name === n));
        if (unknown.length > 0) {
          throw new UsageError(
            `unknown section(s) ${unknown.join(', ')}; known: ${sections.map((s) => s.name).join(', ')}`,
          );
        }
        o.only = only;
        break;
      }
      case '--agreement-images':
        o.agreementImages = integer(flag, value(), 1);
        break;
      case '--batch-images':
        o.batchImages = integer(flag, value(), 1);
        break;
      case '--batch-size':
        o.batchSize = integer(flag, value(), 1);
        break;
      case '--batch-precision': {
        const p = str();
        if (p !== 'fp32' && p !== 'int8') {
          throw new UsageError(`--batch-precision must be fp32 or int8, got ${p}`);
        }
        o.batchPrecision = p;
        break;
      }
      case '--flat-images':
        o.flatImages = integer(flag, value(), 0);
        break;
      case '--host-images':
        o.hostImages = integer(flag, value(), 8);
        break;
      case '--host-batch-ms':
        o.hostBatchMs = integer(flag, value(), 1);
        break;
      case '--latency-sweep':
        o.latencySweep = true;
        break;
      case '--latency-variants': {
        const names = str()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = names.filter((n) => !VARIANTS.some((v) => v.name === n));
        if (unknown.length > 0) {
          throw new UsageError(
            `unknown variant(s) ${unknown.join(', ')}; known: ${VARIANTS.map((v) => v.name).join(', ')}`,
          );
        }
        o.latencyVariants = names;
        break;
      }
      case '--latency-repeats':
        o.latencyRepeats = integer(flag, value(), 1);
        break;
      case '--wait-quiet':
        o.waitQuietMs = integer(flag, value(), 0) * 1000;
        break;
      case '--in-process':
        o.inProcess = true;
        break;
      case '--section-out':
        o.sectionOut = str();
        break;
      case '--rebuild':
        o.rebuild = true;
        break;
      case '--seed':
        o.seed = integer(flag, value(), 0);
        break;
      default:
        throw new UsageError(`unknown argument ${a}`);
    }
  }
  return o;
}
