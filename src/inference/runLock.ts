/**
 * One model run at a time, interactive work first: a single click in the editor waits for the
 * batch step in progress, not for the whole folder job.
 */

/** Who is asking: an interactive request jumps ahead of queued batch steps. */
export type RunPriority = 'interactive' | 'batch';

interface Waiter {
  readonly start: () => void;
  readonly priority: RunPriority;
}

/** A lock that serializes model runs. */
export class RunLock {
  private busy = false;
  private readonly queue: Waiter[] = [];

  /** Runs `task` once the lock is free; interactive tasks are served before batch ones. */
  async run<T>(priority: RunPriority, task: () => Promise<T>): Promise<T> {
    await this.acquire(priority);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Tasks waiting. */
  get waiting(): number {
    return this.queue.length;
  }

  private acquire(priority: RunPriority): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    return new Promise((start) => {
      const w: Waiter = { start, priority };
      if (priority === 'interactive') {
        const at = this.queue.findIndex((q) => q.priority === 'batch');
        this.queue.splice(at < 0 ? this.queue.length : at, 0, w);
      } else {
        this.queue.push(w);
      }
    });
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next.start();
    else this.busy = false;
  }
}
