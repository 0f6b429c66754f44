// Re-analysis while typing, paced by what an analysis of the document costs. A small module is
// analysed on every key (it takes a millisecond or two, and its text is short). A key that comes
// after a pause (a person making one change, or typing slower than an analysis takes) is analysed
// at once. Keys that come faster (a burst: fast typing, key repeat, a paste of many lines typed in
// by a tool) would only queue analyses the next key makes stale, and spend a core on them: their
// analysis waits until the keys pause, and runs at least every MAX_WAIT_MS while the burst goes on.
// The keys have paused when none came for a tenth longer than the burst's rhythm (the median of its
// last gaps; 33 ms for keys 30 ms apart), for MIN_PAUSE_MS before the rhythm is known, or for half
// as long as the last analysis took if that is longer (at most MAX_PAUSE_MS). While an analysis
// started here is under way (a file-scope edit goes to a worker), no other starts: the keys typed
// meanwhile are analysed when it ends, after their pause (at least half of it after the end).
// Requests (outline, code actions, hovers) wait for that analysis instead of starting their own.

/** An analysis cheaper than this runs on every key. */
const PACED_FROM_MS = 5;
/**
 * What an analysis costs besides what its clock says, per million characters of the text: the
 * text of each version made whole (a copy of it), its line starts, and the collection of both.
 * Typing inside a body of lpfc_sli.c (700,000 characters), analyses that took 3–4 ms ran on every
 * key, and the server used 12 ms per key (3–4 when its keys were paced); in rtw8852a_table.c
 * (1.7 million), 6.5–11 ms per key.
 */
const TEXT_MS_PER_MILLION_CHARS = 10;
/** Keys closer together than this are one burst (longer than key repeat's and a fast typist's 30 ms) until its rhythm is known. */
const MIN_PAUSE_MS = 40;
const MAX_PAUSE_MS = 100;
const MAX_WAIT_MS = 1000;
/** The pause after a burst's last key, as a multiple of the gaps between its keys (jitter of a few ms is not a pause). */
const RHYTHM_SLACK = 1.1;
const MIN_RHYTHM_PAUSE_MS = 25;
/** The rhythm is the median of this many last gaps, known once there are RHYTHM_KNOWN of them. */
const RHYTHM_GAPS = 5;
const RHYTHM_KNOWN = 3;
/** Keys closer than this arrived together (typed while an analysis held the thread): not the typist's rhythm. */
const BUNCHED_MS = 10;
/**
 * After an analysis that held the cores, the share of the pause the keys are given before they
 * count as paused, however long ago the last one came: the editor shares the cores, and its next
 * key may have been held up too (on two cores, analyses then ran back to back mid-burst).
 */
const AFTER_RUN_PAUSE_SHARE = 0.5;

interface Pending {
  /** None while the analysis this one waits for is still under way. */
  timer?: NodeJS.Timeout;
  /** When the first edit of this pause arrived (performance.now()). */
  since: number;
  waiters: (() => void)[];
  /** How long after the last key the keys have paused. */
  pauseFor: number;
}

export class EditPacing {
  private readonly pending = new Map<string, Pending>();
  /** When each document was last edited (performance.now()). */
  private readonly lastEdit = new Map<string, number>();
  /** When each document's last paced analysis started (performance.now()). */
  private readonly firedAt = new Map<string, number>();
  /** The last gaps between keys of each document's burst. */
  private readonly gaps = new Map<string, number[]>();
  /** The analysis of each document started here and not ended yet. */
  private readonly underWay = new Map<string, Promise<unknown>>();

  constructor(
    /** Milliseconds the last analysis of `uri` took; undefined before the first. */
    private readonly costOf: (uri: string) => number | undefined,
    /** Starts an analysis of `uri`: what it returns settles when it ends. */
    private readonly analyze: (uri: string) => Promise<unknown> | void,
    /** The length of `uri`'s text now. */
    private readonly lengthOf: (uri: string) => number | undefined = () => undefined,
  ) {}

  /** Whether an analysis of `uri` costs so little, its text's cost included, that it may run on every key. */
  private cheap(uri: string, cost: number): boolean {
    return cost + ((this.lengthOf(uri) ?? 0) * TEXT_MS_PER_MILLION_CHARS) / 1e6 < PACED_FROM_MS;
  }

  /** `uri` was edited: analyse it now, or after a pause if its analyses are slow. */
  changed(uri: string): void {
    const cost = this.costOf(uri) ?? 0;
    const pending = this.pending.get(uri);
    const now = performance.now();
    // An analysis holds the thread: keys typed meanwhile arrive together when it ends, and the
    // gap before the first of them is not a pause of the person's.
    const lastKey = this.lastEdit.get(uri) ?? Number.NEGATIVE_INFINITY;
    // The analysis's cost as it is now: the one that just held the thread has told its own by the
    // time the keys it held back are read (its estimate when it started came from the one before).
    const previous = Math.max(lastKey, (this.firedAt.get(uri) ?? Number.NEGATIVE_INFINITY) + cost);
    const rhythmPause = this.rhythmPause(uri, now - lastKey, now - previous);
    this.lastEdit.set(uri, now);
    // Half as long as an analysis takes, at least: keys a little further apart than that keep a
    // core busy two thirds of the time at most (keys that come during an analysis wait for its
    // end), and the wait after the last key stays short.
    const pauseFor = Math.min(MAX_PAUSE_MS, Math.max(rhythmPause, cost / 2));
    if (this.cheap(uri, cost) || (!pending && now - previous >= pauseFor)) {
      this.fire(uri);
      return;
    }
    const since = pending?.since ?? now;
    if (pending) clearTimeout(pending.timer);
    const pause = Math.max(0, Math.min(pauseFor, since + MAX_WAIT_MS - now));
    const next: Pending = { since, waiters: pending?.waiters ?? [], pauseFor };
    this.pending.set(uri, next);
    this.fireAfter(uri, next, pause);
  }

  /**
   * How long after a key of `uri` the keys have paused, by the burst's rhythm: `gap` since the last
   * key, `free` since the thread was free or the last key came, whichever was later.
   */
  private rhythmPause(uri: string, gap: number, free: number): number {
    let gaps = this.gaps.get(uri);
    if (gap >= MIN_PAUSE_MS) {
      this.gaps.delete(uri);
      return MIN_PAUSE_MS;
    }
    if (free >= BUNCHED_MS) {
      if (!gaps) this.gaps.set(uri, (gaps = []));
      gaps.push(gap);
      if (gaps.length > RHYTHM_GAPS) gaps.shift();
    }
    if (!gaps || gaps.length < RHYTHM_KNOWN) return MIN_PAUSE_MS;
    const sorted = [...gaps].sort((a, b) => a - b);
    return Math.min(MIN_PAUSE_MS, Math.max(MIN_RHYTHM_PAUSE_MS, RHYTHM_SLACK * sorted[sorted.length >> 1]));
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
    this.firedAt.delete(uri);
    this.gaps.delete(uri);
    this.underWay.delete(uri);
  }

  dispose(): void {
    for (const uri of [...this.pending.keys()]) this.cancel(uri);
    this.lastEdit.clear();
    this.firedAt.clear();
    this.underWay.clear();
    this.gaps.clear();
  }

  private fireAfter(uri: string, pending: Pending, ms: number): void {
    // A timer that expired while the thread was busy runs before the keys that came meanwhile
    // are read: the analysis starts after the input is read, unless a key came (a new Pending).
    pending.timer = setTimeout(() => setImmediate(() => this.pending.get(uri) === pending && this.fire(uri)), ms);
  }

  private fire(uri: string): void {
    const pending = this.pending.get(uri);
    if (this.underWay.has(uri)) {
      // The last analysis is still under way (on a worker): the keys typed meanwhile are the next
      // one's, which starts when it ends, after their pause. Started now, it would run straight after.
      if (pending) {
        clearTimeout(pending.timer);
        pending.timer = undefined;
      } else this.pending.set(uri, { since: performance.now(), waiters: [], pauseFor: 0 });
      return;
    }
    if (pending) {
      clearTimeout(pending.timer);
      this.pending.delete(uri);
    }
    // The analysis is scheduled first: a waiting request then shares its facts.
    this.firedAt.set(uri, performance.now());
    const run = this.analyze(uri);
    if (run) {
      this.underWay.set(uri, run);
      const ended = (): void => {
        if (this.underWay.get(uri) !== run) return;
        this.underWay.delete(uri);
        this.afterRun(uri);
      };
      run.then(ended, ended);
    }
    for (const resolve of pending?.waiters ?? []) resolve();
  }

  /** The analysis of `uri` ended: one the keys asked for meanwhile starts after their pause (a cheap one at once). */
  private afterRun(uri: string): void {
    const pending = this.pending.get(uri);
    if (!pending || pending.timer !== undefined) return;
    const sinceKey = performance.now() - (this.lastEdit.get(uri) ?? Number.NEGATIVE_INFINITY);
    this.fireAfter(
      uri,
      pending,
      this.cheap(uri, this.costOf(uri) ?? 0) ? 0 : Math.max(pending.pauseFor - sinceKey, pending.pauseFor * AFTER_RUN_PAUSE_SHARE),
    );
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
    // Closed meanwhile, say: its text is no longer one to analyze.
    if (stop()) return;
    const version = document.version;
    await analyze(version).catch(() => undefined);
    // With nothing paced no diagnostics were just written: a hover while a tree indexes goes on at
    // once, not behind the work the index queued.
    if (paced) await new Promise((resolve) => setImmediate(resolve));
    if (document.version === version || stop()) return;
  }
}
