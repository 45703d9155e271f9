/** Running folder jobs: one per folder at a time, and a way to cancel them all. */
import * as vscode from 'vscode';

interface Job {
  readonly folders: readonly string[];
  readonly source: vscode.CancellationTokenSource;
}

/** Keeps the running jobs so a second job on the same folder is refused and all can be cancelled. */
export class JobRegistry implements vscode.Disposable {
  private readonly jobs = new Set<Job>();

  /** The folders of `folders` that a running job works on. */
  busy(folders: readonly string[]): string[] {
    const running = new Set([...this.jobs].flatMap((j) => j.folders));
    return folders.filter((f) => running.has(f));
  }

  /** Registers a job; cancel its token through `cancelAll`; dispose the result when it ends. */
  start(
    folders: readonly string[],
    outer: vscode.CancellationToken,
  ): { token: vscode.CancellationToken; end(): void } {
    const source = new vscode.CancellationTokenSource();
    const sub = outer.onCancellationRequested(() => source.cancel());
    const job = { folders, source };
    this.jobs.add(job);
    return {
      token: source.token,
      end: () => {
        sub.dispose();
        source.dispose();
        this.jobs.delete(job);
      },
    };
  }

  /** Number of running jobs. */
  get size(): number {
    return this.jobs.size;
  }

  /** Cancels every running job; returns how many. */
  cancelAll(): number {
    for (const j of this.jobs) j.source.cancel();
    return this.jobs.size;
  }

  dispose(): void {
    this.cancelAll();
    this.jobs.clear();
  }
}
