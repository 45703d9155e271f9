/** What the bench knows before any section runs: config, model label, work per query, context. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig, VIT_LARGE, type SegGptConfig } from '../src/engine/config';
import type { Precision } from '../src/engine/onnx/graphBuilder';
import { docNominalFlops, forwardFlops, isVitLargeShape, NOMINAL_VIT_L_FLOPS } from './flops';
import { waitQuiet } from './machine';
import { configHash, ensureModel, type CachedModel } from './modelCache';
import { UsageError } from './options';
import { makeQuery } from './query';
import type { BenchContext, BenchOptions } from './section';

/** Models and converted files live here between runs. */
export const CACHE_DIR = path.resolve('.cache', 'bench');

/** The config to bench: ViT-L, or the HF config.json given with --config. */
export function loadConfig(configPath: string | undefined): SegGptConfig {
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

/** Which model is benched and how much work one query is. */
export function describeModel(opts: BenchOptions, config: SegGptConfig) {
  const vitL = isVitLargeShape(config, VIT_LARGE);
  return {
    isVitL: !opts.configPath && vitL,
    label: opts.configPath ? `config-${configHash(config)}` : 'vit-large',
    flops: forwardFlops(config, 1),
    nominalFlops: vitL ? NOMINAL_VIT_L_FLOPS : docNominalFlops(config),
  };
}

const madeDirs: string[] = [];
let cleanupInstalled = false;

function removeTempDirs(): void {
  for (const d of madeDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/**
 * A fresh temporary folder, removed when the process exits or is interrupted (SIGINT/SIGTERM;
 * the handlers are installed with the first folder).
 */
export function benchTempDir(prefix: string): string {
  if (!cleanupInstalled) {
    cleanupInstalled = true;
    process.on('exit', removeTempDirs);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        removeTempDirs();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    }
  }
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `seggpt-bench-${prefix}-`));
  madeDirs.push(d);
  return d;
}

/** The context sections run with; `waitedMs()` is the time `settle()` spent waiting. */
export function makeContext(
  opts: BenchOptions,
  config: SegGptConfig,
  log: (msg: string) => void,
): BenchContext & { waitedMs(): number } {
  const { label, flops, nominalFlops } = describeModel(opts, config);
  const models = new Map<Precision, Promise<CachedModel>>();
  let waited = 0;
  return {
    opts,
    config,
    label,
    flops,
    nominalFlops,
    cacheDir: CACHE_DIR,
    query: makeQuery(config, opts.seed),
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
          log,
        });
        models.set(precision, m);
      }
      return m;
    },
    log,
    tempDir: benchTempDir,
    async settle() {
      if (opts.waitQuietMs > 0) waited += await waitQuiet(opts.waitQuietMs);
    },
    waitedMs: () => waited,
  };
}
