/**
 * Which model file to load on which providers: the user's `seggpt.modelPath` first; otherwise
 * the installed float16 model on GPU providers, then the float32 one on the CPU. Pure, so the
 * rules are tested without VS Code.
 */
import type { Precision } from '../engine/onnx/graphBuilder';
import { defaultProviderOrder, type ProviderName } from '../engine/providers';
import { CPU_PRECISION, GPU_PRECISION } from './modelFiles';

/** One model file and the providers to try it on, in order. */
export interface ModelStep {
  readonly modelPath: string;
  readonly precision?: Precision;
  readonly providers: readonly ProviderName[] | 'auto';
}

/** Steps tried in order until one loads. */
export interface ModelPlan {
  readonly source: 'setting' | 'installed';
  readonly steps: readonly ModelStep[];
}

/** The `seggpt.precision` setting: `auto` follows the provider. */
export type PrecisionSetting = 'auto' | Precision;

/** What the plan is made from. */
export interface PlanInputs {
  /** `seggpt.modelPath`, already resolved to an absolute path (undefined when unset). */
  readonly configuredPath?: string;
  readonly precision: PrecisionSetting;
  /** Installed model files that exist, per precision. */
  readonly installed: Partial<Record<Precision, string>>;
  readonly platform?: NodeJS.Platform;
}

/** The plan, or undefined when no model is configured or installed. */
export function planModel(inputs: PlanInputs): ModelPlan | undefined {
  if (inputs.configuredPath) {
    return { source: 'setting', steps: [{ modelPath: inputs.configuredPath, providers: 'auto' }] };
  }
  const have = inputs.installed;
  const all = Object.entries(have) as [Precision, string][];
  if (all.length === 0) return undefined;
  if (inputs.precision !== 'auto') {
    // The chosen precision first; any other installed one is better than no model.
    const sorted = [...all].sort(
      ([a], [b]) => Number(b === inputs.precision) - Number(a === inputs.precision),
    );
    return {
      source: 'installed',
      steps: sorted.map(([precision, modelPath]) => ({ modelPath, precision, providers: 'auto' })),
    };
  }
  const gpuProviders = defaultProviderOrder(inputs.platform).filter((p) => p !== 'cpu');
  const steps: ModelStep[] = [];
  const gpuModel = have[GPU_PRECISION];
  const cpuPrecision = have[CPU_PRECISION]
    ? CPU_PRECISION
    : all.find(([p]) => p !== GPU_PRECISION)?.[0];
  const cpuModel = cpuPrecision ? have[cpuPrecision] : undefined;
  if (gpuModel)
    steps.push({ modelPath: gpuModel, precision: GPU_PRECISION, providers: gpuProviders });
  if (cpuModel) {
    // Without a half-precision model the float32 one is also the best the GPUs can get.
    steps.push({
      modelPath: cpuModel,
      precision: cpuPrecision,
      providers: gpuModel ? ['cpu'] : 'auto',
    });
  } else if (gpuModel) {
    steps.push({ modelPath: gpuModel, precision: GPU_PRECISION, providers: ['cpu'] });
  }
  return { source: 'installed', steps };
}
