/** Reading the `seggpt.*` settings, with a safe value and a warning for anything out of range. */
import * as vscode from 'vscode';
import type { OverwritePolicy } from '../engine/batchJob';
import { DEFAULT_MASK_TEMPLATE, validateMaskTemplate } from '../engine/maskPaths';
import { DEFAULT_GPU_SESSIONS } from '../engine/replica';
import {
  OVERWRITE_SETTINGS,
  PROVIDER_SETTINGS,
  SECTION,
  SETTING,
  type ProviderSetting,
  type SegGptSettings,
} from './settingKeys';

/** Problems found in the settings, reported once per distinct message. */
const reported = new Set<string>();

function warn(message: string): void {
  if (reported.has(message)) return;
  reported.add(message);
  void vscode.window.showWarningMessage(`SegGPT: ${message}`);
}

function oneOf<T extends string>(
  key: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  if (value !== undefined)
    warn(`seggpt.${key} "${String(value)}" is not one of ${allowed.join(', ')}; using ${fallback}`);
  return fallback;
}

function intAtLeast(key: string, value: unknown, min: number, fallback: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  if (value !== undefined) warn(`seggpt.${key} must be an integer ≥ ${min}; using ${fallback}`);
  return fallback;
}

/** The mask path template, or the default when the setting is not a valid template. */
export function maskTemplateOf(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') return DEFAULT_MASK_TEMPLATE;
  try {
    validateMaskTemplate(value);
    return value;
  } catch (err) {
    warn(
      `seggpt.maskPathTemplate: ${err instanceof Error ? err.message : String(err)}; using ${DEFAULT_MASK_TEMPLATE}`,
    );
    return DEFAULT_MASK_TEMPLATE;
  }
}

/** Reads every setting (for the given resource's folder, when it has one). */
export function readSettings(scope?: vscode.Uri): SegGptSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    executionProvider: oneOf<ProviderSetting>(
      SETTING.executionProvider,
      c.get(SETTING.executionProvider),
      PROVIDER_SETTINGS,
      'auto',
    ),
    maskPathTemplate: maskTemplateOf(c.get(SETTING.maskPathTemplate)),
    batchSize: intAtLeast(SETTING.batchSize, c.get(SETTING.batchSize), 1, 1),
    gpuSessions: intAtLeast(
      SETTING.gpuSessions,
      c.get(SETTING.gpuSessions),
      1,
      DEFAULT_GPU_SESSIONS,
    ),
    threads: intAtLeast(SETTING.threads, c.get(SETTING.threads), 0, 0),
    overwrite: oneOf<OverwritePolicy>(
      SETTING.overwrite,
      c.get(SETTING.overwrite),
      OVERWRITE_SETTINGS,
      'never',
    ),
  };
}

/** Calls `listener` when any of the given settings change. */
export function onSettingsChanged(
  keys: readonly string[],
  listener: () => void,
): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (keys.some((k) => e.affectsConfiguration(`${SECTION}.${k}`))) listener();
  });
}
