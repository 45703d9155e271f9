/** Names and allowed values of the extension's settings (no `vscode` import). */
import type { OverwritePolicy } from '../engine/batchJob';
import type { ProviderName } from '../engine/providers';

/** The configuration section: every setting is `seggpt.<key>`. */
export const SECTION = 'seggpt';

/** Setting keys under the `seggpt` section. */
export const SETTING = {
  modelPath: 'modelPath',
  executionProvider: 'executionProvider',
  precision: 'precision',
  maskPathTemplate: 'maskPathTemplate',
  batchSize: 'batchSize',
  gpuSessions: 'gpuSessions',
  threads: 'threads',
  overwrite: 'overwrite',
} as const;

/** `seggpt.executionProvider` values. */
export type ProviderSetting = 'auto' | ProviderName;

/** Every setting, read and checked. */
export interface SegGptSettings {
  readonly executionProvider: ProviderSetting;
  readonly maskPathTemplate: string;
  readonly batchSize: number;
  readonly gpuSessions: number;
  readonly threads: number;
  readonly overwrite: OverwritePolicy;
}

/** Allowed `seggpt.executionProvider` values, in the order the settings UI lists them. */
export const PROVIDER_SETTINGS: readonly ProviderSetting[] = [
  'auto',
  'cpu',
  'cuda',
  'webgpu',
  'dml',
  'coreml',
];

/** Allowed `seggpt.overwrite` values. */
export const OVERWRITE_SETTINGS: readonly OverwritePolicy[] = ['never', 'model', 'all'];
