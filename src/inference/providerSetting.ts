/** Applying `seggpt.executionProvider` to the model plan's steps (no `vscode` import). */
import type { LoadStep } from '../engine/segGptSession';
import type { ProviderSetting } from '../settings/settingKeys';

/** A plan step: a model file, the providers to try, and its precision when known. */
export interface PlanStep extends LoadStep {
  readonly precision?: string;
}

/**
 * The steps to load. `auto` keeps the plan; a named provider is the only one tried, each model
 * file once, and on the CPU a float32 model comes before a float16 one (faster there).
 */
export function applyProviderSetting(
  steps: readonly PlanStep[],
  setting: ProviderSetting,
): LoadStep[] {
  if (setting === 'auto')
    return steps.map((s) => ({ modelPath: s.modelPath, providers: s.providers }));
  const seen = new Set<string>();
  const unique = steps.filter((s) => !seen.has(s.modelPath) && seen.add(s.modelPath));
  const ordered =
    setting === 'cpu'
      ? [...unique].sort((a, b) => Number(a.precision === 'fp16') - Number(b.precision === 'fp16'))
      : unique;
  return ordered.map((s) => ({ modelPath: s.modelPath, providers: [setting] }));
}
