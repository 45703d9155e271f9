/** Turning install steps into a percentage and one line for a progress notification (pure). */
import { describeProgress } from '../engine/download/progressMeter';
import type { Precision } from '../engine/onnx/graphBuilder';
import type { InstallStep } from './installFromHub';

/** Where the bar is and what it says. */
export interface ProgressView {
  /** 0..100 over the whole install. */
  readonly percent: number;
  readonly message: string;
}

// Downloading dominates an install from the Hub; conversion takes the last fifth.
const DOWNLOAD_END = 80;

const PRECISION_WORDS: Readonly<Record<Precision, string>> = {
  fp32: 'for the CPU (float32)',
  fp16: 'for GPUs (float16)',
  int8: 'for the CPU (int8)',
};

/**
 * The view of one step. `precisions` are the conversions in order; `downloads` tells whether
 * the install downloads at all (an import only converts, and then conversion is the whole bar).
 */
export function progressView(
  step: InstallStep,
  precisions: readonly Precision[],
  downloads = true,
): ProgressView {
  switch (step.kind) {
    case 'listing':
      return { percent: 0, message: 'asking for the list of files…' };
    case 'download': {
      const p = step.progress;
      if (step.file !== 'model.safetensors') return { percent: 1, message: `${step.file}…` };
      if (p.phase === 'verifying') {
        return {
          percent: DOWNLOAD_END,
          message: `checking ${step.file} against its published SHA-256…`,
        };
      }
      const fraction = p.total ? p.received / p.total : 0;
      const resumed = p.resumedFrom > 0 ? ' (resumed)' : '';
      return {
        percent: 2 + (DOWNLOAD_END - 2) * fraction,
        message: `${step.file}: ${describeProgress(p)}${resumed}`,
      };
    }
    case 'convert': {
      const start = downloads ? DOWNLOAD_END : 0;
      const i = Math.max(0, precisions.indexOf(step.precision));
      const n = Math.max(1, precisions.length);
      return {
        percent: start + ((100 - start) * (i + step.fraction)) / n,
        message: `converting ${PRECISION_WORDS[step.precision]}… ${Math.round(step.fraction * 100)}%`,
      };
    }
  }
}

/** Turns absolute percentages into the increments `vscode.Progress` wants. */
export class IncrementTracker {
  private shown = 0;

  /** The increment that brings the bar to `percent` (never backwards). */
  next(percent: number): number {
    const target = Math.min(100, Math.max(this.shown, percent));
    const inc = target - this.shown;
    this.shown = target;
    return inc;
  }
}
