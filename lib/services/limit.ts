/** A counting semaphore: at most `size` tasks run at once. */
export function createLimiter(size: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function limit<T>(task: () => Promise<T>): Promise<T> {
    if (active >= size) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

export type AdaptiveLimiter = {
  /** run a task when a slot is free (same contract as createLimiter's) */
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  /** feed every answer from the registry: its status (null: no answer) and how long it took */
  observe: (status: number | null, durationMs: number) => void;
  /** how many tasks may run at once right now */
  current: () => number;
};

/**
 * A limiter that finds the registry's capacity (AIMD, as TCP does): it halves its width on 429,
 * 503 or no answer, narrows by one when latency climbs past three times the best seen, and widens
 * by one after a full window of answers that stayed within twice the best latency.
 */
export function createAdaptiveLimiter(opts: { initial: number; min: number; max: number }): AdaptiveLimiter {
  let width = Math.min(opts.max, Math.max(opts.min, opts.initial));
  let active = 0;
  const waiting: (() => void)[] = [];
  let ewma: number | null = null;
  let best = Number.POSITIVE_INFINITY;
  let goodInWindow = 0;
  let lastCut = 0;

  const release = () => {
    while (active < width && waiting.length > 0) {
      active++;
      waiting.shift()?.();
    }
  };
  const cut = (to: number) => {
    // one cut per burst of failures: answers already in flight when it was made do not cut again
    if (Date.now() - lastCut < 250) return;
    lastCut = Date.now();
    width = Math.max(opts.min, to);
    goodInWindow = 0;
  };

  return {
    current: () => width,
    observe(status, durationMs) {
      if (status === null || status === 429 || status === 503) return cut(Math.floor(width / 2));
      ewma = ewma === null ? durationMs : 0.8 * ewma + 0.2 * durationMs;
      best = Math.min(best, ewma);
      if (ewma > 3 * best) return cut(width - 1);
      if (ewma <= 2 * best && ++goodInWindow >= width) {
        goodInWindow = 0;
        width = Math.min(opts.max, width + 1);
        release();
      }
    },
    async limit<T>(task: () => Promise<T>): Promise<T> {
      if (active >= width) await new Promise<void>((resolve) => waiting.push(resolve));
      else active++;
      try {
        return await task();
      } finally {
        active--;
        release();
      }
    },
  };
}
