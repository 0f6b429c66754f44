import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { pathToFileURL } from 'node:url';
import { AnalysisService } from './analysis-service';
import type { Finding } from '../model/types';
import { oneHeaderScanAtATime } from '../engine/header-symbols';
import { loadKernelLinkTables } from '../engine/link-checks';
import { ContentHashes } from '../engine/module-cache';
import { VmlinuxTable } from '../engine/vmlinux';
import { moduleOfFile } from '../../../shared/src/kbuild';
import { fakeKernelBuildDir, writeModule } from '../../../test/support/modules';

/** A service configured with the build dir `kdir`, once its link tables have loaded. */
async function loadedService(kdir: string): Promise<AnalysisService> {
  const service = new AnalysisService();
  const loaded = new Promise<void>((resolve) => service.onKernelTablesLoaded(resolve));
  service.configure({ kdir });
  await loaded;
  return service;
}

/** Findings as the edit tests compare them: code, place and message, in one order. */
const findingSummary = (findings: readonly Finding[]): string[] =>
  findings.map((f) => `${f.code}@${f.range.start.line}:${f.range.start.character} ${f.message}`).sort();

/**
 * Analyses `text` as `version` of the document `uri` open in `service` (an edit of the last
 * version), and in `fresh` as a document opened anew (no edit to start from): both must find the same.
 */
async function sameAsFresh(service: AnalysisService, fresh: AnalysisService, uri: string, version: number, text: string, what: string) {
  const edited = await service.analyzeModule(uri, version, text);
  fresh.close(uri);
  fresh.opened(uri);
  const expected = await fresh.analyzeModule(uri, 1, text);
  assert.deepEqual(findingSummary(edited.findings), findingSummary(expected.findings), what);
  return edited.findings;
}

describe('AnalysisService: one module analysis per text', () => {
  const source = 'static int __initdata x = 1;\nstatic void __exit bye(void) { (void)x; }\nmodule_exit(bye);\n';

  it('gives requests for a text whose analysis is under way that analysis, and a new one once anything else changed', async () => {
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': source });
    const service = new AnalysisService();
    try {
      service.configure({});
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      // The publisher and two requests that waited for the end of a burst of keys, all in one turn.
      const runs = [service.analyzeModule(uri, 1, source), service.analyzeModule(uri, 1, source), service.analyzeModule(uri, 1, source)];
      const [first, ...others] = await Promise.all(runs);
      for (const other of others) assert.equal(other, first, 'the same analysis');
      assert.deepEqual(
        first.findings.map((f) => f.code),
        ['section-mismatch'],
      );
      // Settings changed while an analysis was under way: a request after that gets a fresh one.
      const before = service.analyzeModule(uri, 2, `${source}\n`);
      service.configure({ extraWarn: true });
      const after = service.analyzeModule(uri, 2, `${source}\n`);
      assert.notEqual(await after, await before);
      assert.notEqual(await service.analyzeModule(uri, 3, source), first, 'another version is analyzed');
    } finally {
      await service.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks only built-in modules again when the index learns vmlinux, and lets requests read the last analysis meanwhile', async () => {
    const dir = writeModule({ Kbuild: 'obj-m += m.o\nobj-y += b.o\n', 'm.c': source, 'b.c': source });
    const service = new AnalysisService();
    try {
      service.configure({});
      const loadable = pathToFileURL(path.join(dir, 'm.c')).href;
      const builtin = pathToFileURL(path.join(dir, 'b.c')).href;
      const [loadableBefore, builtinBefore] = await Promise.all([
        service.analyzeModule(loadable, 1, source),
        service.analyzeModule(builtin, 1, source),
      ]);
      assert.equal(builtinBefore.module.builtin, true);
      service.setVmlinux(new VmlinuxTable());
      // Read while the built-in module is checked again: its last analysis, at once.
      assert.equal(await service.analysisToRead(builtin, 1, source), builtinBefore);
      assert.equal(await service.analyzeModule(loadable, 1, source), loadableBefore, 'a loadable module does not read vmlinux');
      assert.notEqual(await service.analyzeModule(builtin, 1, source), builtinBefore, 'a built-in module is checked across vmlinux');
    } finally {
      await service.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sees a sibling changed on disk once the watcher says so, without a stat of every file per keystroke', async () => {
    const exitSource = 'static void __exit bye(void) { (void)x; }\nmodule_exit(bye);\n';
    const dir = writeModule({ Kbuild: 'obj-m += m.o\nm-y := a.o b.o\n', 'a.c': exitSource, 'b.c': 'int x = 1;\n' });
    const service = new AnalysisService();
    try {
      service.configure({});
      const uri = pathToFileURL(path.join(dir, 'a.c')).href;
      assert.deepEqual((await service.analyzeModule(uri, 1, exitSource)).findings, []);
      fs.writeFileSync(path.join(dir, 'b.c'), 'int x __initdata = 1;\n');
      service.diskChanged();
      const codes = (await service.analyzeModule(uri, 2, `${exitSource}\n`)).findings.map((f) => f.code);
      assert.deepEqual(codes, ['section-mismatch'], 'the sibling as it is on disk now');
    } finally {
      await service.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets a request that reads facts (a hover) take the last analysis of a text while the module is checked again for link tables that arrived; not after a settings change', async () => {
    const kdir = fakeKernelBuildDir([6, 1]);
    const text = 'static int __initdata x = 1;\nint use(void) { return x + vfs_write(0, 0, 0, 0); }\nMODULE_LICENSE("GPL");\n';
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': text });
    const service = new AnalysisService();
    // The build dir's header scan waits behind one that has not ended: its tables arrive when the test says.
    let endScan = (): void => undefined;
    const scanEnded = new Promise<void>((resolve) => (endScan = resolve));
    void oneHeaderScanAtATime(() => scanEnded);
    try {
      const tablesLoaded = new Promise<void>((resolve) => service.onKernelTablesLoaded(resolve));
      service.configure({ kdir });
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      const before = await service.analyzeModule(uri, 1, text);
      assert.ok(!before.findings.some((f) => f.code === 'undefined-symbol'), 'no link finding before the tables');
      endScan();
      await tablesLoaded;
      assert.equal(await service.analysisToRead(uri, 1, text), before, 'the facts stand: the last analysis is read');
      const checked = await service.analyzeModule(uri, 1, text);
      assert.notEqual(checked, before);
      assert.ok(checked.findings.some((f) => f.code === 'undefined-symbol'));
      assert.equal(await service.analysisToRead(uri, 1, text), checked, 'then the new one');
      assert.notEqual(await service.analysisToRead(uri, 2, `${text}\n`), checked, 'another text is analysed');
      service.configure({ kdir, disabledCodes: ['undefined-symbol'] });
      const afterSettings = await service.analysisToRead(uri, 2, `${text}\n`);
      assert.ok(!afterSettings.findings.some((f) => f.code === 'undefined-symbol'), 'settings changed: analysed again');
    } finally {
      endScan();
      await service.dispose();
      for (const d of [kdir, dir]) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('with several kernels, checks linking once every kernel is loaded: one still loading is not taken for one without the finding', async () => {
    const kdir61 = fakeKernelBuildDir([6, 1]);
    const kdir73 = fakeKernelBuildDir([7, 3]);
    const text = 'int use(void) { return vfs_write(0, 0, 0, 0); }\nMODULE_LICENSE("GPL");\n';
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': text });
    const service = new AnalysisService();
    // 7.3's tables are at hand; the configured 6.1's header scan waits behind one that has not ended.
    await loadKernelLinkTables(kdir73);
    let endScan = (): void => undefined;
    const scanEnded = new Promise<void>((resolve) => (endScan = resolve));
    void oneHeaderScanAtATime(() => scanEnded);
    try {
      let loads = 0;
      const loaded = (count: number): Promise<void> =>
        new Promise((resolve) => service.onKernelTablesLoaded(() => ++loads >= count && resolve()));
      const sevenThree = loaded(1);
      service.configure({ kdir: kdir61, otherKdirs: [kdir73] });
      await sevenThree;
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      const messages = async (version: number): Promise<string[]> =>
        (await service.analyzeModule(uri, version, text)).findings
          .map((f) => `${f.code}: ${/\(only on [^)]*\)$/.exec(f.message)?.[0] ?? 'all'}`)
          .sort();
      assert.deepEqual(await messages(1), [], 'no link finding while 6.1 loads');
      const both = loaded(2);
      endScan();
      await both;
      assert.deepEqual(await messages(2), ['missing-description: (only on 7.3.0)', 'undefined-symbol: all']);
    } finally {
      endScan();
      await service.dispose();
      for (const d of [kdir61, kdir73, dir]) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('the background index checks a module on a worker, with the findings this thread gives it, and here when one of its files is open', async () => {
    const kdir = fakeKernelBuildDir([6, 1]);
    const header = '#include <linux/fs.h>\nstatic inline int helper(void) { return 1; }\nextern int shared __initdata;\n';
    const files = {
      Kbuild: 'obj-m += m.o\nm-y := a.o b.o\n',
      'local.h': header,
      'a.c': '#include "local.h"\nstatic void __exit bye(void) { (void)shared; vfs_write(0, 0, 0, 0); }\nmodule_exit(bye);\n',
      'b.c':
        '#include "local.h"\nint shared __initdata = 1;\nint uses(void) { return helper() + msleep(1) + kallsyms_lookup_name("x"); }\n',
    };
    const dir = writeModule(files);
    const service = new AnalysisService();
    try {
      service.configure({ kdir });
      const tablesLoaded = new Promise<void>((resolve) => service.onKernelTablesLoaded(resolve));
      await tablesLoaded;
      const module = moduleOfFile(path.join(dir, 'a.c'));
      const onWorker = await service.moduleResultOnDisk(module, new ContentHashes());
      assert.equal(service.checkedOnWorkers, 1);
      const codes = onWorker.findings.map((f) => f.code).sort();
      assert.ok(codes.includes('section-mismatch') && codes.includes('undefined-symbol'), codes.join(' '));
      // With the header open (as on disk), the module is checked on this thread: the same result.
      const headerUri = pathToFileURL(path.join(dir, 'local.h')).href;
      await service.analyzeModule(headerUri, 1, header);
      const here = await service.moduleResultOnDisk(module, new ContentHashes());
      assert.equal(service.checkedOnWorkers, 1, 'declined: the header is open');
      assert.deepEqual(here, onWorker);
      // A source open: not even asked of a worker.
      await service.analyzeModule(pathToFileURL(path.join(dir, 'a.c')).href, 1, files['a.c']);
      assert.deepEqual(await service.moduleResultOnDisk(module, new ContentHashes()), onWorker);
      assert.equal(service.checkedOnWorkers, 1);
    } finally {
      await service.dispose();
      for (const d of [kdir, dir]) fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it('keeps the uses in a body the configuration leaves out left out when lines above them go', async function () {
    this.timeout(30_000);
    const kdir = fakeKernelBuildDir([6, 1]);
    const text = (body: string): string =>
      `#include <linux/module.h>\n#ifdef CONFIG_LEFT_OUT\nstatic int off(void)\n{\n${body}\treturn 0;\n}\n#endif\nstatic int later(void) { return vfs_write(0, 0, 0, 0); }\nMODULE_LICENSE("GPL");\n`;
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': text('') });
    const service = await loadedService(kdir);
    try {
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      const codes = async (version: number, body: string): Promise<string[]> =>
        (await service.analyzeModule(uri, version, text(body))).findings.map((f) => `${f.code}@${f.range.start.line}`);
      assert.deepEqual(await codes(1, ''), ['undefined-symbol@7']);
      assert.deepEqual(await codes(2, '\ta();\n\tb();\n\tc();\n\td();\n\tvfs_write(0, 0, 0, 0);\n'), ['undefined-symbol@12']);
      // Four lines go above the left-out use, more than follow it to the #endif: it is still left
      // out, and later()'s use is still the first.
      assert.deepEqual(await codes(3, '\tvfs_write(0, 0, 0, 0);\n'), ['undefined-symbol@8']);
    } finally {
      await service.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(kdir, { recursive: true, force: true });
    }
  });

  it('sends file-scope edits of a large open file to its worker as edits of the text before, with the facts of a fresh analysis', async function () {
    this.timeout(30_000);
    const functions = Array.from({ length: 2500 }, (_, i) => `static int f${i}(void)\n{\n\treturn ${i};\n}\n`).join('');
    const steps = [
      `#include <linux/module.h>\n${functions}`,
      // A function typed at the end, a declaration in the middle, a function taken away near the start.
      `#include <linux/module.h>\n${functions}static int __init added(void) { return f7(); }\n`,
      `#include <linux/module.h>\n${functions.replace('static int f1200(void)', 'static int gx;\nstatic int f1200(void)')}static int __init added(void) { return f7(); }\n`,
      `#include <linux/module.h>\n${functions.replace('static int f3(void)\n{\n\treturn 3;\n}\n', '').replace('static int f1200(void)', 'static int gx;\nstatic int f1200(void)')}static int __init added(void) { return f7(); }\n`,
    ];
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': steps[0] });
    const service = new AnalysisService();
    const fresh = new AnalysisService();
    try {
      service.configure({});
      fresh.configure({});
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      const pool = (service as unknown as { interactive: { edits: { sent: number; caughtUp: number } } }).interactive;
      const comparable = (facts: object): string => JSON.stringify(facts);
      for (const [i, text] of steps.entries()) {
        const edited = await service.factsForText(uri, i + 1, text);
        fresh.close(uri);
        fresh.opened(uri);
        assert.equal(comparable(edited), comparable(await fresh.factsForText(uri, 1, text)), `step ${i}`);
      }
      assert.equal(pool.edits.sent, steps.length - 1, 'each text after the first went as an edit');
    } finally {
      await Promise.all([service.dispose(), fresh.dispose()]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('after random file-scope edits of a large file (answered by the worker as changes) and calls typed into bodies, the same findings as a fresh analysis', async function () {
    this.timeout(120_000);
    const kdir = fakeKernelBuildDir([6, 1]);
    // Large enough to go to the worker as edits: filler functions, with the edits' items among them.
    const filler = Array.from({ length: 1800 }, (_, i) => `static int f${i}(void) { return ${i}; }`);
    // Items typed in or taken away: uses of names the build dir does not export (their first use
    // is the finding), a definition of one of them (its uses are then the module's own), uses left
    // out by the configuration or in an unused inline function, an init function, a half-typed one.
    const kinds = [
      (k: number) => `static int u${k}(void) { return vfs_write(0, 0, 0, 0); }`,
      (k: number) => `static unsigned long k${k}(void) { return kallsyms_lookup_name("x"); }`,
      () => 'ssize_t vfs_write(struct file *f, const char *b, size_t n, long long *p) { return 0; }',
      (k: number) => `#ifdef CONFIG_LEFT_OUT\nstatic int off${k}(void) { return vfs_write(0, 0, 0, 0); }\n#endif`,
      (k: number) => `static inline unsigned long inl${k}(void) { return kallsyms_lookup_name("y"); }`,
      (k: number) => `static int __init setup${k}(void) { return 0; }`,
      (k: number) => `static int half${k}(void`,
    ];
    let seed = 11;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const items = ['#include <linux/module.h>', ...filler, 'MODULE_LICENSE("GPL");'];
    const textOf = (): string => `${items.join('\n')}\n`;
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': textOf() });
    const [service, fresh] = await Promise.all([loadedService(kdir), loadedService(kdir)]);
    try {
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      const pool = (service as unknown as { interactive: { edits: { sent: number; caughtUp: number } } }).interactive;
      await service.analyzeModule(uri, 1, textOf());
      const codes = new Set<string>();
      // Every fourth step a call typed into a body, or taken out of the one that has had it longest
      // (the uses of each name are counted across file-scope edits: the last one taken out is no use any more).
      const calling = 'return vfs_write(0, 0, 0, 0);';
      const calls: string[] = [];
      const fillerAt = (name: string): number => items.findIndex((item) => item.startsWith(`static int ${name}(void)`));
      for (let step = 2; step < 62; step++) {
        const typedIn = items.flatMap((item, i) => (/^(?:static int f\d+\(void\)|#include|MODULE_)/.test(item) ? [] : [i]));
        if (step % 8 === 0 && calls.length > 0) {
          const at = fillerAt(calls.shift() ?? '');
          items[at] = items[at].replace(calling, 'return 0;');
        } else if (step % 4 === 0) {
          const name = `f${random(filler.length)}`;
          const at = fillerAt(name);
          if (!calls.includes(name)) calls.push(name);
          items[at] = items[at].replace(/return \d+;/, calling);
        } else if (typedIn.length > 0 && random(3) === 0) items.splice(typedIn[random(typedIn.length)], 1);
        // Most items typed near the end (a new function), the others anywhere.
        else
          items.splice(random(3) > 0 ? items.length - 1 - random(3) : 1 + random(items.length - 2), 0, kinds[random(kinds.length)](step));
        for (const finding of await sameAsFresh(service, fresh, uri, step, textOf(), `step ${step}`)) codes.add(finding.code);
      }
      assert.ok(pool.edits.sent >= 40, `the texts went to the worker as edits (${pool.edits.sent})`);
      assert.ok(pool.edits.caughtUp >= 5, `after edits inside bodies, the worker caught up first (${pool.edits.caughtUp})`);
      assert.ok(codes.has('undefined-symbol') && codes.has('section-mismatch') === false, [...codes].join(' '));
    } finally {
      await Promise.all([service.dispose(), fresh.dispose()]);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(kdir, { recursive: true, force: true });
    }
  });

  it('lets go of the facts of the versions typed before the last ones (body and file-scope edits)', async function () {
    this.timeout(60_000);
    v8.setFlagsFromString('--expose-gc');
    const collect = vm.runInNewContext('gc') as () => void;
    // Large enough to go to the worker as edits; a body to type in, and the end of the file.
    const filler = Array.from({ length: 1800 }, (_, i) => `static int f${i}(void) { return ${i}; }`).join('\n');
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': '' });
    const service = new AnalysisService();
    try {
      service.configure({});
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      const versions: WeakRef<object>[] = [];
      let version = 0;
      const analyze = async (text: string): Promise<void> => {
        const analysis = await service.analyzeModule(uri, ++version, text);
        versions.push(new WeakRef(analysis.files.find((file) => file.uri === uri) ?? {}));
      };
      for (let i = 0; i < 30; i++) await analyze(`static int typed(void)\n{\n${'\tmsleep(1);\n'.repeat(i)}\treturn 0;\n}\n${filler}\n`);
      for (let i = 0; i < 30; i++)
        await analyze(`static int typed(void)\n{\n\treturn 0;\n}\n${filler}\n${'static int g(void) { return 1; }\n'.repeat(i)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      collect();
      await new Promise((resolve) => setTimeout(resolve, 10));
      collect();
      // The last few stay: the module's recent name lookups and link checks are kept (8 of each).
      const alive = versions.filter((ref) => ref.deref() !== undefined).length;
      assert.ok(alive <= 12, `${alive} of ${versions.length} versions still held`);
    } finally {
      await service.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('after a file-scope edit takes a definition away, finds the first use of the name before the edit, and counts its uses', async function () {
    this.timeout(30_000);
    const kdir = fakeKernelBuildDir([6, 1]);
    const filler = Array.from({ length: 1800 }, (_, i) => `static int f${i}(void) { return ${i}; }`).join('\n');
    const definition = 'ssize_t vfs_write(struct file *f, const char *b, size_t n, long long *p) { return 0; }\n';
    const call = 'return vfs_write(0, 0, 0, 0);';
    const text = ({ defined = false, early = call, last = 'return 1;' } = {}): string =>
      `#include <linux/module.h>\nstatic int early(void) { ${early} }\nstatic int again(void) { ${call} }\n${filler}\n` +
      `static int last(void) { ${last} }\n${defined ? definition : ''}MODULE_LICENSE("GPL");\n`;
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': text() });
    const service = await loadedService(kdir);
    try {
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      const codes = async (version: number, source: string): Promise<string[]> =>
        (await service.analyzeModule(uri, version, source)).findings.map((f) => `${f.code}@${f.range.start.line}`);
      assert.deepEqual(await codes(1, text()), ['undefined-symbol@1']);
      assert.deepEqual(await codes(2, text({ defined: true })), []);
      // Taken away at the end: the use at the top, before the edit, is the first use again.
      assert.deepEqual(await codes(3, text()), ['undefined-symbol@1']);
      // Typed in again, a body edited near the end (the uses are counted from now on), taken away again:
      // both calls count, and with the first one gone the second is the first use.
      assert.deepEqual(await codes(4, text({ defined: true })), []);
      assert.deepEqual(await codes(5, text({ defined: true, last: 'return f0();' })), []);
      assert.deepEqual(await codes(6, text({ last: 'return f0();' })), ['undefined-symbol@1']);
      assert.deepEqual(await codes(7, text({ early: 'return 0;', last: 'return f0();' })), ['undefined-symbol@2']);
    } finally {
      await service.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(kdir, { recursive: true, force: true });
    }
  });

  it('after random edits inside bodies, some adding or removing lines, the same findings as a fresh analysis of the text', async function () {
    this.timeout(60_000);
    const kdir = fakeKernelBuildDir([6, 1]);
    const start = [
      '#include <linux/module.h>',
      'static int table[4] __initdata = { 1, 2, 3, 4 };',
      'static int __init setup(void) { return table[0]; }',
      'static int early(void)',
      '{',
      '\treturn msleep(1);',
      '}',
      'static void __exit bye(void)',
      '{',
      '\t(void)table[1];',
      '}',
      // Left out by the build dir's configuration: nothing in it is a use from outside.
      '#ifdef CONFIG_LEFT_OUT',
      'static int off(void)',
      '{',
      '\tkallsyms_lookup_name("z");',
      '\treturn 0;',
      '}',
      '#endif',
      'static int later(void)',
      '{',
      '\tvfs_write(0, 0, 0, 0);',
      '\treturn setup() + table[3];',
      '}',
      'module_init(setup);',
      'module_exit(bye);',
      'MODULE_LICENSE("GPL");',
      '',
    ].join('\n');
    // Lines typed into early(), bye() and off(), or taken away (up to three at once): uses of
    // __init names, of names the build dir exports or not, blank lines; everything after them moves.
    const typed = ['', '\t(void)table[2];', '\tsetup();', '\tvfs_write(0, 0, 0, 0);', '\tmsleep(2);', '\tkallsyms_lookup_name("x");'];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': start });
    const [service, fresh] = await Promise.all([loadedService(kdir), loadedService(kdir)]);
    try {
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      let text = start;
      await service.analyzeModule(uri, 1, text);
      const codes = new Set<string>();
      for (let step = 2; step < 42; step++) {
        const lines = text.split('\n');
        // The lines strictly inside early()'s and bye()'s braces, and the line after each `{`.
        const inside: number[] = [];
        for (const name of ['early', 'bye', 'off']) {
          const open = lines.findIndex((line) => line.includes(` ${name}(void)`)) + 1;
          const close = lines.indexOf('}', open);
          for (let line = open + 1; line <= close; line++) inside.push(line);
        }
        const at = inside[random(inside.length)];
        // Whole lines of the body only: its closing brace stays.
        let removable = 0;
        while (removable < 3 && lines[at + removable] !== '}') removable++;
        if (removable > 0 && random(3) === 0) lines.splice(at, 1 + random(removable));
        else lines.splice(at, 0, typed[random(typed.length)]);
        text = lines.join('\n');
        for (const finding of await sameAsFresh(service, fresh, uri, step, text, JSON.stringify(text))) codes.add(finding.code);
      }
      assert.deepEqual([...codes].sort(), ['section-mismatch', 'undefined-symbol'], 'both kinds of finding were there to compare');
    } finally {
      await Promise.all([service.dispose(), fresh.dispose()]);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(kdir, { recursive: true, force: true });
    }
  });

  it('after each edit inside a body, the same link findings as a fresh analysis of the text', async function () {
    this.timeout(30_000);
    const kdir = fakeKernelBuildDir([6, 1]);
    const body = (calls: string): string =>
      `#include <linux/module.h>\nstatic unsigned long earlier(void) { return kallsyms_lookup_name("y"); }\nstatic int __init i(void)\n{\n${calls}\treturn 0;\n}\nmodule_init(i);\nMODULE_LICENSE("GPL");\nstatic int later(void) { return vfs_write(0, 0, 0, 0); }\n`;
    // Typing a call key by key, then another, then taking the first away: names appear, move and go.
    const steps: string[] = [];
    const typed = '\tvfs_write(0, 0, 0, 0);\n\tkallsyms_lookup_name("x");\n';
    for (let n = 1; n <= typed.length; n++) steps.push(body(typed.slice(0, n)));
    // A key on another line: vfs_write's first use stays where it is (and is kept from the previous version).
    steps.push(body('\tvfs_write(0, 0, 0, 0);\n\tkallsyms_lookup_name("xy");\n'));
    // The first call goes and its line stays: vfs_write's first use is in later() again.
    steps.push(body('\t;\n\tkallsyms_lookup_name("x");\n'));
    steps.push(body('\tkallsyms_lookup_name("x");\n'), body(''), body('\tmsleep(1);\n'));
    // A name used nowhere else, then spelt differently on the same line: its finding goes.
    steps.push(body('\t(void)jiffies_like;\n'), body('\t(void)jiffies_lik;\n'));
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': steps[0] });
    const service = await loadedService(kdir);
    try {
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      const summary = (findings: readonly { code: string; range: { start: { line: number; character: number } } }[]): string[] =>
        findings.map((f) => `${f.code}@${f.range.start.line}:${f.range.start.character}`).sort();
      let version = 0;
      const seen = new Set<string>();
      for (const text of steps) {
        const edited = await service.analyzeModule(uri, ++version, text);
        const fresh = await loadedService(kdir);
        try {
          const expected = await fresh.analyzeModule(uri, 1, text);
          assert.deepEqual(summary(edited.findings), summary(expected.findings), JSON.stringify(text));
          summary(edited.findings).forEach((finding) => seen.add(finding));
        } finally {
          await fresh.dispose();
        }
      }
      // vfs_write's first use moves into the init function and back to later(); kallsyms_lookup_name's stays in earlier(); jiffies_like comes and goes.
      assert.deepEqual([...seen].sort(), [
        'undefined-symbol@10:32',
        'undefined-symbol@1:44',
        'undefined-symbol@4:1',
        'undefined-symbol@4:7',
        'undefined-symbol@8:32',
        'undefined-symbol@9:32',
      ]);
    } finally {
      await service.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(kdir, { recursive: true, force: true });
    }
  });

  it('counts the uses of more names than it keeps recounted apart (calls to 80 names typed into a body and taken out), each step as a fresh analysis finds', async function () {
    this.timeout(60_000);
    const kdir = fakeKernelBuildDir([6, 1]);
    const names = Array.from({ length: 80 }, (_, i) => `helper_${i}`);
    // Declared here and defined nowhere: each name's first use is a finding. Every third is used
    // before the body too: taking its call out of the body leaves that use the first, by its count.
    const text = (calls: readonly string[]): string =>
      [
        '#include <linux/module.h>',
        ...names.map((name) => `int ${name}(void);`),
        `static void earlier(void) { ${names
          .filter((_, i) => i % 3 === 0)
          .map((name) => `${name}(); `)
          .join('')}}`,
        'static int __init i(void)',
        '{',
        ...calls.map((name) => `\t${name}();`),
        '\treturn 0;',
        '}',
        'module_init(i);',
        'MODULE_LICENSE("GPL");',
        '',
      ].join('\n');
    const steps: string[] = [];
    for (let n = 1; n <= names.length; n++) steps.push(text(names.slice(0, n)));
    for (let n = 1; n <= names.length; n += 3) steps.push(text(names.slice(n)));
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': text([]) });
    const freshDir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': text([]) });
    const service = await loadedService(kdir);
    const fresh = await loadedService(kdir);
    try {
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      const freshUri = pathToFileURL(path.join(freshDir, 'm.c')).href;
      const summary = (findings: readonly { code: string; range: { start: { line: number; character: number } } }[]): string[] =>
        findings.map((f) => `${f.code}@${f.range.start.line}:${f.range.start.character}`).sort();
      let version = 0;
      for (const step of steps) {
        const edited = await service.analyzeModule(uri, ++version, step);
        // The same module in another service, its document opened anew for each step: analysed whole.
        fresh.close(freshUri);
        fresh.opened(freshUri);
        const expected = await fresh.analyzeModule(freshUri, version, step);
        assert.deepEqual(summary(edited.findings), summary(expected.findings), `step ${version}`);
      }
    } finally {
      await service.dispose();
      await fresh.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(freshDir, { recursive: true, force: true });
      fs.rmSync(kdir, { recursive: true, force: true });
    }
  });
});
