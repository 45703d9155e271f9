/** What machine a benchmark ran on, recorded with every result. */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** Machine description (the `machine` key of the JSON results). */
export interface MachineInfo {
  readonly cpu_model: string;
  readonly cores: number;
  readonly available_parallelism: number;
  readonly total_memory_gib: number;
  readonly node_version: string;
  readonly onnxruntime_node_version: string;
  readonly platform: string;
  readonly arch: string;
  /** SIMD features that matter for onnxruntime's CPU kernels (Linux only; empty elsewhere). */
  readonly cpu_flags: string[];
  /** 1-minute load average when the bench started: other work on the machine makes timings noisy. */
  readonly load_average_1m: number;
  /** Share of the last 10 s in which some task waited for a CPU (Linux PSI, %); null if unknown. */
  readonly cpu_pressure_avg10: number | null;
}

/** How busy the machine is right now (recorded before and after each section). */
export interface LoadSnapshot {
  readonly load_average_1m: number;
  /** Linux PSI "some avg10" for the CPU, %; null where the kernel does not report it. */
  readonly cpu_pressure_avg10: number | null;
}

/** Linux pressure-stall information for the CPU: % of the last 10 s some task waited. */
export function cpuPressure(): number | null {
  try {
    const m = /some avg10=([\d.]+)/.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The load average and CPU pressure now. */
export function loadSnapshot(): LoadSnapshot {
  return {
    load_average_1m: Number((os.loadavg()[0] ?? 0).toFixed(2)),
    cpu_pressure_avg10: cpuPressure(),
  };
}

const INTERESTING_FLAGS = [
  'avx2',
  'fma',
  'avx512f',
  'avx512_vnni',
  'avx512_bf16',
  'avx512_fp16',
  'amx_tile',
  'amx_int8',
  'amx_bf16',
];

/** The installed onnxruntime-node version, from its package.json. */
export function onnxruntimeVersion(): string {
  try {
    const pkgPath = require.resolve('onnxruntime-node/package.json');
    return (JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return 'not installed';
  }
}

function cpuFlags(): string[] {
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const line = info.split('\n').find((l) => l.startsWith('flags'));
    if (!line) return [];
    const flags = new Set(
      line
        .slice(line.indexOf(':') + 1)
        .trim()
        .split(/\s+/),
    );
    return INTERESTING_FLAGS.filter((f) => flags.has(f));
  } catch {
    return [];
  }
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    available_parallelism: os.availableParallelism(),
    total_memory_gib: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node_version: process.version,
    onnxruntime_node_version: onnxruntimeVersion(),
    platform: process.platform,
    arch: process.arch,
    cpu_flags: cpuFlags(),
    ...loadSnapshot(),
  };
}

/** Runnable tasks other than the reader, from /proc/loadavg ("running/total"); null if unknown. */
function othersRunnable(): number | null {
  try {
    const field = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[3] ?? '';
    const running = Number(field.split('/')[0]);
    return Number.isFinite(running) ? Math.max(0, running - 1) : null;
  } catch {
    return null;
  }
}

/**
 * Waits (up to `maxMs`) until other tasks were runnable in at most a quarter of the samples
 * (every 250 ms) over the last `quietMs`; returns how long it waited. For timing on a shared
 * machine: call it before a sample, while this process is idle, so samples start in a lull.
 */
export async function waitQuiet(maxMs: number, quietMs = 3000): Promise<number> {
  if (othersRunnable() === null) return 0;
  const start = performance.now();
  const window: number[] = [];
  const size = Math.max(1, Math.round(quietMs / 250));
  while (performance.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 250));
    window.push((othersRunnable() ?? 0) > 0 ? 1 : 0);
    if (window.length > size) window.shift();
    if (window.length === size && window.reduce((a, b) => a + b, 0) <= size / 4) break;
  }
  return performance.now() - start;
}
