export type Timer = ReturnType<typeof setTimeout>;

/**
 * Owns every timer of one emulator so close() can cancel them all; timers are unref'd so a
 * forgotten emulator never keeps a process (or Jest) alive.
 */
export class Scheduler {
  private readonly timers = new Set<Timer>();
  private closed = false;

  constructor(private readonly onError: (error: unknown) => void) {}

  after(ms: number, fn: () => void): Timer | null {
    if (this.closed) {
      return null;
    }
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        try {
          fn();
        } catch (error) {
          this.onError(error);
        }
      },
      Math.max(0, ms),
    );
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  cancel(timer: Timer | null | undefined): void {
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(timer);
    }
  }

  /** Resolves after `ms`; never resolves if the scheduler is cleared first (used for latency faults). */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.after(ms, resolve);
    });
  }

  group(): TimerGroup {
    return new TimerGroup(this);
  }

  clear(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
  }

  close(): void {
    this.closed = true;
    this.clear();
  }
}

/** A subset of a scheduler's timers that can be cancelled together (e.g. one session's). */
export class TimerGroup {
  private readonly timers = new Set<Timer>();

  constructor(private readonly scheduler: Scheduler) {}

  after(ms: number, fn: () => void): void {
    const timer = this.scheduler.after(ms, () => {
      if (timer) {
        this.timers.delete(timer);
      }
      fn();
    });
    if (timer) {
      this.timers.add(timer);
    }
  }

  clear(): void {
    for (const timer of this.timers) {
      this.scheduler.cancel(timer);
    }
    this.timers.clear();
  }
}
