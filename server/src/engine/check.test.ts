import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzeSources, summarize } from '../../../test/support/modules';
import { DEBIAN_CONFIG } from '../knowledge/kernel-config';
import { profileFor } from '../knowledge/modpost-rules';
import type { FileFacts } from '../model/types';
import { createCParser } from '../parsing/parser';
import { analyzeFile } from './analyze-file';
import { checkModule } from './check';
import { analyzePaths } from './project';

const EXAMPLES = path.resolve(__dirname, '../../../../examples');

const seedLike = (exitBody: string, extra = ''): string => `#include <linux/module.h>
static int data __initdata = 3;
${extra}
static int __init m_init(void) { return data; }
static void __exit m_exit(void) { ${exitBody} }
module_init(m_init);
module_exit(m_exit);
MODULE_LICENSE("GPL");
`;

describe('checker: the seed', () => {
  it('finds exactly the __initdata read in hello_3_exit, with both names and sections', async () => {
    const analysis = await analyzePaths([path.join(EXAMPLES, 'hello-3')], { kernelVersion: '6.1' });
    assert.deepEqual(summarize(analysis.findings), ['section-mismatch hello_3_exit->hello3_data @hello-3.c:22']);
    const [finding] = analysis.findings;
    assert.equal(finding.range.start.character, 41);
    assert.match(finding.message, /hello_3_exit.*rmmod.*hello3_data.*__initdata.*\.init\.data.*freed after module init/);
    assert.match(finding.message, /modpost reports this as cleanup_module -> hello3_data/);
    assert.equal(finding.related?.[0].range.start.line, 11);
  });

  it('finds nothing in the fixed seed', async () => {
    const analysis = await analyzePaths([path.join(EXAMPLES, 'hello-3-fixed')], {});
    assert.deepEqual(analysis.findings, []);
  });
});

describe('checker: kmod-ignore comments', () => {
  it('drops the findings a comment silences, and only those', async () => {
    const { findings } = await analyzeSources({
      'm.c': seedLike(
        'pr_info("%d", data); // kmod-ignore section-mismatch -- printed before init memory goes\n\t// kmod-ignore-next-line export-init-exit\n\tpr_info("%d", data);\n\t/* kmod-ignore-next-line */\n\tpr_info("%d", data);',
      ),
    });
    // The second read is silenced for another code only.
    assert.deepEqual(summarize(findings), ['section-mismatch m_exit->data @m.c:7']);
  });
});

describe('checker: rules', () => {
  it('reports text → init calls and data → init pointers', async () => {
    const { findings } = await analyzeSources(
      {
        'm.c': `
static int __init helper(void) { return 1; }
int runtime(void) { return helper(); }
static int (*handlers[])(void) = { helper };
static int __init m_init(void) { return helper(); }
module_init(m_init);
`,
      },
      { kernelVersion: '6.6' },
    );
    assert.deepEqual(summarize(findings), ['section-mismatch runtime->helper @m.c:3', 'section-mismatch handlers->helper @m.c:4']);
  });

  it('does not count sizeof, ARRAY_SIZE or a shadowing local as references', async () => {
    const { findings } = await analyzeSources({
      'm.c': seedLike(
        'int data = 1; pr_info("%d\\n", data);',
        'static int tbl[4] __initdata;\nstatic int sz(void) { return sizeof(data) + ARRAY_SIZE(tbl); }',
      ),
    });
    assert.deepEqual(summarize(findings), []);
  });

  it('respects __ref, __refdata and const tables as modpost does', async () => {
    const { findings } = await analyzeSources(
      {
        'm.c': `
static int __init helper(void) { return 1; }
static int __ref late(void) { return helper(); }
static int (*ok_tbl[])(void) __refdata = { helper };
static int (*const ro_tbl[])(void) = { helper };
`,
      },
      { kernelVersion: '6.1' },
    );
    assert.deepEqual(summarize(findings), ['unchecked-init-reference ro_tbl->helper @m.c:5']);
    assert.equal(findings[0].severity, 'information');
  });

  it('applies the ops-like name whitelist per version (*_probe dropped in 7.1, *_timer after 6.6)', async () => {
    const source = `
static int __init helper(void) { return 1; }
struct s { int (*fn)(void); };
static struct s foo_probe = { .fn = helper };
static struct s foo_timer = { .fn = helper };
static struct s foo_ops = { .fn = helper };
`;
    const codes = async (version: string) =>
      summarize((await analyzeSources({ 'm.c': source }, { kernelVersion: version })).findings).filter((s) =>
        s.startsWith('section-mismatch'),
      );
    assert.deepEqual(await codes('6.1'), []);
    assert.deepEqual(await codes('6.6'), []);
    assert.deepEqual(await codes('6.12'), ['section-mismatch foo_timer->helper @m.c:5']);
    assert.deepEqual(await codes('7.1'), ['section-mismatch foo_probe->helper @m.c:4', 'section-mismatch foo_timer->helper @m.c:5']);
  });

  it('whitelists *driver → __exit until 6.11 unless W=1, and reports it from 6.12', async () => {
    const source = `
static void __exit foo_remove(void) {}
struct d { void (*remove)(void); };
static struct d foo_driver = { .remove = __exit_p(foo_remove) };
`;
    const run = async (version: string, extraWarn = false) =>
      summarize((await analyzeSources({ 'm.c': source }, { kernelVersion: version, extraWarn })).findings);
    assert.deepEqual(await run('6.1'), []);
    assert.deepEqual(await run('6.1.158'), []);
    assert.deepEqual(await run('6.1.158', true), ['section-mismatch foo_driver->foo_remove @m.c:4']);
    assert.deepEqual(await run('6.12'), ['section-mismatch foo_driver->foo_remove @m.c:4']);
  });

  it('checks init → exit and exit → init', async () => {
    const { findings } = await analyzeSources({
      'm.c': `
static void __exit teardown(void) {}
static int __init setup(void) { teardown(); return 0; }
static int __initdata once = 1;
static void __exit bye(void) { once = 0; }
`,
    });
    assert.deepEqual(summarize(findings), ['section-mismatch setup->teardown @m.c:3', 'section-mismatch bye->once @m.c:5']);
  });

  it('ignores code under #if 0', async () => {
    const { findings } = await analyzeSources({ 'm.c': seedLike('\n#if 0\n pr_info("%d", data);\n#endif\n') });
    assert.deepEqual(findings, []);
  });

  it('links the files of a multi-object module (Kbuild m-y) and lets definitions beat bare prototypes', async () => {
    const { findings } = await analyzeSources({
      Kbuild: 'obj-m += multi.o\nmulti-y := a.o b.o\n',
      'a.c': 'int shared_setting __initdata = 5;\nstatic int __init a_init(void) { return shared_setting; }\nmodule_init(a_init);\n',
      'b.c': 'extern int shared_setting;\nvoid b_exit(void);\nvoid __exit b_exit(void) { shared_setting = 0; }\nmodule_exit(b_exit);\n',
    });
    assert.deepEqual(summarize(findings), ['section-mismatch b_exit->shared_setting @b.c:3']);
  });

  it('keeps separate modules apart', async () => {
    const { findings } = await analyzeSources({
      Makefile: 'obj-m += one.o two.o\n',
      'one.c': 'int shared __initdata = 5;\n',
      'two.c': 'int shared = 1;\nint use(void) { return shared; }\n',
    });
    assert.deepEqual(findings, []);
  });

  it('reports exports of init/exit symbols', async () => {
    const { findings } = await analyzeSources(
      { 'm.c': 'int __init setup_thing(void) { return 0; }\nEXPORT_SYMBOL_GPL(setup_thing);\n' },
      { kernelVersion: '6.1' },
    );
    assert.deepEqual(summarize(findings), ['export-init-exit -->setup_thing @m.c:2']);
    assert.match(findings[0].modpost ?? '', /EXPORT_SYMBOL used for init\/exit symbol: setup_thing \(section: \.init\.text\)/);
  });

  it('reports const __initdata next to writable .init.data as a section type conflict, writable __initconst as a note', async () => {
    const { findings } = await analyzeSources({
      'm.c':
        'static const char banner[] __initdata = "x";\nstatic char buf[] __initconst = "y";\nstatic const char *const names[] __initconst = { "a" };\nstatic const char *list[] __initdata = { "b" };\n',
    });
    assert.deepEqual(summarize(findings), ['section-type-conflict -->banner @m.c:1', 'initconst-not-const -->buf @m.c:2']);
    assert.deepEqual(
      findings.map((f) => f.severity),
      ['error', 'information'],
    );
  });

  it('needs a writable partner in the unit for the conflict: module_init adds one only to a loadable module', async () => {
    const alone = 'static const char banner[] __initdata = "x";\nstatic int __init f(void) { return banner[0]; }\n';
    assert.deepEqual(summarize((await analyzeSources({ 'm.c': alone })).findings), ['const-in-writable-section -->banner @m.c:1']);
    const loadable = `${alone}module_init(f);\n`;
    assert.deepEqual(summarize((await analyzeSources({ 'm.c': loadable })).findings), ['section-type-conflict -->banner @m.c:1']);
    const builtin = await analyzeSources({ 'm.c': loadable, Kbuild: 'obj-y += m.o\n' });
    assert.deepEqual(summarize(builtin.findings), ['const-in-writable-section -->banner @m.c:1']);
  });

  it('reports module_exit of an __init function and module_init of an __exit one', async () => {
    const { findings } = await analyzeSources({
      'm.c': 'static int __init a(void) { return 0; }\nstatic void __exit b(void) {}\nmodule_exit(a);\nmodule_init(b);\n',
    });
    assert.deepEqual(summarize(findings), ['module-exit-init cleanup_module->a @m.c:3', 'module-init-exit init_module->b @m.c:4']);
  });

  it('knows module_platform_driver generates __init/__exit functions', async () => {
    const { files } = await analyzeSources({
      'm.c': 'static struct platform_driver foo_driver = { };\nmodule_platform_driver(foo_driver);\n',
    });
    assert.deepEqual(
      files[0].macroUses.map((u) => [u.macro, u.argument]),
      [['module_platform_driver', 'foo_driver']],
    );
  });
});

describe('checker: sections', () => {
  it('infers sections for annotated, const and plain symbols', async () => {
    const { files } = await analyzeSources(
      {
        'm.c': `
static int a __initdata = 1;
static const int b = 2;
static int c = 3;
static int d;
static const char *e[] = { "x" };
static const char *const f[] = { "x" };
int __attribute__((section(".my.sec"))) g = 1;
static int h __ro_after_init = 1;
static int __init i(void) { return 0; }
void __exit j(void) {}
static int __meminit k(void) { return 0; }
extern int __init l(void);
`,
      },
      { kernelVersion: '6.1' },
    );
    const sections = Object.fromEntries(files[0].symbols.map((s) => [s.name, s.section]));
    assert.deepEqual(sections, {
      a: '.init.data',
      b: '.rodata',
      c: '.data',
      d: '.bss',
      e: '.data',
      f: '.rodata',
      g: '.my.sec',
      h: '.data..ro_after_init',
      i: '.init.text',
      j: '.exit.text',
      k: '.meminit.text',
      l: '.init.text',
    });
    assert.equal(files[0].symbols.find((s) => s.name === 'l')?.isDefinition, false);
  });

  it('folds __meminit into __init from 6.12 (without memory hotplug it would be .init.text)', async () => {
    const { files } = await analyzeSources({ 'm.c': 'static int __meminit k(void) { return 0; }\n' }, { kernelVersion: '6.12' });
    assert.equal(files[0].symbols[0].section, '.text');
  });
});

describe('checker: built-in code across the tree (vmlinux)', () => {
  it('links obj-y objects of different directories, as modpost does on vmlinux.o, but not modules', async () => {
    const { findings } = await analyzeSources(
      {
        'core/Makefile': 'obj-y += setup.o\n',
        'core/setup.c': 'int __init early_setup(void) { return 0; }\n',
        'drv/Makefile': 'obj-y += user.o\nobj-m += mod.o\n',
        'drv/user.c': 'int runtime(void) { return early_setup(); }\n',
        'drv/mod.c': 'int runtime2(void) { return early_setup(); }\n',
      },
      { kernelVersion: '6.1' },
    );
    assert.deepEqual(summarize(findings), ['section-mismatch runtime->early_setup @user.c:1']);
    assert.match(findings[0].related?.[0].uri ?? '', /core\/setup\.c$/);
  });
});

describe('checker: gcc semantics the source hides', () => {
  it("carries a prototype's __init over to the plain definition (gcc merges attributes)", async () => {
    const { findings, files } = await analyzeSources(
      { 'm.c': 'static void __init setup(void);\nstatic void setup(void) { }\nvoid later(void) { setup(); }\n' },
      { kernelVersion: '6.1' },
    );
    assert.equal(files[0].symbols.find((s) => s.isDefinition)?.section, '.init.text');
    assert.deepEqual(summarize(findings), ['section-mismatch later->setup @m.c:3']);
  });

  it('ignores references from __always_inline code (copied into its callers)', async () => {
    const { findings } = await analyzeSources({
      'm.c':
        'int __init helper(void) { return 1; }\nstatic __always_inline int wrap(void) { return helper(); }\nint __init user(void) { return wrap(); }\n',
    });
    assert.deepEqual(findings, []);
  });

  it('lets arch/<a> code link only with its own arch and generic code', async () => {
    const { findings } = await analyzeSources({
      'arch/sh/kernel/Makefile': 'obj-y += idle.o\n',
      'arch/sh/kernel/idle.c': 'void __init pick_idle(void) { }\n',
      'arch/x86/kernel/Makefile': 'obj-y += process.o user.o\n',
      'arch/x86/kernel/process.c': 'void pick_idle(void) { }\n',
      'arch/x86/kernel/user.c': 'void run(void) { pick_idle(); }\n',
    });
    assert.deepEqual(findings, []);
  });

  it('leaves macro-made objects alone: DEFINE_LSM(x) = {…} lives in a section its macro picks', async () => {
    const { findings, files } = await analyzeSources({
      'm.c': 'static int __init bpf_init(void) { return 0; }\nDEFINE_LSM(bpf) = {\n\t.init = bpf_init,\n};\n',
    });
    assert.deepEqual(findings, []);
    assert.deepEqual(
      files[0].symbols.map((s) => s.name),
      ['bpf_init'],
    );
  });
});

describe('checker: objects and functions gcc makes of what is written', () => {
  it('judges a static local initializer from the local, not from its function', async () => {
    const { findings, files } = await analyzeSources({
      'm.c': `
static int __init early(void) { return 0; }
static int late(void) { return 0; }
static int __init m_init(void)
{
	static int (*hook)(void) = early;
	static const struct ops { int (*f)(void); } fixed = { .f = early };
	static int (*quiet)(void) = late;
	static int (*setup_hook)(void) __initdata = early;
	static int count;
	count++;
	return hook() + quiet() + setup_hook() + fixed.f() + early();
}
`,
    });
    assert.deepEqual(summarize(findings), ['section-mismatch hook->early @m.c:6', 'unchecked-init-reference fixed->early @m.c:7']);
    const locals = files[0].symbols.filter((s) => s.localTo !== undefined).map((s) => `${s.name} ${s.section}`);
    assert.deepEqual(locals, ['hook .data', 'fixed .rodata', 'quiet .data', 'setup_hook .init.data']);
  });

  it('judges a static inline function from the code it is inlined into, and not at all when unused', async () => {
    const { findings } = await analyzeSources({
      'm.c': `
static int __init setup(void) { return 0; }
static inline int kick(void) { return setup(); }
static inline int early(void) { return setup(); }
static inline int unused(void) { return setup(); }
static inline int outer(void) { return kick(); }
int runtime(void) { return outer(); }
static int __init m_init(void) { return early() + kick(); }
`,
    });
    assert.deepEqual(summarize(findings), ['section-mismatch kick->setup @m.c:3']);
    assert.match(findings[0].message, /static inline: gcc copies it into its callers, such as runtime/);
  });

  it('gives a definition the section of an annotated prototype in a header of its unit', async () => {
    const { findings } = await analyzeSources({
      'm.h': 'int __init setup(void);\n',
      'm.c': '#include "m.h"\nint setup(void) { return 0; }\nint runtime(void) { return setup(); }\n',
    });
    assert.deepEqual(summarize(findings), ['section-mismatch runtime->setup @m.c:3']);
  });
});

describe('checker: a module checked again after each key', () => {
  it('gives the findings of a fresh check while typed names become suspects and stop being them', async () => {
    const parser = await createCParser();
    const options = { version: [6, 1] as const, config: DEBIAN_CONFIG, builtin: false };
    const profile = profileFor([6, 1, 0]);
    // a.c calls what b.c defines; typing in b.c makes its names __init and takes the annotation away again.
    const a = analyzeFile(
      parser,
      'file:///m/a.c',
      'static int __init a_init(void) { return 0; }\nint user(void) { return target() + other() + a_init(); }\nmodule_init(a_init);\n',
      options,
    );
    const versions = [
      'int target(void) { return 0; }\nint other(void) { return 1; }\n',
      'int __init target(void) { return 0; }\nint other(void) { return 1; }\n',
      'int __init target(void) { return 0; }\nint __init other(void) { return 1; }\n',
      'int __init targ(void) { return 0; }\nint __init other(void) { return 1; }\n',
      'int target(void) { return 0; }\nint __init other(void) { return 1; }\n',
      'int __init target(void) { return 0; }\nint other(void) { return 1; }\n',
    ];
    const units = (files: FileFacts[]) => files.map((file) => ({ uri: file.uri, files: [file] }));
    const findings = versions.map((text) => {
      const b = analyzeFile(parser, 'file:///m/b.c', text, options);
      const again = checkModule(units([a, b]), { profile });
      // Copies of both files: nothing worked out for the earlier checks applies to them.
      const fresh = checkModule(units([structuredClone(a), structuredClone(b)]), { profile });
      assert.deepEqual(again, fresh, text);
      return summarize(again);
    });
    assert.deepEqual(findings, [
      ['section-mismatch user->a_init @a.c:2'],
      ['section-mismatch user->target @a.c:2', 'section-mismatch user->a_init @a.c:2'],
      ['section-mismatch user->target @a.c:2', 'section-mismatch user->other @a.c:2', 'section-mismatch user->a_init @a.c:2'],
      ['section-mismatch user->other @a.c:2', 'section-mismatch user->a_init @a.c:2'],
      ['section-mismatch user->other @a.c:2', 'section-mismatch user->a_init @a.c:2'],
      ['section-mismatch user->target @a.c:2', 'section-mismatch user->a_init @a.c:2'],
    ]);
  });
});
