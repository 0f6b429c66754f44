// Editor latencies over real LSP (dist/server.js on stdio, as an editor runs it): edit → published
// diagnostics for that document version, and hover round trips, on one large file.
import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { outModule, peakRssMiB, percentile } from './common.mjs';

/** Waits until `session` has published nothing for `quietMs` (the server settled after opening). */
export async function settle(session, quietMs, maxMs) {
  const start = performance.now();
  let seen = session.published.length;
  let since = performance.now();
  while (performance.now() - start < maxMs) {
    await sleep(50);
    if (session.published.length !== seen) {
      seen = session.published.length;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) return;
  }
}

/** Statement lines inside function bodies (tab-indented, ending with ';'), spread over the file. */
function editSpots(text, count) {
  const lines = text.split('\n');
  const candidates = [];
  for (let line = 0; line < lines.length; line++) {
    const match = /^(\t+)(?!(?:return|goto|break|continue|else|do|case|default)\b)[a-z_][A-Za-z0-9_]*[ (=-].*;\s*$/.exec(lines[line]);
    if (match) candidates.push({ line, character: match[1].length });
  }
  if (candidates.length === 0) throw new Error('no statement lines to edit in the LSP file');
  return Array.from({ length: count }, (_, i) => candidates[Math.floor(((i + 0.5) * candidates.length) / count)]);
}

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;

/**
 * Hover positions by kind: the file's own symbols where they are referenced, kernel macros our
 * knowledge table documents, and other identifiers (kernel API: answered from the header index).
 */
function hoverTargets(text, facts, lookupMacroDoc, count) {
  const own = new Set(facts.symbols.map((symbol) => symbol.name));
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const positionOf = (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: offset - lineStarts[low] + 1 };
  };
  // Inside the identifier (one past its start); references carry either a range or line/character.
  const inside = (ref) => {
    const start = ref.range?.start ?? { line: ref.line, character: ref.character };
    return { line: start.line, character: start.character + 1 };
  };
  const symbolRefs = facts.references
    .filter((ref) => own.has(ref.name))
    .map((ref) => ({ kind: 'module symbol', name: ref.name, position: inside(ref) }));
  const otherRefs = facts.references
    .filter((ref) => !own.has(ref.name) && /^[a-z]/.test(ref.name) && !lookupMacroDoc(ref.name))
    .map((ref) => ({ kind: 'other identifier', name: ref.name, position: inside(ref) }));
  const macros = [];
  for (const match of text.matchAll(IDENTIFIER)) {
    if (lookupMacroDoc(match[0])) macros.push({ kind: 'kernel macro', name: match[0], position: positionOf(match.index) });
  }
  const spread = (list, n) => {
    const distinct = [];
    const seen = new Set();
    for (const item of list)
      if (!seen.has(item.name)) {
        seen.add(item.name);
        distinct.push(item);
      }
    const pool = distinct.length >= n ? distinct : list;
    return Array.from(
      { length: Math.min(n, pool.length) },
      (_, i) => pool[Math.floor(((i + 0.5) * pool.length) / Math.min(n, pool.length))],
    );
  };
  const wantMacros = Math.min(macros.length, Math.round(count / 4));
  const wantSymbols = Math.round((count - wantMacros) / 2);
  const picked = [...spread(macros, wantMacros), ...spread(symbolRefs, wantSymbols)];
  picked.push(...spread(otherRefs, count - picked.length));
  // Interleave kinds so no kind sits at the start or the end of the run.
  return picked
    .map((target, i) => ({ target, key: (i * 7919) % picked.length }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.target);
}

const median = (list) => percentile(list, 50);

/**
 * What one edit costs without LSP and the worker pool, warm, in this process (median of 5): the
 * file's analyzeFile (and its pre-pass and parse alone) and the check of its whole Kbuild module.
 * The rest of the measured latency is document sync, messaging, structured clone and queueing.
 */
function inProcessCost(parser, file, uri, text, context, analyzeFile, spot) {
  try {
    const { prepass } = outModule('server/src/parsing/prepass');
    const { skeleton } = outModule('server/src/parsing/skeleton');
    const { analyzeEditedFile } = outModule('server/src/engine/analyze-file');
    const { editWithinBody } = outModule('server/src/engine/body-edit');
    const { moduleOfFile } = outModule('shared/src/kbuild');
    const { checkModule } = outModule('server/src/engine/check');
    const { fileUri } = outModule('server/src/engine/project');
    const options = { ...context.extract, builtin: false };
    const time = (run) => {
      const times = [];
      for (let i = 0; i < 6; i++) {
        const t0 = performance.now();
        run();
        times.push(performance.now() - t0);
      }
      return median(times.slice(1));
    };
    const analyzeMs = time(() => analyzeFile(parser, uri, text, options));
    const prepassMs = time(() => prepass(text));
    const prepassed = prepass(text).text;
    const skeletonMs = time(() => skeleton(prepassed));
    const skeletonText = skeleton(prepassed).text;
    const parseMs = time(() => parser.parse(skeletonText)?.delete());
    // The bench's first edit: 'x' typed before a statement inside a body.
    const lines = text.split('\n');
    const at = lines.slice(0, spot.line).reduce((n, line) => n + line.length + 1, 0) + spot.character;
    const edited = text.slice(0, at) + 'x' + text.slice(at);
    const opened = analyzeEditedFile(parser, uri, text, options);
    opened.state?.tree.delete();
    if (!editWithinBody(opened.result, edited, options)) throw new Error('the bench edit did not stay inside one body');
    const bodyEditMs = time(() => editWithinBody(opened.result, edited, options));
    const module = moduleOfFile(file);
    const moduleFacts = module.sources
      .filter((source) => fs.existsSync(source))
      .map((source) =>
        source === file
          ? analyzeFile(parser, uri, text, options)
          : analyzeFile(parser, fileUri(source), fs.readFileSync(source, 'utf8'), { ...options, builtin: module.builtin }),
      );
    const { singleFileUnits } = outModule('server/src/engine/units');
    const units = singleFileUnits(moduleFacts);
    const checkMs = time(() => checkModule(units, { profile: context.profile, builtin: module.builtin, disabledCodes: new Set() }));
    return { analyzeMs, prepassMs, skeletonMs, parseMs, bodyEditMs, checkMs, moduleFiles: moduleFacts.length };
  } catch (error) {
    return { error: String(error?.message ?? error) };
  }
}

/**
 * Opens `file` in a fresh server, then times `edits` edits (insert 'x' before a statement's first
 * identifier, then delete it: the text and its facts change each time) until the diagnostics for
 * that version arrive, and `hovers` hovers. The edits are isolated, ISOLATED_EDIT_GAP_MS apart, as a
 * person's single changes are: keys that come faster are a burst, which the server paces on
 * purpose (the typing phase measures those).
 */
/** Longer than the server's longest pause for a burst of keys (edit-pacing.ts): every edit is analyzed at once. */
const ISOLATED_EDIT_GAP_MS = 150;

export async function measureLsp({ file, kdir, kernelVersion, edits, hovers, log }) {
  const { LspSession } = outModule('test/support/lsp-client');
  const { createCParser } = outModule('server/src/parsing/parser');
  const { analyzeFile } = outModule('server/src/engine/analyze-file');
  const { resolveContext } = outModule('server/src/engine/project');
  const { lookupMacroDoc } = outModule('server/src/knowledge/macro-docs/index');
  const text = fs.readFileSync(file, 'utf8');
  const uri = pathToFileURL(file).href;
  const context = resolveContext({ kernelVersion });
  const parser = await createCParser();
  const facts = analyzeFile(parser, uri, text, { ...context.extract, builtin: false });
  const targets = hoverTargets(text, facts, lookupMacroDoc, hovers);
  const inProcess = inProcessCost(parser, file, uri, text, context, analyzeFile, editSpots(text, Math.ceil(edits / 2))[0]);

  const session = new LspSession({ kernelBuildDir: kdir ?? '', kernelVersion });
  try {
    await session.initialize();
    // The server applies its settings (and re-publishes) right after `initialized`: let it finish.
    await sleep(300);
    let version = 1;
    const t0 = performance.now();
    const firstDiagnostics = session.diagnostics(uri, (p) => p.version === version, 300_000);
    await session.open(uri, text, version);
    const first = await firstDiagnostics;
    const openMs = performance.now() - t0;
    await settle(session, 1000, 60_000);

    const editMs = [];
    const spots = editSpots(text, Math.ceil(edits / 2));
    for (let i = 0; i < edits; i++) {
      await sleep(ISOLATED_EDIT_GAP_MS);
      const spot = spots[Math.floor(i / 2)];
      const insert = i % 2 === 0;
      const change = insert
        ? { range: { start: spot, end: spot }, text: 'x' }
        : { range: { start: spot, end: { line: spot.line, character: spot.character + 1 } }, text: '' };
      version++;
      const wanted = version;
      const published = session.diagnostics(uri, (p) => p.version === wanted, 120_000);
      const start = performance.now();
      await session.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
      await published;
      editMs.push(performance.now() - start);
    }

    // The first hover that needs the header index starts its scan of the kernel headers; that
    // one-time cost is reported on its own and not mixed into the steady-state percentiles.
    const hoverAt = (position) => session.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
    const coldTarget = targets.find((t) => t.kind === 'other identifier') ?? targets[0];
    const coldStart = performance.now();
    const coldResult = await hoverAt(coldTarget.position);
    const coldHoverMs = performance.now() - coldStart;
    const hoverMs = [];
    const byKind = {};
    let answered = 0;
    for (const target of targets) {
      const start = performance.now();
      const result = await hoverAt(target.position);
      const ms = performance.now() - start;
      hoverMs.push(ms);
      (byKind[target.kind] ??= []).push(ms);
      if (result) answered++;
    }
    const serverRssMiB = peakRssMiB(session.process.pid);
    const summary = (list) => ({
      n: list.length,
      p50: percentile(list, 50),
      p95: percentile(list, 95),
      max: list.length ? Math.max(...list) : null,
    });
    return {
      file,
      bytes: Buffer.byteLength(text),
      findingsOnOpen: first.diagnostics.length,
      openMs,
      edits: { ...summary(editMs), all: editMs },
      hovers: {
        ...summary(hoverMs),
        answered,
        byKind: Object.fromEntries(Object.entries(byKind).map(([kind, list]) => [kind, summary(list)])),
      },
      coldHover: { ms: coldHoverMs, name: coldTarget.name, kind: coldTarget.kind, answered: !!coldResult },
      serverRssMiB,
      inProcess,
      kdir: kdir ?? null,
    };
  } catch (error) {
    log(`LSP measurement failed: ${error.message}\nserver stderr:\n${session.stderr.slice(-2000)}`);
    throw error;
  } finally {
    await session.close();
  }
}

export const defaultLspFile = (tree) => path.join(tree, 'drivers', 'scsi', 'lpfc', 'lpfc_sli.c');
