// A pool of parse workers. Each file is analyzed in a worker thread so parsing uses every core and
// a trapped WASM runtime only costs that worker: the file gets "could not analyze" facts, the
// worker is replaced, and every other file keeps working.

import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ExtractOptions } from '../parsing/extract';
import type { BodyRange } from '../parsing/references';
import { changedSpan, type Span } from '../parsing/changed-span';
import { unanalyzableFacts } from './analyze-file';
import { markEdited } from './body-edit';
import type { EditableFacts } from './analyze-file';
import type { FileFacts } from '../model/types';
import { unpackFacts, type WireFacts } from './wire';
import type { CacheStats } from './facts-cache';
import type { FileContent } from './module-cache';
import type { LinkTablesMessage, ModuleJob, ModuleOutcome, ModuleRequest, ModuleResponse } from './module-job';
import { WORKER_YOUNG_GENERATION_MB } from '../../../shared/src/memory';
import { requestTurn } from './request-turn';

export interface FactsRequest {
  id: number;
  uri: string;
  /** File to read when `text` is not given (reading in the worker keeps I/O off the main thread). */
  path: string;
  text?: string;
  /** Instead of `text`: the text of an earlier request, edited (see TextEdit). */
  edit?: TextEdit;
  options: ExtractOptions;
  /** Keep the tree for the next request on this uri (open documents: incremental reparse). */
  keep?: boolean;
  /** With `keep`: the request whose facts the pool holds for this uri (the answer may be a delta of them). */
  base?: number;
  /** Facts cache directory (facts-cache.ts) to look in and store to; never with `keep`. */
  cacheDir?: string;
}

/**
 * An open document's text as an edit of the one its last request sent (`of`): text[start, end) of
 * that one became `text`, after `first` was made. A key typed in a 700 KB file need not cross to
 * the worker whole (copied twice); a worker that no longer has that text answers NeedsText, and
 * gets the whole text.
 */
export interface TextEdit extends Replacement {
  of: number;
  /**
   * Made before this one: the edits inside bodies this thread analyzed on its own since that
   * request. `id` names the text it makes: the answer is a delta of its facts (this thread's own
   * analysis of that text, which a fresh one equals).
   */
  first?: Replacement & { id: number };
}

/** text[start, end) became `text`. */
export interface Replacement {
  start: number;
  end: number;
  text: string;
}

/** The replacement `span` makes of a text that became `after`. */
const replacement = (span: Span, after: string): Replacement => ({
  start: span.start,
  end: span.oldEnd,
  text: after.slice(span.start, span.newEnd),
});
/** How much of the new text a span sends. */
const sentLength = (span: Span): number => span.newEnd - span.start;

/** `text` as an edit of the text `sent` last: undefined when the edit is too large to gain from (a quarter of the text). */
function textEdit(
  sent: { id: number; text: string },
  text: string,
  known: KnownChange | undefined,
  firstId: () => number,
): TextEdit | undefined {
  const small = (...spans: Span[]): boolean => spans.reduce((sum, span) => sum + sentLength(span), 0) <= text.length / 4;
  if (known && known.from !== sent.text && !known.facts.unanalyzable) {
    // Edits inside bodies made on this thread came between: they go first, as an edit of their own.
    // One span from a body in the middle to a function typed at the end would be half the file.
    const unsent = changedSpan(sent.text, known.from);
    if ((unsent.oldEnd > unsent.start || unsent.newEnd > unsent.start) && small(unsent, known.span))
      return { of: sent.id, ...replacement(known.span, text), first: { ...replacement(unsent, known.from), id: firstId() } };
  }
  // The caller's change is from the text sent last (the same string) unless a request came between.
  const span = known?.from === sent.text ? known.span : changedSpan(sent.text, text);
  return small(span) ? { of: sent.id, ...replacement(span, text) } : undefined;
}

/** A worker's answer to an edit of a text it no longer has: send the whole text. */
export interface NeedsText {
  id: number;
  needsText: true;
}

/** Several jobs in one message (answered like single ones, hits together). */
export interface BatchRequest {
  batch: FactsRequest[];
}

/** What a worker starts with. */
export interface ParseWorkerData {
  /** Run at a lower OS priority than the server's other threads (thread-priority.ts). */
  lowPriority?: boolean;
}

/** Drops a kept tree (the document was closed). */
export interface ForgetRequest {
  forget: string;
}

/** Facts, and for kept documents what a body-local edit needs (see body-edit.ts). */
export interface FactsAnswer {
  facts: FileFacts;
  bodies?: BodyRange[];
  cuts?: [number, number][];
  /** An open document's line starts (the worker counted them; the next edit inside a body needs them). */
  lineStarts?: Uint32Array;
}

/**
 * An open document's facts as a change of the ones answered to request `base`: the first
 * `symbols`, `macroUses` and `references` are those, the wire carries the rest (and every other field).
 */
export interface FactsDelta {
  base: number;
  symbols: number;
  macroUses: number;
  references: number;
}

/** A worker's answer: the facts packed for the crossing (wire.ts). */
export type FactsResponse =
  | ({ id: number; wire: WireFacts; delta?: FactsDelta; cache?: CacheOutcome; storedBytes?: number; content?: FileContent } & Omit<
      FactsAnswer,
      'facts'
    >)
  | { id: number; error: string; fatal: boolean }
  | NeedsText;

/** Answers sent together (cache hits of a batch). */
export interface BatchResponse {
  batch: FactsResponse[];
}

/** What the facts cache did for one file: found it, stored it, or found a bad entry (dropped) and stored anew. */
export type CacheOutcome = 'hit' | 'stored' | 'corrupt';

/** A worker's answer to a job that did not fail. */
type Success = Extract<FactsResponse, { wire: WireFacts }> | Extract<ModuleResponse, { outcome: ModuleOutcome }>;

interface Pending {
  request: FactsRequest | ModuleRequest;
  /** The request with the whole text, for a worker that cannot apply the request's edit. */
  whole?: FactsRequest;
  onAnswer: (response: Success) => void;
  /** No answer: why, and whether another try may succeed (the worker crashed, not on the file). */
  onFailure: (reason: string, passing: boolean) => void;
  timeoutMs: number;
  timer?: NodeJS.Timeout;
}

/** Time one file may take before its worker is killed and the file reported as not analyzed. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** A module's job may take this much longer per source (its sources and headers are analyzed one after another). */
const MODULE_MS_PER_SOURCE = 2_000;

/**
 * Jobs posted to a worker at once. With one, a worker idled while its answer crossed to the main
 * thread and the next job came back (17 % of its time on drivers/net); the second job waits in its
 * message queue instead.
 */
const JOBS_IN_FLIGHT = 2;

/**
 * While the worker answers from the facts cache (a tenth of a millisecond a file), waking it for
 * each job cost more than the job: on a warm reopen of a kernel tree, posting jobs one at a time
 * took a fifth of the main thread. Jobs then go in batches, with more of them in flight.
 */
const CHEAP_AFTER_HITS = 16;
const CHEAP_JOBS_IN_FLIGHT = 64;
const CHEAP_BATCH = 16;

/** Where a text differs from the text `from` (an earlier version of the same document, whose facts are `facts`). */
export interface KnownChange {
  from: string;
  facts: FileFacts;
  span: Span;
}

/** An open document this large is sent to its worker as edits (smaller ones whole: nothing to gain). */
const EDITS_FROM_BYTES = 64 * 1024;

/** Facts from a delta of `base` (the facts the request named; always there: the worker answers a delta only of them). */
function withDelta(wire: WireFacts, delta: FactsDelta, base: FileFacts | undefined): FileFacts {
  if (!base) return unanalyzableFacts(wire.uri, 'could not analyze: an answer of changes came for facts not kept');
  const symbols = base.symbols.slice(0, delta.symbols).concat(wire.symbols);
  const rest = unpackFacts(wire, symbols);
  return markEdited(
    {
      ...rest,
      symbols,
      macroUses: base.macroUses.slice(0, delta.macroUses).concat(rest.macroUses),
      references: base.references.slice(0, delta.references).concat(rest.references),
    },
    { previous: base, symbols: delta.symbols, references: delta.references },
  );
}

/** Facts saying why a file's job failed; a crash may be the worker's, not the file's: another try may succeed. */
const failedFacts = (uri: string, reason: string, passing: boolean): FileFacts => {
  const facts = unanalyzableFacts(uri, reason);
  return passing ? { ...facts, transient: true } : facts;
};

/** What a worker posts. */
type WorkerMessage = FactsResponse | BatchResponse | ModuleResponse;

class PoolWorker {
  readonly worker: Worker;
  /** Posted jobs in order; the first is the one the worker is on (its timer runs). */
  readonly posted: Pending[] = [];
  /** Set while the worker has nothing to do: it is retired when this fires (idleMs). */
  idleTimer?: NodeJS.Timeout;

  constructor(
    script: string,
    onMessage: (w: PoolWorker, r: WorkerMessage) => void,
    onExit: (w: PoolWorker, why: string) => void,
    linkTables: LinkTablesMessage | undefined,
    maxOldGenerationMb: number | undefined,
    lowPriority: boolean,
  ) {
    // The server's main thread runs with a small young generation (SERVER_NODE_OPTIONS); parsing allocates a lot.
    this.worker = new Worker(script, {
      workerData: { lowPriority } satisfies ParseWorkerData,
      resourceLimits: {
        maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
        ...(maxOldGenerationMb ? { maxOldGenerationSizeMb: maxOldGenerationMb } : {}),
      },
    });
    if (linkTables) this.worker.postMessage(linkTables);
    this.worker.on('message', (response: WorkerMessage) => onMessage(this, response));
    this.worker.on('error', (error) => onExit(this, error.message));
    this.worker.on('exit', (code) => onExit(this, `worker exited with code ${code}`));
    this.worker.unref();
  }
}

export class FactsPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private disposed = false;
  /** Files whose analysis killed a worker (trap, crash or timeout): for tests and the status. */
  crashes = 0;

  private readonly size: number;
  private readonly timeoutMs: number;
  /** The worker script (its code is part of every cache key). */
  readonly script: string;
  private readonly idleMs: number;
  private readonly holdWhile?: () => boolean;
  private readonly onIdle?: () => void;
  /** Each worker's old generation at most (a worker that outgrows it ends; its job fails as in a crash). */
  private readonly maxOldGenerationMb: number | undefined;
  private readonly lowPriority: boolean;
  private cacheDir: string | undefined;
  readonly cacheStats: CacheStats = { hits: 0, stored: 0, corrupt: 0, bytesWritten: 0 };

  private readonly contents = new WeakMap<FileFacts, FileContent>();

  /** Which content of a file on disk `facts` were made from (none for a text from the editor). */
  contentOf(facts: FileFacts): FileContent | undefined {
    return this.contents.get(facts);
  }
  /** Answers in a row that came from the facts cache: jobs are cheap while it is long. */
  private hitStreak = 0;
  /** Messages that carried several jobs (for tests). */
  batchesPosted = 0;

  /**
   * Open documents' texts sent as edits; of those, sent after edits inside bodies made here (the
   * worker catches up first), and sent again whole (the worker no longer had the text edited).
   */
  readonly edits = { sent: 0, caughtUp: 0, resent: 0 };

  /**
   * `size` workers at most (default: every core); a file may take `timeoutMs`; a worker idle for
   * `idleMs` is retired, giving back its WASM memory, which only grows (default: kept). While
   * `holdWhile()` is true no new job starts (call resume() when it turns false); `onIdle` is
   * called whenever the last pending job is answered. With `cacheDir`, files analyzed with
   * analyze() are looked up in and stored to that facts cache (facts-cache.ts). `lowPriority`
   * workers give the cores to the process's other threads when both want them.
   */
  constructor(
    options: {
      size?: number;
      timeoutMs?: number;
      script?: string;
      idleMs?: number;
      holdWhile?: () => boolean;
      onIdle?: () => void;
      cacheDir?: string;
      maxOldGenerationMb?: number;
      lowPriority?: boolean;
    } = {},
  ) {
    this.maxOldGenerationMb = options.maxOldGenerationMb;
    this.lowPriority = options.lowPriority ?? false;
    this.size = options.size ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.script = options.script ?? path.join(__dirname, 'parse-worker.js');
    this.idleMs = options.idleMs ?? Infinity;
    this.holdWhile = options.holdWhile;
    this.onIdle = options.onIdle;
    this.cacheDir = options.cacheDir;
  }

  /** Uses the facts cache in `dir` from the next job on (undefined: none). */
  setCacheDir(dir: string | undefined): void {
    this.cacheDir = dir;
  }

  get factsCacheDir(): string | undefined {
    return this.cacheDir;
  }

  /** Starts queued jobs again after holdWhile() turned false. */
  resume(): void {
    if (!this.disposed) this.pump();
  }

  /** Workers alive now (they start on demand and, with idleMs, stop when idle). */
  get workerCount(): number {
    return this.workers.length;
  }

  /** Facts of one file; never rejects: failures become facts with `unanalyzable` set. */
  analyze(uri: string, filePath: string, options: ExtractOptions, text?: string): Promise<FileFacts> {
    if (this.disposed) return Promise.resolve(unanalyzableFacts(uri, 'the analyzer is shutting down'));
    return new Promise((resolve) => {
      const request: FactsRequest = {
        id: this.nextId++,
        uri,
        path: filePath,
        text,
        options,
        ...(this.cacheDir !== undefined ? { cacheDir: this.cacheDir } : {}),
      };
      this.queue.push(this.factsJob(request, (answer) => resolve(answer.facts)));
      this.pumpSoon();
    });
  }

  /** A file's job: the answer unpacked (or made whole from `base`, the facts the request's base names). */
  private factsJob(request: FactsRequest, resolve: (answer: FactsAnswer) => void, base?: FileFacts): Pending {
    return {
      request,
      timeoutMs: this.timeoutMs,
      onAnswer: (response) => {
        if (!('wire' in response)) return resolve({ facts: failedFacts(request.uri, 'the worker answered with a module result', false) });
        if (response.cache) this.countCache(response.cache, response.storedBytes ?? 0);
        this.hitStreak = response.cache === 'hit' ? this.hitStreak + 1 : 0;
        const facts = response.delta ? withDelta(response.wire, response.delta, base) : unpackFacts(response.wire);
        if (response.content) this.contents.set(facts, response.content);
        resolve({ facts, bodies: response.bodies, cuts: response.cuts, lineStarts: response.lineStarts });
      },
      onFailure: (reason, passing) => resolve({ facts: failedFacts(request.uri, reason, passing) }),
    };
  }

  /**
   * A module checked whole on a worker (module-job.ts): only its result crosses back. Never
   * rejects: a job the worker could not do is declined, and the caller checks the module itself.
   */
  checkModule(job: ModuleJob): Promise<ModuleOutcome> {
    if (this.disposed) return Promise.resolve({ declined: 'the analyzer is shutting down' });
    return new Promise((resolve) => {
      this.queue.push({
        request: { id: this.nextId++, job },
        timeoutMs: this.timeoutMs + MODULE_MS_PER_SOURCE * job.module.sources.length,
        onAnswer: (response) => {
          // The worker's facts cache answered inside the job: the next jobs are not cheap ones.
          this.hitStreak = 0;
          if (!('outcome' in response)) return resolve({ declined: 'the worker answered with facts' });
          for (const stat of ['hits', 'stored', 'corrupt', 'bytesWritten'] as const) this.cacheStats[stat] += response.facts[stat];
          resolve(response.outcome);
        },
        onFailure: (reason) => resolve({ declined: reason }),
      });
      this.pumpSoon();
    });
  }

  /** The link tables module jobs are checked with, for every worker (those started later too). */
  setLinkTables(tables: LinkTablesMessage['linkTables'] | undefined): void {
    this.linkTables = tables && { linkTables: tables };
    if (this.linkTables) for (const worker of this.workers) worker.worker.postMessage(this.linkTables);
  }

  private linkTables: LinkTablesMessage | undefined;

  private pumpScheduled = false;

  /** Set from a worker's start to the next turn of the event loop: no other worker starts meanwhile. */
  private startedThisTurn = false;

  /**
   * While jobs are cheap, the files asked for in this turn of the event loop go out together
   * (callers ask for a module's files one by one); otherwise each job starts at once.
   */
  private pumpSoon(): void {
    if (this.hitStreak < CHEAP_AFTER_HITS) return this.pump();
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      if (!this.disposed) this.pump();
    });
  }

  /**
   * An open document's text, ahead of the queue (open files before the background index); the
   * worker keeps its tree for the next version.
   */
  analyzeOpen(uri: string, filePath: string, options: ExtractOptions, text: string, known?: KnownChange): Promise<EditableFacts> {
    const editable = (answer: FactsAnswer): EditableFacts => ({
      text,
      facts: answer.facts,
      bodies: answer.bodies ?? [],
      cuts: answer.cuts ?? [],
      ...(answer.lineStarts ? { lineStarts: answer.lineStarts } : {}),
    });
    if (this.disposed) return Promise.resolve(editable({ facts: unanalyzableFacts(uri, 'the analyzer is shutting down') }));
    const id = this.nextId++;
    const sent = this.sentTexts.get(uri);
    this.sentTexts.set(uri, { id, text });
    const edit = sent && text.length >= EDITS_FROM_BYTES ? textEdit(sent, text, known, () => this.nextId++) : undefined;
    // After edits inside bodies, the answer is a delta of the facts made here, which the worker makes
    // too on the way; sent whole (the worker lost the text), it is a delta of nothing.
    const base = edit?.first ? undefined : this.openFacts.get(uri);
    const deltaOf = edit?.first ? known?.facts : base?.facts;
    const common = { id, uri, path: filePath, options, keep: true, ...(base ? { base: base.id } : {}) };
    const whole: FactsRequest = { ...common, text };
    const request: FactsRequest = edit ? { ...common, edit, ...(edit.first ? { base: edit.first.id } : {}) } : whole;
    return new Promise((resolve) => {
      const job = this.factsJob(
        request,
        (answer) => {
          // What the worker will make the next answer a delta of (it keeps the same).
          if (!answer.facts.unanalyzable) this.openFacts.set(uri, { id, facts: answer.facts });
          else this.openFacts.delete(uri);
          resolve(editable(answer));
        },
        deltaOf,
      );
      if (request !== whole) {
        job.whole = whole;
        this.edits.sent++;
        if (edit?.first) this.edits.caughtUp++;
      }
      this.queue.unshift(job);
      this.pump();
    });
  }

  /** The last facts answered for each open document, by request (see FactsDelta). */
  private readonly openFacts = new Map<string, { id: number; facts: FileFacts }>();

  /** The text of the last request sent for each open document (the next one is sent as an edit of it). */
  private readonly sentTexts = new Map<string, { id: number; text: string }>();

  /** Frees the tree a worker kept for `uri`. */
  forget(uri: string): void {
    this.openFacts.delete(uri);
    this.sentTexts.delete(uri);
    for (const worker of this.workers) worker.worker.postMessage({ forget: uri } satisfies ForgetRequest);
  }

  /** Stops the workers that have nothing to do, giving back their WASM memory (it only grows). */
  retireIdle(): void {
    for (const worker of [...this.workers]) if (worker.posted.length === 0) this.retire(worker);
  }

  get pending(): number {
    return this.queue.length + this.workers.reduce((n, w) => n + w.posted.length, 0);
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.holdWhile?.()) {
      // The least loaded worker; a new one while the pool may grow and every worker is busy.
      let target = this.workers.reduce<PoolWorker | undefined>(
        (best, w) => (!best || w.posted.length < best.posted.length ? w : best),
        undefined,
      );
      if ((!target || target.posted.length > 0) && this.workers.length < this.size) {
        // Starting a worker holds this thread for milliseconds: one per turn, requests in between.
        if (this.startedThisTurn) return;
        this.startedThisTurn = true;
        void requestTurn().then(() => {
          this.startedThisTurn = false;
          if (!this.disposed) this.pump();
        });
        target = new PoolWorker(
          this.script,
          (w, r) => this.onMessage(w, r),
          (w, why) => this.onExit(w, why),
          this.linkTables,
          this.maxOldGenerationMb,
          this.lowPriority,
        );
        this.workers.push(target);
      }
      const cheap = this.hitStreak >= CHEAP_AFTER_HITS;
      const room = (cheap ? CHEAP_JOBS_IN_FLIGHT : JOBS_IN_FLIGHT) - (target?.posted.length ?? Infinity);
      if (!target || room <= 0) return;
      // A batch is of files' jobs only (a module's job goes alone).
      let count = 1;
      const most = cheap && 'uri' in this.queue[0].request ? Math.min(room, CHEAP_BATCH, this.queue.length) : 1;
      while (count < most && 'uri' in this.queue[count].request) count++;
      const jobs = this.queue.splice(0, count);
      clearTimeout(target.idleTimer);
      const first = target.posted.length === 0;
      target.posted.push(...jobs);
      if (first) this.startTimer(target);
      if (jobs.length === 1) target.worker.postMessage(jobs[0].request);
      else {
        this.batchesPosted++;
        target.worker.postMessage({ batch: jobs.map((job) => job.request as FactsRequest) } satisfies BatchRequest);
      }
    }
  }

  private startTimer(worker: PoolWorker): void {
    const job = worker.posted[0];
    if (!job) {
      if (Number.isFinite(this.idleMs)) {
        worker.idleTimer = setTimeout(() => {
          if (worker.posted.length === 0) this.retire(worker);
        }, this.idleMs);
        worker.idleTimer.unref();
      }
      return;
    }
    job.timer = setTimeout(() => {
      this.crashes++;
      // Not worth another try until the file changes: the same file would take as long again.
      this.finish(worker, 0, (stopped) =>
        stopped.onFailure(`analysis took longer than ${stopped.timeoutMs / 1000} s and was stopped`, false),
      );
      this.retire(worker);
    }, job.timeoutMs);
  }

  /**
   * Settles one of the worker's jobs (the one it was on, unless an answer comes out of order: a
   * later job that failed to read its file answers at once) and starts the clock of its next one.
   */
  private finish(worker: PoolWorker, index: number, settle: (job: Pending) => void): void {
    const [job] = worker.posted.splice(index, 1);
    if (!job) return;
    clearTimeout(job.timer);
    settle(job);
    if (index === 0) this.startTimer(worker);
    if (this.pending === 0) this.onIdle?.();
  }

  private onMessage(worker: PoolWorker, message: WorkerMessage): void {
    for (const response of 'batch' in message ? message.batch : [message]) this.answer(worker, response);
    this.pump();
  }

  private answer(worker: PoolWorker, response: FactsResponse | ModuleResponse): void {
    const index = worker.posted.findIndex((job) => job.request.id === response.id);
    if (index < 0) return;
    if ('needsText' in response) {
      // Sent again whole, first in line: the worker lost the text the edit was of (restarted, or kept too many).
      this.finish(worker, index, (job) => {
        if (job.whole) {
          this.edits.resent++;
          this.queue.unshift({ ...job, request: job.whole, whole: undefined });
        } else job.onFailure('could not analyze: the worker asked for a text it was sent', false);
      });
      return;
    }
    if (!('error' in response)) {
      this.finish(worker, index, (job) => job.onAnswer(response));
      return;
    }
    if (response.fatal) this.crashes++;
    this.finish(worker, index, (job) => job.onFailure(`could not analyze: ${response.error}`, response.fatal));
    if (response.fatal) this.retire(worker);
  }

  private countCache(outcome: CacheOutcome, storedBytes: number): void {
    if (outcome === 'hit') this.cacheStats.hits++;
    else {
      if (outcome === 'corrupt') this.cacheStats.corrupt++;
      if (storedBytes > 0) this.cacheStats.stored++;
      this.cacheStats.bytesWritten += storedBytes;
    }
  }

  private onExit(worker: PoolWorker, why: string): void {
    if (worker.posted.length > 0) {
      this.crashes++;
      this.finish(worker, 0, (job) => job.onFailure(`could not analyze: the parser crashed (${why})`, true));
    }
    this.retire(worker);
  }

  /**
   * Drops a worker (dead or stuck); jobs it had not started go back to the front of the queue and
   * pump() starts a fresh worker for them.
   */
  private retire(worker: PoolWorker): void {
    const index = this.workers.indexOf(worker);
    if (index < 0) return;
    this.workers.splice(index, 1);
    clearTimeout(worker.idleTimer);
    const unstarted = worker.posted.splice(0);
    for (const job of unstarted) clearTimeout(job.timer);
    this.queue.unshift(...unstarted);
    void worker.worker.terminate();
    if (!this.disposed) this.pump();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const stopping = (job: Pending): void => job.onFailure('the analyzer is shutting down', false);
    for (const job of this.queue.splice(0)) stopping(job);
    await Promise.all(
      this.workers.splice(0).map((w) => {
        for (const job of w.posted.splice(0)) {
          clearTimeout(job.timer);
          stopping(job);
        }
        return w.worker.terminate();
      }),
    );
  }
}
