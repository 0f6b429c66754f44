// Re-analysis while typing, paced by what an analysis of the document costs. A small module is
// analysed on every key (it takes a millisecond or two). A key that comes after a pause (a person
// making one change, or typing slower than an analysis takes) is analysed at once. Keys that come
// faster (a burst: fast typing, key repeat, a paste of many lines typed in by a tool) would only
// queue analyses the next key makes stale, and spend a core on them: their analysis waits until
// the keys pause for MIN_PAUSE_MS, or half as long as the last analysis took if that is longer
// (at most MAX_PAUSE_MS), and runs at least every MAX_WAIT_MS while the burst goes on. Requests
// (outline, code actions, hovers) wait for that analysis instead of starting one of their own.

/** An analysis cheaper than this runs on every key. */
const PACED_FROM_MS = 5;
/** Keys closer together than this are one burst: longer than key repeat's and a fast typist's 30 ms. */
const MIN_PAUSE_MS = 40;
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
  /** When each document was last edited (performance.now()). */
  private readonly lastEdit = new Map<string, number>();
  /** When each document's last analysis is done, as far as its cost tells (performance.now()). */
  private readonly busyUntil = new Map<string, number>();

  constructor(
    /** Milliseconds the last analysis of `uri` took; undefined before the first. */
    private readonly costOf: (uri: string) => number | undefined,
    private readonly analyze: (uri: string) => void,
  ) {}

  /** `uri` was edited: analyse it now, or after a pause if its analyses are slow. */
  changed(uri: string): void {
    const cost = this.costOf(uri) ?? 0;
    const pending = this.pending.get(uri);
    const now = performance.now();
    // An analysis holds the thread: keys typed meanwhile arrive together when it ends, and the
    // gap before the first of them is not a pause of the person's.
    const previous = Math.max(this.lastEdit.get(uri) ?? Number.NEGATIVE_INFINITY, this.busyUntil.get(uri) ?? Number.NEGATIVE_INFINITY);
    this.lastEdit.set(uri, now);
    // Half as long as an analysis takes, at least: keys a little further apart than that keep a
    // core busy two thirds of the time at most (the publisher folds keys that come during an
    // analysis into one more), and the wait after the last key stays short.
    const pauseFor = Math.min(MAX_PAUSE_MS, Math.max(MIN_PAUSE_MS, cost / 2));
    if (cost < PACED_FROM_MS || (!pending && now - previous >= pauseFor)) {
      this.fire(uri);
      return;
    }
    const since = pending?.since ?? now;
    if (pending) clearTimeout(pending.timer);
    const pause = Math.max(0, Math.min(pauseFor, since + MAX_WAIT_MS - now));
    this.pending.set(uri, { timer: setTimeout(() => this.fire(uri), pause), since, waiters: pending?.waiters ?? [] });
  }

  /** Resolves once no paced analysis of `uri` is waiting to start (at once when none is). */
  settled(uri: string): Promise<void> {
    const pending = this.pending.get(uri);
    return pending ? new Promise((resolve) => pending.waiters.push(resolve)) : Promise.resolve();
  }

  /** Whether a paced analysis of `uri` is waiting to start. */
  isPending(uri: string): boolean {
    return this.pending.has(uri);
  }

  /** Drops the paced analysis of `uri` (waiting requests go on). */
  private cancel(uri: string): void {
    const pending = this.pending.get(uri);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(uri);
    for (const resolve of pending.waiters) resolve();
  }

  /** The document was closed: nothing to analyse any more. */
  closed(uri: string): void {
    this.cancel(uri);
    this.lastEdit.delete(uri);
    this.busyUntil.delete(uri);
  }

  dispose(): void {
    for (const uri of [...this.pending.keys()]) this.cancel(uri);
    this.lastEdit.clear();
    this.busyUntil.clear();
  }

  private fire(uri: string): void {
    const pending = this.pending.get(uri);
    if (pending) {
      clearTimeout(pending.timer);
      this.pending.delete(uri);
    }
    // The analysis is scheduled first: a waiting request then shares its facts.
    this.busyUntil.set(uri, performance.now() + (this.costOf(uri) ?? 0));
    this.analyze(uri);
    for (const resolve of pending?.waiters ?? []) resolve();
  }
}

/**
 * Resolves once the paced analysis of `document` is done for the version the document still has
 * then, and what it published is written: a request that waited never starts an analysis of its
 * own (keys typed during the analysis are the next paced one's, and the request waits for that
 * too). The connection writes on setImmediate, and a request worked out before that (the outline
 * of a large file) would hold back the diagnostics a person waits for.
 */
export async function analysisSettled(
  pacing: EditPacing,
  document: { readonly uri: string; readonly version: number },
  analyze: (version: number) => Promise<unknown>,
  stop: () => boolean,
): Promise<void> {
  for (;;) {
    const paced = pacing.isPending(document.uri);
    await pacing.settled(document.uri);
    const version = document.version;
    await analyze(version).catch(() => undefined);
    // With nothing paced no diagnostics were just written: a hover while a tree indexes goes on at
    // once, not behind the work the index queued.
    if (paced) await new Promise((resolve) => setImmediate(resolve));
    if (document.version === version || stop()) return;
  }
}
