// Typing as a person does it, over real LSP (dist/server.js on stdio): one key every 30 ms, with
// the requests VS Code sends meanwhile (a codeAction at the cursor after every key, the outline
// every 4th; as VS Code does, a request still unanswered is cancelled when the next of its kind
// goes out), in two bursts: a new function at file scope at the end of the file, then a call to
// it inside an existing body. Per burst: the time from the last key to the diagnostics of the
// final version, the server's CPU per key (all its threads, from /proc), and which intermediate
// versions got diagnostics at all.
import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { outModule, percentile } from './common.mjs';
import { settle } from './lsp.mjs';

export const TYPING_FILES = ['drivers/scsi/lpfc/lpfc_sli.c', 'drivers/net/wireless/realtek/rtw89/rtw8852a_table.c'];
const KEY_MS = 30;
/** Each pair of bursts is typed this many times in the same server; the figures are the median. */
const REPEATS = 3;
const nameOf = (repeat) => `kmod_bench_typed_${repeat}`;
/** The file-scope burst: an __init function, so the call typed later is a finding. */
const newFunction = (repeat) => `\nstatic int __init ${nameOf(repeat)}(void)\n{\n\treturn 0;\n}\n`;
const callOf = (repeat) => `\n\t${nameOf(repeat)}();`;

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU milliseconds (user + system, every thread) the process `pid` has used so far. */
function processCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** The end of a statement line inside a function body, in the middle of the file (where the call goes); none in a file of tables. */
function callSpot(lines) {
  const candidates = [];
  for (let line = 0; line < lines.length; line++) {
    if (
      /^\t(?!(?:return|goto|break|continue|else|case|default)\b)[a-z_][A-Za-z0-9_]*[ (=].*;\s*$/.test(lines[line]) &&
      /^\t\S/.test(lines[line + 1] ?? '')
    )
      candidates.push({ line, character: lines[line].length });
  }
  if (candidates.length === 0) return undefined;
  return candidates[Math.floor(candidates.length / 2)];
}

/** Position after inserting `text` at `at` (for the cursor of the next key). */
function advance(at, char) {
  return char === '\n' ? { line: at.line + 1, character: 0 } : { line: at.line, character: at.character + 1 };
}

/**
 * Types `text` at `start`, one key every KEY_MS, and waits for the diagnostics of the final
 * version. `session.version` is the document version before the burst.
 */
async function burst(session, uri, state, start, text) {
  const pid = session.process.pid;
  const firstVersion = state.version + 1;
  const publishedFrom = session.published.length;
  const requests = [];
  const requestMs = [];
  let cancelled = 0;
  /** The unanswered request of each kind: VS Code cancels it when it sends the next. */
  const outstanding = new Map();
  const timed = (method, params) => {
    outstanding.get(method)?.cancel();
    const source = new CancellationTokenSource();
    outstanding.set(method, source);
    const t0 = performance.now();
    requests.push(
      session.connection.sendRequest(method, params, source.token).then(
        () => requestMs.push(performance.now() - t0),
        () => cancelled++,
      ),
    );
  };
  const cpuBefore = processCpuMs(pid);
  let at = start;
  let next = performance.now();
  let lastKeyAt = 0;
  for (let i = 0; i < text.length; i++) {
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    next += KEY_MS;
    state.version++;
    const change = { range: { start: at, end: at }, text: text[i] };
    lastKeyAt = performance.now();
    void session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: state.version },
      contentChanges: [change],
    });
    at = advance(at, text[i]);
    timed('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: at, end: at },
      context: { diagnostics: [] },
    });
    if (i % 4 === 3) timed('textDocument/documentSymbol', { textDocument: { uri } });
  }
  const finalVersion = state.version;
  const already = session.published.slice(publishedFrom).some((p) => p.uri === uri && p.version === finalVersion);
  const final = already ? undefined : await session.diagnostics(uri, (p) => p.version === finalVersion, 120_000);
  const settleMs = performance.now() - lastKeyAt;
  await Promise.all(requests);
  const cpuAfter = processCpuMs(pid);
  const versions = session.published
    .slice(publishedFrom)
    .filter((p) => p.uri === uri && typeof p.version === 'number')
    .map((p) => p.version);
  const intermediate = [...new Set(versions.filter((v) => v >= firstVersion && v < finalVersion))];
  return {
    keys: text.length,
    settleMs: already ? 0 : settleMs,
    cpuPerKeyMs: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / text.length,
    intermediatePublished: intermediate.length,
    requests: { n: requestMs.length, cancelled, p50: percentile(requestMs, 50), p95: percentile(requestMs, 95) },
    finalDiagnostics: (final ?? session.published.findLast((p) => p.uri === uri && p.version === finalVersion))?.diagnostics.length ?? null,
    end: at,
  };
}

/**
 * Waits until the server's threads have used under 5 % of a core for half a second (at most
 * `maxMs`): work that publishes nothing (the header scan for hovers) must not be billed to the keys.
 */
async function cpuQuiet(pid, maxMs) {
  const deadline = performance.now() + maxMs;
  let before = processCpuMs(pid);
  while (performance.now() < deadline) {
    await sleep(500);
    const now = processCpuMs(pid);
    if (now === null || before === null || now - before < 25) return;
    before = now;
  }
}

/** The median burst of `bursts` by `key`, with every burst's settle and CPU. */
function median(bursts) {
  const bySettle = [...bursts].sort((a, b) => a.settleMs - b.settleMs);
  const byCpu = bursts
    .map((b) => b.cpuPerKeyMs)
    .filter((v) => v !== null)
    .sort((a, b) => a - b);
  const middle = bySettle[Math.floor(bySettle.length / 2)];
  return {
    ...middle,
    cpuPerKeyMs: byCpu.length > 0 ? byCpu[Math.floor(byCpu.length / 2)] : null,
    intermediatePublished: Math.max(...bursts.map((b) => b.intermediatePublished)),
    repeats: bursts.map((b) => ({ settleMs: b.settleMs, cpuPerKeyMs: b.cpuPerKeyMs })),
  };
}

/** Both bursts on one file in a fresh server, REPEATS times (a new function each time). */
async function typeInto(file, { kdir, kernelVersion, factsCacheDir, log }) {
  const { LspSession } = outModule('test/support/lsp-client');
  const text = fs.readFileSync(file, 'utf8');
  const uri = pathToFileURL(file).href;
  const lines = text.split('\n');
  let end = { line: lines.length - 1, character: lines[lines.length - 1].length };
  // A file of tables only (rtw8852a_table.c) has no function but the one the file-scope burst typed.
  const middleSpot = callSpot(lines);
  const session = new LspSession({ kernelBuildDir: kdir ?? '', kernelVersion, factsCacheDir }, []);
  try {
    await session.initialize();
    await sleep(300);
    const state = { version: 1 };
    const opened = session.diagnostics(uri, (p) => p.version === 1, 300_000);
    await session.open(uri, text, 1);
    await opened;
    await settle(session, 1000, 60_000);
    await cpuQuiet(session.process.pid, 60_000);
    const fileScope = [];
    const inBody = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const typed = newFunction(repeat);
      log(`typing: ${path.basename(file)}: file-scope burst (${typed.length} keys), ${repeat + 1} of ${REPEATS}`);
      const spot = middleSpot ?? { line: end.line + 2, character: 1 };
      const scope = await burst(session, uri, state, end, typed);
      fileScope.push(scope);
      await settle(session, 500, 30_000);
      await cpuQuiet(session.process.pid, 30_000);
      const call = callOf(repeat);
      log(
        `typing: ${path.basename(file)}: burst inside a body at line ${spot.line + 1} (${call.length} keys), ${repeat + 1} of ${REPEATS}`,
      );
      inBody.push(await burst(session, uri, state, spot, call));
      await settle(session, 500, 30_000);
      await cpuQuiet(session.process.pid, 30_000);
      // The call added a line before the end of the file.
      end = { line: scope.end.line + 1, character: scope.end.character };
    }
    return { file, bytes: Buffer.byteLength(text), fileScope: median(fileScope), inBody: median(inBody) };
  } catch (error) {
    log(`typing on ${file} failed: ${error.message}\nserver stderr:\n${session.stderr.slice(-2000)}`);
    throw error;
  } finally {
    await session.close();
  }
}

/** The typing bursts on each of TYPING_FILES present in `tree`. */
export async function measureTyping({ tree, kdir, kernelVersion, factsCacheDir, log }) {
  const results = [];
  for (const relative of TYPING_FILES) {
    const file = path.join(tree, relative);
    if (!fs.existsSync(file)) {
      log(`typing: ${relative} is not in this tree: skipped`);
      continue;
    }
    results.push({ relative, ...(await typeInto(file, { kdir, kernelVersion, factsCacheDir, log })) });
  }
  return results;
}
