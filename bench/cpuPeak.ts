/**
 * Theoretical float32 peak of this machine's cores, from /proc/cpuinfo.
 *
 * peak = cores × clock × fp32 FLOP per cycle per core, where FLOP per cycle is 2 (FMA) × lanes ×
 * FMA pipes: AMD Zen 2–4 have two 256-bit FMA pipes (AVX-512 runs double-pumped on Zen 4) = 32;
 * Zen 5 and Intel server cores with AVX-512 have two 512-bit FMA pipes = 64; other AVX2/FMA cores
 * 32. The clock is the one the kernel reports (the nominal or TSC clock under a hypervisor):
 * cores that boost above it can exceed this "peak", so the basis is recorded with the figure.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** How the peak was worked out. */
export interface CpuPeak {
  /** GHz the kernel reports (cpuinfo "cpu MHz", else os.cpus()). */
  readonly clockGhz: number;
  /** fp32 FLOP per cycle per core assumed for this core type. */
  readonly fp32FlopsPerCycle: number;
  /** Cores counted (the intra-op threads, at most the cores there are). */
  readonly cores: number;
  /** cores × clock × FLOP per cycle, GFLOP/s. */
  readonly fp32PeakGflops: number;
  /** One line saying why. */
  readonly basis: string;
}

interface CpuInfo {
  vendor: string;
  family: number;
  mhz: number;
  flags: Set<string>;
}

function readCpuInfo(): CpuInfo {
  let text = '';
  try {
    text = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // Not Linux: fall back to os.cpus() below.
  }
  const field = (name: string): string | undefined => {
    const line = text.split('\n').find((l) => l.split(':')[0]?.trim() === name);
    return line?.slice(line.indexOf(':') + 1).trim();
  };
  const mhz = Number(field('cpu MHz')) || os.cpus()[0]?.speed || 0;
  return {
    vendor: field('vendor_id') ?? 'unknown',
    family: Number(field('cpu family')) || 0,
    mhz,
    flags: new Set((field('flags') ?? '').split(/\s+/)),
  };
}

/** fp32 FLOP per cycle per core and why, for this core type. */
function flopsPerCycle(info: CpuInfo): { flops: number; why: string } {
  const fma = info.flags.has('fma');
  const avx512 = info.flags.has('avx512f');
  if (info.vendor === 'AuthenticAMD') {
    if (info.family >= 26 && avx512) {
      return { flops: 64, why: 'AMD Zen 5: two 512-bit FMA pipes' };
    }
    if (info.family >= 23 && fma) {
      return {
        flops: 32,
        why: `AMD Zen ${info.family === 25 && avx512 ? '4' : '2/3'}: two 256-bit FMA pipes${avx512 ? ' (AVX-512 double-pumped)' : ''}`,
      };
    }
  }
  if (info.vendor === 'GenuineIntel' && avx512) {
    return { flops: 64, why: 'Intel with AVX-512: assumed two 512-bit FMA ports (server cores)' };
  }
  if (fma) return { flops: 32, why: 'AVX2 + FMA: assumed two 256-bit FMA ports' };
  return { flops: 8, why: 'no FMA: assumed one 128-bit add and one multiply per cycle' };
}

/** The fp32 peak of `threads` cores of this machine. */
export function cpuPeak(threads: number): CpuPeak {
  const info = readCpuInfo();
  const { flops, why } = flopsPerCycle(info);
  const cores = Math.max(1, Math.min(threads, os.cpus().length));
  const clockGhz = info.mhz / 1000;
  return {
    clockGhz: Number(clockGhz.toFixed(3)),
    fp32FlopsPerCycle: flops,
    cores,
    fp32PeakGflops: Number((cores * clockGhz * flops).toFixed(1)),
    basis: `${cores} cores × ${clockGhz.toFixed(3)} GHz (reported clock) × ${flops} FLOP/cycle (${why})`,
  };
}
