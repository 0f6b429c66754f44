// Re-analysis while typing, paced by what an analysis of the document costs. A small module is
// analysed on every key (it takes a few milliseconds). A 700 KB file, or a file of a module with
// thirty sources, takes 50–150 ms: longer than the gap between two keys, so analysing every key
// only queues work that the next key makes stale, and burns a core while the user types. Such a
// document is analysed once the keys pause for as long as its last analysis took (at most
// MAX_PAUSE_MS), and at least every MAX_WAIT_MS while the typing goes on. Requests (outline, code
// actions, hovers) wait for that analysis instead of starting one of their own.

/** An analysis cheaper than this runs on every key. */
const PACED_FROM_MS = 20;
const MAX_PAUSE_MS = 100;
const MAX_WAIT_MS = 1000;

interface Pending {
  timer: NodeJS.Timeout;
  /** When the first edit of this pause arrived (performance.now()). */
  since: number;
  waiters: (() => void)[];
}

export class EditPacing {
  private readonly pending = new Map<string, Pending>();

  constructor(
    /** Milliseconds the last analysis of `uri` took; undefined before the first. */
    private readonly costOf: (uri: string) => number | undefined,
    private readonly analyze: (uri: string) => void,
  ) {}

  /** `uri` was edited: analyse it now, or after a pause if its analyses are slow. */
  changed(uri: string): void {
    const cost = this.costOf(uri) ?? 0;
    const pending = this.pending.get(uri);
    if (cost < PACED_FROM_MS) {
      this.fire(uri);
      return;
    }
    const now = performance.now();
    const since = pending?.since ?? now;
    if (pending) clearTimeout(pending.timer);
    const pause = Math.max(0, Math.min(MAX_PAUSE_MS, cost, since + MAX_WAIT_MS - now));
    this.pending.set(uri, { timer: setTimeout(() => this.fire(uri), pause), since, waiters: pending?.waiters ?? [] });
  }

  /** Resolves once no paced analysis of `uri` is waiting to start (at once when none is). */
  settled(uri: string): Promise<void> {
    const pending = this.pending.get(uri);
    return pending ? new Promise((resolve) => pending.waiters.push(resolve)) : Promise.resolve();
  }

  /** The document was closed: nothing to analyse any more (waiting requests go on). */
  forget(uri: string): void {
    const pending = this.pending.get(uri);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(uri);
    for (const resolve of pending.waiters) resolve();
  }

  dispose(): void {
    for (const uri of [...this.pending.keys()]) this.forget(uri);
  }

  private fire(uri: string): void {
    const pending = this.pending.get(uri);
    if (pending) {
      clearTimeout(pending.timer);
      this.pending.delete(uri);
    }
    // The analysis is scheduled first: a waiting request then shares its facts.
    this.analyze(uri);
    for (const resolve of pending?.waiters ?? []) resolve();
  }
}
