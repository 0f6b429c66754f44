import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspSession } from '../../../test/support/lsp-client';
import { analyzeSources, fakeKernelBuildDir as fakeKdir, writeModule } from '../../../test/support/modules';
import type { Finding } from '../model/types';
import { parseAutoConf } from '../knowledge/kernel-config';
import { HeaderSymbols } from './header-symbols';
import { ExportTable } from './exports';
import { markEdited } from './body-edit';
import { checkLinking, prepareLinking, type LinkEnvironment } from './link-checks';
import { RULE_PROFILES } from '../knowledge/modpost-rules';
import type { FileFacts, Reference } from '../model/types';

const MAKEFILE = { Makefile: 'obj-m := m.o\n' };
const moduleSource = (body: string, tail = 'MODULE_LICENSE("GPL");\nMODULE_DESCRIPTION("test");\n') => ({
  ...MAKEFILE,
  'm.c': `#include <linux/module.h>\n${body}\nstatic int __init m_init(void) { return 0; }\nmodule_init(m_init);\n${tail}`,
});
const codes = (findings: readonly Finding[]): string[] =>
  findings.map((f) => `${f.code} @${f.range.start.line + 1}:${f.range.start.character + 1}`).sort();

describe('link checks (modpost errors before the build)', () => {
  const kdirs: string[] = [];
  const kdir61 = (): string => kdirs[0];
  const kdir73 = (): string => kdirs[1];
  before(() => {
    kdirs.push(fakeKdir([6, 1]), fakeKdir([7, 3]));
  });
  after(() => kdirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('reports a header-declared function nothing exports, and nothing for exported, inline, macro, config-off or own names', async () => {
    const { findings } = await analyzeSources(
      moduleSource(
        [
          'int kernel_fn_the_module_defines(void) { return 1; }',
          'int use(void) {',
          '\tvfs_write(0, 0, 0, 0); kernel_write(0, 0, 0, 0); msleep(1);',
          '\treturn kallsyms_lookup_name("x") + (long)kmalloc_like(1) + vfs_macro(1) + only_without_config() + maybe_inline() + kernel_fn_the_module_defines();',
          '}',
          '#if 0',
          'int dead(void) { return kallsyms_lookup_name("y"); }',
          '#endif',
        ].join('\n'),
      ),
      { kdir: kdir61() },
    );
    assert.deepEqual(codes(findings), ['undefined-symbol @4:2', 'undefined-symbol @5:9']);
    const kallsyms = findings.find((f) => f.message.startsWith('kallsyms_lookup_name'))!;
    assert.match(kallsyms.message, /declared in kallsyms\.h but not exported.*KBUILD_MODPOST_WARN=1/);
    assert.match(kallsyms.modpost ?? '', /^ERROR: modpost: "kallsyms_lookup_name" \[.*\/m\.ko\] undefined!$/);
    assert.match(findings.find((f) => f.message.startsWith('vfs_write'))!.message, /kernel_write/);
  });

  it("decides the module's own #if with the build dir: its configuration, MODULE and LINUX_VERSION_CODE", async () => {
    const body = [
      '#ifdef CONFIG_NOT_SET',
      'int off(void) { return kallsyms_lookup_name("a"); }',
      '#elif IS_ENABLED(CONFIG_KALLSYMS)',
      'int on(void) { return kallsyms_lookup_name("b"); }',
      '#endif',
      '#ifndef MODULE',
      'int builtin_only(void) { return kallsyms_lookup_name("c"); }',
      '#endif',
      '#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)',
      'int old_kernels(void) { return kallsyms_lookup_name("d"); }',
      '#else',
      'int new_kernels(void) { return kallsyms_lookup_name("e"); }',
      '#endif',
    ].join('\n');
    assert.deepEqual(codes((await analyzeSources(moduleSource(body), { kdir: kdir61() })).findings), ['undefined-symbol @5:23']);
    assert.deepEqual(codes((await analyzeSources(moduleSource(body), { kdir: kdir73() })).findings), ['undefined-symbol @5:23']);
    const versioned = moduleSource(body.replace('kallsyms_lookup_name("b")', '0'));
    assert.deepEqual(codes((await analyzeSources(versioned, { kdir: kdir61() })).findings), ['undefined-symbol @11:32']);
    assert.deepEqual(codes((await analyzeSources(versioned, { kdir: kdir73() })).findings), ['undefined-symbol @13:32']);
  });

  it("takes names made by the module's own macros as defined (sctp's DECLARE_PRIMITIVE(ASSOCIATE))", async () => {
    const user = [
      'int prim_call_ASSOCIATE(int x);',
      'int prim_call_ABORT(int x);',
      'int use(void) { return prim_call_ASSOCIATE(1) + prim_call_ABORT(2); }',
    ];
    const only = await analyzeSources(moduleSource(user.join('\n')), { kdir: kdir61() });
    assert.deepEqual(codes(only.findings), ['undefined-symbol @4:24', 'undefined-symbol @4:49']);
    const files = {
      Makefile: 'obj-m := m.o\nm-y := a.o p.o\n',
      'a.c': moduleSource(user.join('\n'))['m.c'],
      'p.c': '#define DECLARE(name) int prim_call_##name(int x) { return x; }\nDECLARE(ASSOCIATE)\nDECLARE(ABORT);\n',
    };
    assert.deepEqual(codes((await analyzeSources(files, { kdir: kdir61() })).findings), []);
  });

  it("sees a MODULE_IMPORT_NS in the module's own header (drivers/iio/adc/ltc2497.h)", async () => {
    const files = {
      ...MAKEFILE,
      'm.h': '#ifndef M_H\n#define M_H\n#include <linux/module.h>\nMODULE_IMPORT_NS(DMA_BUF);\n#endif\n',
      'm.c': moduleSource('#include "m.h"\nvoid drop(struct dma_buf *b) { dma_buf_put(b); }')['m.c'],
    };
    assert.deepEqual(codes((await analyzeSources(files, { kdir: kdir61() })).findings), []);
  });

  it('prints undefined symbols the way 7.3 does', async () => {
    const { findings } = await analyzeSources(moduleSource('int use(void) { return kallsyms_lookup_name("x"); }'), { kdir: kdir73() });
    assert.deepEqual(
      findings.map((f) => f.modpost),
      ["ERROR: modpost: m.ko: symbol 'kallsyms_lookup_name' undefined!"],
    );
  });

  it('reports GPL-only symbols under a non-GPL licence, and only the missing licence when there is none', async () => {
    const use = 'int use(void) { return ktime_get() + 1; }';
    const proprietary = await analyzeSources(moduleSource(use, 'MODULE_LICENSE("Proprietary");\n'), { kdir: kdir61() });
    assert.deepEqual(codes(proprietary.findings), ['gpl-only-symbol @2:24']);
    assert.deepEqual(
      codes((await analyzeSources(moduleSource(use, 'MODULE_LICENSE("Dual BSD/GPL");\n'), { kdir: kdir61() })).findings),
      [],
    );
    assert.deepEqual(codes((await analyzeSources(moduleSource(use, 'MODULE_LICENSE("GPL v3");\n'), { kdir: kdir61() })).findings), [
      'gpl-only-symbol @2:24',
    ]);
    const none = await analyzeSources(moduleSource(use, ''), { kdir: kdir61() });
    assert.deepEqual(codes(none.findings), ['missing-license @4:1']);
    assert.equal(none.findings[0].edit?.newText, 'MODULE_LICENSE("GPL");\n');
  });

  it('asks for namespace imports in the syntax of the kernel', async () => {
    const use = 'int use(void) { dma_buf_put(0); return 0; }';
    const missing = await analyzeSources(moduleSource(use), { kdir: kdir61() });
    assert.deepEqual(codes(missing.findings), ['missing-namespace-import @2:17']);
    assert.equal(missing.findings[0].edit?.newText, 'MODULE_IMPORT_NS(DMA_BUF);\n');
    assert.match(
      missing.findings[0].modpost ?? '',
      /^ERROR: modpost: module m uses symbol dma_buf_put from namespace DMA_BUF, but does not import it\.$/,
    );
    const on73 = await analyzeSources(moduleSource(use), { kdir: kdir73() });
    assert.equal(on73.findings[0].edit?.newText, 'MODULE_IMPORT_NS("DMA_BUF");\n');
    assert.deepEqual(codes((await analyzeSources(moduleSource(`${use}\nMODULE_IMPORT_NS(DMA_BUF);`), { kdir: kdir61() })).findings), []);
    // A quoted name on 6.1 compiles and imports nothing modpost recognises; a bare name on 7.3 does not compile.
    const quoted61 = await analyzeSources(moduleSource(`${use}\nMODULE_IMPORT_NS("DMA_BUF");`), { kdir: kdir61() });
    assert.deepEqual(codes(quoted61.findings), ['missing-namespace-import @2:17', 'namespace-import-syntax @3:18']);
    const bare73 = await analyzeSources(moduleSource(`${use}\nMODULE_IMPORT_NS(DMA_BUF);`), { kdir: kdir73() });
    assert.deepEqual(codes(bare73.findings), ['namespace-import-syntax @3:18']);
    assert.equal(bare73.findings[0].edit?.newText, '"DMA_BUF"');
  });

  it('admits only the named modules to a module: namespace on 7.x, and forbids importing it', async () => {
    const use = 'int use(void) { __flush_tlb_all(); return 0; }';
    assert.deepEqual(codes((await analyzeSources(moduleSource(use), { kdir: kdir73() })).findings), ['missing-namespace-import @2:17']);
    const kvm = { Makefile: 'obj-m := kvm.o\n', 'kvm.c': moduleSource(use)['m.c'] };
    assert.deepEqual(codes((await analyzeSources(kvm, { kdir: kdir73() })).findings), []);
    const imported = await analyzeSources(moduleSource(`${use}\nMODULE_IMPORT_NS("module:kvm,kvm-amd");`), { kdir: kdir73() });
    assert.ok(codes(imported.findings).includes('namespace-import-not-allowed @3:18'), codes(imported.findings).join());
  });

  it('reports exports of undefined symbols and of symbols the kernel exports', async () => {
    const { findings } = await analyzeSources(
      moduleSource('extern int nowhere(void);\nEXPORT_SYMBOL(nowhere);\nvoid msleep(unsigned int ms) { }\nEXPORT_SYMBOL(msleep);'),
      { kdir: kdir61() },
    );
    assert.deepEqual(codes(findings), ['export-duplicate @5:15', 'export-undefined @3:15']);
    assert.match(
      findings.find((f) => f.code === 'export-duplicate')!.modpost ?? '',
      /'msleep' exported twice\. Previous export was in vmlinux$/,
    );
  });

  it('warns about a missing MODULE_DESCRIPTION where modpost does (7.3 always, 6.12 with W=1, 6.1 never)', async () => {
    const source = moduleSource('', 'MODULE_LICENSE("GPL");\n');
    assert.deepEqual(codes((await analyzeSources(source, { kdir: kdir73() })).findings), ['missing-description @4:1']);
    assert.deepEqual(codes((await analyzeSources(source, { kdir: kdir61() })).findings), []);
    assert.deepEqual(codes((await analyzeSources(source, { kdir: kdir61(), kernelVersion: '6.12', extraWarn: true })).findings), [
      'missing-description @4:1',
    ]);
    assert.deepEqual(codes((await analyzeSources(source, { kdir: kdir61(), kernelVersion: '6.12' })).findings), []);
  });

  it('rejects module names of 56 characters or more', async () => {
    const name = 'a'.repeat(56);
    const files = { Makefile: `obj-m := ${name}.o\n`, [`${name}.c`]: moduleSource('')['m.c'] };
    assert.deepEqual(codes((await analyzeSources(files, { kdir: kdir61() })).findings), ['module-name-too-long @4:1']);
    const ok = { Makefile: `obj-m := ${name.slice(1)}.o\n`, [`${name.slice(1)}.c`]: moduleSource('')['m.c'] };
    assert.deepEqual(codes((await analyzeSources(ok, { kdir: kdir61() })).findings), []);
  });

  it('makes no link finding without a build dir, for built-in objects, or for the bundled example', async () => {
    assert.deepEqual(codes((await analyzeSources(moduleSource('int use(void) { return kallsyms_lookup_name("x"); }', ''))).findings), []);
    const builtin = { Makefile: 'obj-y := m.o\n', 'm.c': moduleSource('int use(void) { return kallsyms_lookup_name("x"); }', '')['m.c'] };
    assert.deepEqual(codes((await analyzeSources(builtin, { kdir: kdir61() })).findings), []);
    const example = fs.readFileSync(path.resolve(__dirname, '../../../../examples/hello-3-fixed/hello-3.c'), 'utf8');
    const fixed = await analyzeSources({ Makefile: 'obj-m += hello-3.o\n', 'hello-3.c': example }, { kdir: kdir61() });
    assert.deepEqual(codes(fixed.findings), []);
  });
});

describe('header declarations', () => {
  const config = parseAutoConf('CONFIG_A=y\nCONFIG_M=m\nCONFIG_N=5\n');

  it('takes #elif and #else branches after true, false and undecided ones', () => {
    const symbols = new HeaderSymbols();
    symbols.add(
      '/h.h',
      [
        '#if defined(CONFIG_B)',
        'extern int a(void);',
        '#elif defined(CONFIG_A)',
        'extern int b(void);',
        '#else',
        'extern int c(void);',
        '#endif',
        '#ifdef ARCH_X',
        'extern int d(void);',
        '#else',
        'extern int e(void);',
        '#endif',
      ].join('\n'),
      config,
    );
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'e'].map((name) =>
        symbols
          .kindsOf(name)
          .map((k) => `${k.kind}${k.certain ? '' : '?'}`)
          .join(),
      ),
      ['', 'extern', '', 'extern?', 'extern?'],
    );
    // As the worker that scans the headers sends it back.
    const copy = HeaderSymbols.fromParts(structuredClone(symbols.parts));
    for (const name of ['a', 'b', 'c', 'd', 'e', 'nothing']) {
      assert.deepEqual(copy.kindsOf(name), symbols.kindsOf(name), name);
      assert.deepEqual(copy.mustLink(name), symbols.mustLink(name), name);
    }
    assert.deepEqual(copy.mustLink('b'), { kind: 'extern', certain: true, file: '/h.h', line: 3 });
    assert.equal(copy.size, symbols.size);
  });
});

describe('several kernels over LSP (kmod.kernelBuildDirs)', function () {
  this.timeout(60_000);
  it('says on which kernels a finding holds when it does not hold on all of them', async () => {
    const kdir61 = fakeKdir([6, 1]);
    const kdir73 = fakeKdir([7, 3]);
    // No MODULE_DESCRIPTION (7.3 warns) and a bare MODULE_IMPORT_NS (7.3 does not compile it); both kernels refuse vfs_write.
    const source = moduleSource(
      'int use(void) { dma_buf_put(0); return vfs_write(0, 0, 0, 0); }\nMODULE_IMPORT_NS(DMA_BUF);',
      'MODULE_LICENSE("GPL");\n',
    );
    const dir = writeModule({ ...MAKEFILE, 'm.c': source['m.c'] });
    const session = new LspSession({ kernelBuildDir: kdir61, kernelBuildDirs: [kdir73] });
    try {
      await session.initialize();
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      const all = session.diagnostics(uri, (p) => p.diagnostics.some((d) => d.code === 'missing-description'), 30_000);
      await session.open(uri, source['m.c']);
      const messages = (await all).diagnostics.map((d) => `${d.code}: ${/\(only on [^)]*\)$/.exec(d.message)?.[0] ?? 'all'}`).sort();
      assert.deepEqual(messages, [
        'missing-description: (only on 7.3.0)',
        'namespace-import-syntax: (only on 7.3.0)',
        'undefined-symbol: all',
      ]);
    } finally {
      await session.close();
      for (const d of [kdir61, kdir73, dir]) fs.rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('link data worked out in slices (prepareLinking)', () => {
  /** A module of `files` files, each calling `calls` functions, every tenth of them one the kernel exports GPL-only. */
  const moduleOf = (files: number, calls: number): { units: { uri: string; files: FileFacts[] }[]; env: LinkEnvironment } => {
    const symvers = Array.from({ length: calls / 10 }, (_, i) => `0x0\tkernel_fn_${i * 10}\tvmlinux\tEXPORT_SYMBOL_GPL\t`).join('\n');
    const exports = ExportTable.parse(symvers);
    const facts = Array.from({ length: files }, (_, f): FileFacts => {
      const uri = `file:///m/f${f}.c`;
      const references: Reference[] = Array.from({ length: calls }, (_, i) => ({
        name: `kernel_fn_${i}`,
        line: 2 + i,
        character: 1,
        from: 'user',
        fromIndex: 0,
      }));
      const range = { start: { line: 1, character: 0 }, end: { line: 1, character: 4 } };
      const user = {
        name: 'user',
        kind: 'function' as const,
        section: '.text',
        isStatic: true,
        isDefinition: true,
        isConst: false,
        annotations: [],
        annotationRanges: [],
        nameRange: range,
        fullRange: range,
      };
      const license = { macro: 'MODULE_LICENSE', argument: '"Proprietary"', range, argumentRange: range };
      return { uri, symbols: [user], references, macroUses: f === 0 ? [license] : [] };
    });
    const env: LinkEnvironment = {
      exports,
      kernelExports: exports,
      moduleName: 'm',
      modulePath: 'm',
      inKernelTree: false,
      complete: true,
      unbuilt: new Set(),
      hasSiblings: false,
    };
    return { units: facts.map((file) => ({ uri: file.uri, files: [file] })), env };
  };
  const options = { profile: RULE_PROFILES[0] };

  /** Runs `prepare`, counting the event loop's turns until what it returned settles; `sliced`: it returned a promise. */
  const turnsDuring = async (prepare: () => Promise<void> | undefined): Promise<{ sliced: boolean; turns: number }> => {
    let turns = 0;
    let preparing = true;
    const count = (): void => {
      turns++;
      if (preparing) setImmediate(count);
    };
    setImmediate(count);
    try {
      const prepared = prepare();
      await prepared;
      return { sliced: prepared !== undefined, turns };
    } finally {
      preparing = false;
    }
  };

  it('lets the event loop run while it works out a large module, and finds what the check alone finds', async () => {
    const { units, env } = moduleOf(40, 5_000);
    const { sliced, turns } = await turnsDuring(() => prepareLinking(units, env));
    assert.ok(sliced, 'a large module takes more than a slice');
    assert.ok(turns >= 2, `the event loop ran ${turns} times meanwhile`);
    assert.equal(prepareLinking(units, env), undefined, 'worked out already: done at once, no turn of the event loop');
    // Typing: one file's facts are new; the check works them out at once, with nothing in between.
    const typed = units.map((unit, i) => (i === 0 ? { ...unit, files: [markEdited({ ...unit.files[0] })] } : unit));
    assert.equal(prepareLinking(typed, env), undefined, 'one edited file to work out: left to the check');
    const fresh = moduleOf(40, 5_000);
    const findings = checkLinking(units, env, options);
    assert.equal(findings.filter((finding) => finding.code === 'gpl-only-symbol').length, 40 * 500);
    assert.deepEqual(findings, checkLinking(fresh.units, fresh.env, options));
  });

  it('works out a large file just opened in slices too (a module of one file), but not one an edit made', async () => {
    const { units, env } = moduleOf(1, 200_000);
    const typed = [{ uri: units[0].uri, files: [markEdited({ ...units[0].files[0] })] }];
    assert.equal(prepareLinking(typed, env), undefined, 'typed: left to the check');
    const { sliced, turns } = await turnsDuring(() => prepareLinking(units, env));
    assert.ok(sliced, 'a large file takes more than a slice');
    assert.ok(turns >= 2, `the event loop ran ${turns} times meanwhile`);
    const fresh = moduleOf(1, 200_000);
    assert.deepEqual(checkLinking(units, env, options), checkLinking(fresh.units, fresh.env, options));
  });
});
