// Soak: the language server under random editor traffic for a while (KMOD_SOAK_SECONDS, default
// 120; KMOD_SOAK_SEED reproduces a run): opens, edits that break and mend the code, hovers,
// definitions, code actions, outlines, closes, watcher storms, files changing on disk. It must
// answer every request, never die, publish for each open file what a fresh server publishes for
// the same texts, and give its memory back once idle.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspSession, type PublishedDiagnostics } from '../support/lsp-client';
import { prng } from '../support/random';

const SECONDS = Number(process.env.KMOD_SOAK_SECONDS ?? 120);
const SEED = Number(process.env.KMOD_SOAK_SEED ?? 20261203);
const REQUEST_BOUND_MS = 15_000;
/** Background workers stop after 30 s idle, the editor's 10 s after the last close; then the server keeps only its tables. */
const IDLE_WAIT_MS = 60_000;
// Idle RSS measured 133–140 MB on 60 s runs once the main thread had 1 MB semi-spaces (SERVER_NODE_OPTIONS)
// and the header index a compact table; 179–245 MB before.
const IDLE_RSS_LIMIT_MB = 200;
/** The fresh server's diagnostics settle in about 10 s (its tables load meanwhile). */
const FRESH_SETTLE_MS = 60_000;
/** Error codes a server may answer an out-of-date request with. */
const BENIGN_ERRORS = new Set([-32800, -32801]);

const A_C = (k: number) => `#include <linux/module.h>
#include <linux/init.h>
#include "inc.h"

static int table_${k}[4] __initdata = { 1, 2, 3, 4 };
static int counter_${k};

int helper_${k}(int x)
{
\tif (x > 3)
\t\treturn table_${k}[x & 3];
\treturn counter_${k} + x;
}

static int __init m${k}_init(void)
{
\tcounter_${k} = setup_${k}();
\treturn 0;
}

static void __exit m${k}_exit(void)
{
\tcounter_${k} = helper_${k}(1);
}

module_init(m${k}_init);
module_exit(m${k}_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("soak ${k}");
`;

const B_C = (k: number) => `#include "inc.h"

static const char *names_${k}[] = { "a", "b" };

int __init setup_${k}(void)
{
\treturn names_${k}[0][0] + INC_VALUE;
}
`;

const INC_H = (k: number) => `#ifndef INC_${k}_H
#define INC_${k}_H
#define INC_VALUE ${k}
int setup_${k}(void);
int helper_${k}(int x);
#endif
`;

const TOKENS = [
  '__init',
  '__initdata',
  '__exit',
  ' ',
  '\n',
  '{',
  '}',
  '(',
  ')',
  ';',
  'x',
  'helper_0(2);',
  '/*',
  '*/',
  '#if 0\n',
  '#endif\n',
  '"',
  'static ',
];

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const key = (d: PublishedDiagnostics['diagnostics'][number]) =>
  `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${String(d.code)} ${d.message}`;

describe(`soak: random editor traffic for ${SECONDS} s (seed ${SEED})`, function () {
  this.timeout((SECONDS + 180) * 1000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-soak-'));
    for (let k = 0; k < 30; k++) {
      const moduleDir = path.join(dir, `m${k}`);
      fs.mkdirSync(moduleDir);
      fs.writeFileSync(path.join(moduleDir, 'Kbuild'), `obj-m += m${k}.o\nm${k}-y := a.o b.o\n`);
      fs.writeFileSync(path.join(moduleDir, 'a.c'), A_C(k));
      fs.writeFileSync(path.join(moduleDir, 'b.c'), B_C(k));
      fs.writeFileSync(path.join(moduleDir, 'inc.h'), INC_H(k));
    }
    // A 300 KB one-line initializer: its analyses are slow enough to outlast a close and reopen.
    fs.writeFileSync(
      path.join(dir, 'long-line.c'),
      `static int __initdata v[] = { ${'1, '.repeat(100_000)}1 };\nint f(void) { return v[0]; }\n`,
    );
    fs.writeFileSync(path.join(dir, 'flip.c'), 'int flip;\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers everything, never dies, agrees with a fresh server, and gives memory back', async () => {
    const random = prng(SEED);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const files = fs
      .readdirSync(dir, { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('.c') || name.endsWith('.h'))
      .map((name) => path.join(dir, name));
    const session = new LspSession({}, [dir]);
    const open = new Map<string, { text: string; version: number; closedAt?: number }>();
    /** Where in `session.published` each document was last closed (its versions start at 1 again after). */
    const closedAt = new Map<string, number>();
    const stats = { requests: 0, errors: [] as string[], timeouts: 0, slowest: 0, slowestRequest: '', edits: 0, storms: 0, diskChanges: 0 };

    const request = async (method: string, params: object): Promise<void> => {
      stats.requests++;
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), REQUEST_BOUND_MS)));
      try {
        const answer = await Promise.race([session.connection.sendRequest(method, params), bound]);
        if (answer === 'timeout') stats.timeouts++;
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === undefined || !BENIGN_ERRORS.has(code)) stats.errors.push(`${method}: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
        if (Date.now() - started > stats.slowest) {
          stats.slowest = Date.now() - started;
          const uri = (params as { textDocument?: { uri?: string } }).textDocument?.uri ?? '';
          stats.slowestRequest = `${method} ${path.basename(uri)}`;
        }
      }
    };

    const operations: [number, () => Promise<void>][] = [
      [
        2,
        async () => {
          if (open.size >= 8) return;
          const file = pick(files.filter((f) => !open.has(pathToFileURL(f).href)));
          const uri = pathToFileURL(file).href;
          const text = fs.readFileSync(file, 'latin1');
          open.set(uri, { text, version: 1, closedAt: closedAt.get(uri) });
          await session.open(uri, text);
        },
      ],
      [
        6,
        async () => {
          if (open.size === 0) return;
          const uri = pick([...open.keys()]);
          const doc = open.get(uri)!;
          const at = Math.floor(random() * (doc.text.length + 1));
          const text =
            random() < 0.35
              ? doc.text.slice(0, at) + doc.text.slice(at + 1 + Math.floor(random() * 3))
              : doc.text.slice(0, at) + pick(TOKENS) + doc.text.slice(at);
          doc.text = text;
          doc.version++;
          stats.edits++;
          await session.connection.sendNotification('textDocument/didChange', {
            textDocument: { uri, version: doc.version },
            contentChanges: [{ text }],
          });
        },
      ],
      [
        6,
        async () => {
          if (open.size === 0) return;
          const uri = pick([...open.keys()]);
          const lines = open.get(uri)!.text.split('\n');
          const line = random() < 0.1 ? 100_000 : Math.floor(random() * lines.length);
          const character = Math.floor(random() * ((lines[line]?.length ?? 10) + 1));
          const position = { line, character };
          const method = pick(['textDocument/hover', 'textDocument/definition', 'textDocument/codeAction', 'textDocument/documentSymbol']);
          const params =
            method === 'textDocument/codeAction'
              ? { textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics: [] } }
              : { textDocument: { uri }, position };
          await request(method, params);
        },
      ],
      [
        1,
        async () => {
          if (open.size <= 1) return;
          const uri = pick([...open.keys()]);
          open.delete(uri);
          closedAt.set(uri, session.published.length);
          await session.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
        },
      ],
      [
        0.3,
        async () => {
          stats.storms++;
          const changes = Array.from({ length: 200 }, () => ({ uri: pathToFileURL(pick(files)).href, type: 2 }));
          await session.connection.sendNotification('workspace/didChangeWatchedFiles', { changes });
        },
      ],
      [
        0.5,
        async () => {
          // A closed file changes on disk (a text/binary flip now and then).
          const closed = files.filter((f) => !open.has(pathToFileURL(f).href));
          const file = random() < 0.2 ? path.join(dir, 'flip.c') : pick(closed);
          if (open.has(pathToFileURL(file).href)) return;
          stats.diskChanges++;
          if (file.endsWith('flip.c')) fs.writeFileSync(file, random() < 0.5 ? 'int flip;\n' : Buffer.from([0, 1, 2, 0, 0x7f, 0]));
          else fs.appendFileSync(file, '\n/* changed */\n');
          await session.connection.sendNotification('workspace/didChangeWatchedFiles', {
            changes: [{ uri: pathToFileURL(file).href, type: 2 }],
          });
        },
      ],
    ];
    const total = operations.reduce((sum, [weight]) => sum + weight, 0);
    const operation = () => {
      let r = random() * total;
      for (const [weight, run] of operations) if ((r -= weight) < 0) return run;
      return operations[0][1];
    };

    /** How long each part of the test took (ms), for a run that comes near mocha's limit. */
    const phases = { traffic: 0, final: 0, fresh: 0 };
    try {
      await session.initialize();
      const deadline = Date.now() + SECONDS * 1000;
      const lane = async () => {
        while (Date.now() < deadline) {
          await operation()();
          await new Promise((resolve) => setTimeout(resolve, random() * 20));
        }
      };
      await Promise.all([lane(), lane()]);
      phases.traffic = Date.now() - deadline + SECONDS * 1000;
      assert.equal(session.process.exitCode, null, `the server died: ${session.stderr.slice(-2000)}`);
      const finalFrom = Date.now();

      // Each open file's diagnostics for its final version. A reopened file numbers its versions from
      // 1 again: what the server published for the same number before it took the close (it clears
      // a closed file's diagnostics, without a version) is about another text.
      const final = new Map<string, PublishedDiagnostics>();
      for (const [uri, doc] of open) {
        let from = 0;
        if (doc.closedAt !== undefined) {
          const clear = (p: PublishedDiagnostics, i: number) => i >= doc.closedAt! && p.uri === uri && p.version === undefined;
          if (!session.published.some(clear)) await session.diagnostics(uri, (p) => p.version === undefined, 30_000);
          from = session.published.findIndex(clear) + 1;
        }
        const last = session.published
          .slice(from)
          .reverse()
          .find((p) => p.uri === uri && p.version === doc.version);
        final.set(uri, last ?? (await session.diagnostics(uri, (p) => p.version === doc.version, 30_000)));
      }

      phases.final = Date.now() - finalFrom;

      // A fresh server given the same texts publishes the same.
      const fresh = new LspSession({ index: { enabled: false } }, [dir]);
      try {
        await fresh.initialize();
        for (const [uri, doc] of open) await fresh.open(uri, doc.text, doc.version);
        // Until it has settled: the build dir's tables load in a few seconds, and then it publishes again.
        let count = -1;
        const started = Date.now();
        while (Date.now() - started < 8000 || fresh.published.length !== count) {
          // A server that publishes again and again for texts nobody changes is a fault, not a slow start.
          assert.ok(Date.now() - started < FRESH_SETTLE_MS, `a fresh server still publishing after ${FRESH_SETTLE_MS / 1000} s`);
          count = fresh.published.length;
          await new Promise((resolve) => setTimeout(resolve, 3000));
        }
        phases.fresh = Date.now() - started;
        const drift: string[] = [];
        for (const [uri, published] of final) {
          const theirs = [...fresh.published].reverse().find((p) => p.uri === uri);
          const ours = published.diagnostics.map(key).sort();
          const expected = (theirs?.diagnostics ?? []).map(key).sort();
          if (JSON.stringify(ours) !== JSON.stringify(expected))
            drift.push(`${uri}: ${JSON.stringify(ours)} vs fresh ${JSON.stringify(expected)}`);
        }
        if (drift.length > 0) {
          // Keep what it takes to reproduce: every open text and the tree on disk.
          const kept = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-soak-drift-'));
          fs.cpSync(dir, path.join(kept, 'disk'), { recursive: true });
          fs.writeFileSync(path.join(kept, 'open.json'), JSON.stringify([...open], null, 1));
          console.log(`    soak: drift; texts kept in ${kept}`);
        }
        assert.deepEqual(drift, [], 'open documents that differ from a fresh server');
      } finally {
        await fresh.close();
      }

      // Idle: background workers retire and their memory goes.
      for (const uri of open.keys()) await session.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
      await new Promise((resolve) => setTimeout(resolve, IDLE_WAIT_MS));
      // The lowest of a few samples: the heap shrinks at the collector's pace, not at once.
      let idleRss = Infinity;
      for (let i = 0; i < 10; i++) {
        idleRss = Math.min(idleRss, rssMb(session.process.pid!));
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      console.log(
        `    soak: ${stats.requests} requests, ${stats.edits} edits, ${stats.storms} storms, ${stats.diskChanges} disk changes; ` +
          `slowest ${stats.slowest} ms (${stats.slowestRequest}); errors ${stats.errors.length}, timeouts ${stats.timeouts}; idle RSS ${idleRss.toFixed(0)} MB; ` +
          `traffic ${(phases.traffic / 1000).toFixed(0)} s, final diagnostics ${(phases.final / 1000).toFixed(1)} s, fresh server ${(phases.fresh / 1000).toFixed(0)} s`,
      );
      assert.deepEqual(stats.errors, []);
      assert.equal(stats.timeouts, 0);
      assert.ok(idleRss < IDLE_RSS_LIMIT_MB, `idle RSS ${idleRss.toFixed(0)} MB`);
      assert.equal(session.process.exitCode, null, `the server died: ${session.stderr.slice(-2000)}`);
    } finally {
      await session.close();
    }
  });
});
