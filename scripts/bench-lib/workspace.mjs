// The selection as a workspace over real LSP (dist/server.js on stdio, as an editor runs it): how
// long the background index takes, whether it blocks the open file (its first diagnostics and
// hovers while the index runs), and the server's memory at its peak, when the index ends, and
// once its idle background workers have stopped.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { outModule, peakRssMiB, percentile, rssMiB } from './common.mjs';

/** Identifier positions spread over the file (kernel API, macros, own symbols: whatever is there). */
function hoverPositions(text, count) {
  const all = [];
  const lines = text.split('\n');
  for (let line = 0; line < lines.length; line++) {
    const match = /^\t+([a-z_][a-z0-9_]{3,})\(/.exec(lines[line]);
    if (match) all.push({ line, character: match[0].indexOf(match[1]) + 1 });
  }
  return Array.from(
    { length: Math.min(count, all.length) },
    (_, i) => all[Math.floor(((i + 0.5) * all.length) / Math.min(count, all.length))],
  );
}

/** A digest of the last diagnostics published for each file: equal digests, equal findings. */
function findingsDigest(published) {
  const last = new Map();
  for (const p of published) last.set(p.uri, p.diagnostics);
  const lines = [];
  for (const [uri, diagnostics] of last)
    for (const d of diagnostics) lines.push(`${uri}:${d.range.start.line}:${d.range.start.character}:${d.code}:${d.message}`);
  lines.sort();
  return { findings: lines.length, digest: createHash('sha256').update(lines.join('\n')).digest('hex') };
}

/** `factsCacheDir`: the server's facts cache (an empty directory: a cold index; a filled one: a reopen). */
/**
 * `midFile`, when given, is opened once the index is half done: the time to its first diagnostics
 * is what a user opening a file while the index runs waits.
 */
export async function measureWorkspace({
  root,
  file,
  midFile,
  kdir,
  kernelVersion,
  idleWaitMs,
  factsCacheDir,
  timeoutMs = 1_800_000,
  log,
}) {
  const { LspSession } = outModule('test/support/lsp-client');
  const text = fs.readFileSync(file, 'utf8');
  const uri = pathToFileURL(file).href;
  const positions = hoverPositions(text, 60);
  const session = new LspSession({ kernelBuildDir: kdir ?? '', kernelVersion, ...(factsCacheDir ? { factsCacheDir } : {}) }, [root]);
  try {
    const started = performance.now();
    await session.initialize();
    const firstDiagnostics = session.diagnostics(uri, (p) => p.version === 1, 300_000);
    const openedAt = performance.now();
    await session.open(uri, text, 1);
    await firstDiagnostics;
    const openMs = performance.now() - openedAt;
    const hoverMs = [];
    /** When each hover was sent (seconds since the server started): what the slowest ones met. */
    const hoverAtS = [];
    const ended = () => session.progress.some((p) => p.kind === 'end');
    const halfway = () => session.progress.some((p) => p.kind === 'report' && (p.percentage ?? 0) >= 50);
    let openMidIndexMs = null;
    let midOpening;
    while (!ended() && performance.now() - started < timeoutMs) {
      if (midFile && !midOpening && halfway()) {
        const midUri = pathToFileURL(midFile).href;
        const midDiagnostics = session.diagnostics(midUri, (p) => p.version === 1, 300_000);
        const t0 = performance.now();
        midOpening = session
          .open(midUri, fs.readFileSync(midFile, 'utf8'), 1)
          .then(() => midDiagnostics)
          .then(() => {
            // Only while the index still ran: after its end it is an ordinary open.
            if (!ended()) openMidIndexMs = performance.now() - t0;
          });
      }
      const position = positions[hoverMs.length % Math.max(1, positions.length)];
      if (position) {
        const t0 = performance.now();
        await session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
        hoverMs.push(performance.now() - t0);
        hoverAtS.push((t0 - started) / 1000);
      }
      await sleep(100);
    }
    if (!ended()) throw new Error(`the workspace index did not end within ${timeoutMs / 1000} s`);
    await midOpening;
    const indexS = (performance.now() - started) / 1000;
    const reports = session.progress.filter((p) => p.kind === 'report');
    const rssEnd = rssMiB(session.process.pid);
    if (idleWaitMs > 0) {
      log(`workspace index ended after ${indexS.toFixed(1)} s; waiting ${idleWaitMs / 1000} s for idle workers to stop`);
      await sleep(idleWaitMs);
    } else log(`workspace index ended after ${indexS.toFixed(1)} s`);
    return {
      root,
      file,
      indexS,
      progressReports: reports.length,
      lastReport: reports[reports.length - 1]?.message ?? null,
      openMs,
      openMidIndexMs,
      midFile: midFile ?? null,
      hovers: {
        n: hoverMs.length,
        p50: percentile(hoverMs, 50),
        p95: percentile(hoverMs, 95),
        max: hoverMs.length ? Math.max(...hoverMs) : null,
        slowest: hoverMs
          .map((ms, i) => ({ atS: Number(hoverAtS[i].toFixed(2)), ms: Number(ms.toFixed(1)) }))
          .sort((a, b) => b.ms - a.ms)
          .slice(0, 5),
      },
      peakRssMiB: peakRssMiB(session.process.pid),
      rssEndMiB: rssEnd,
      rssIdleMiB: rssMiB(session.process.pid),
      idleWaitMs,
      ...findingsDigest(session.published),
    };
  } catch (error) {
    log(`workspace measurement failed: ${error.message}\nserver stderr:\n${session.stderr.slice(-2000)}`);
    throw error;
  } finally {
    await session.close();
  }
}
