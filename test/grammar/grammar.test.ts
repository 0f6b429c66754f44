/**
 * TextMate grammar tests through VS Code's tokenizer (vscode-textmate + vscode-oniguruma).
 *
 * The C and Makefile grammars are injections, so they are tested on two bases (see tokenize.ts):
 *  - "stub":   the small STUB base grammars of stub-base-grammars.ts (test-only, not VS Code's);
 *  - "vscode": VS Code's own c.tmLanguage.json / make.tmLanguage.json from the real VS Code that
 *              scripts/setup-code-offline.sh installs (test-grammar.sh runs it first).
 * Every expectation names one token and one scope, so a changed rule fails the test.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseRawGrammar } from 'vscode-textmate';
import { HOST_DMESG_FORMATS, KERNEL_FORMAT_LINES, VM_RUN_BUGGY_HELLO_3 } from './kernel-log-samples';
import {
  assertNoScope,
  assertScope,
  assertWithin,
  BaseGrammarSource,
  findRepoRoot,
  GrammarHarness,
  lineOf,
  OWN_GRAMMAR_FILES,
  readPackageJson,
  TokenizedLine,
} from './tokenize';

const ROOT = findRepoRoot();
const BASES: readonly BaseGrammarSource[] = ['stub', 'vscode'];

/** `text` must be one token with `scope`; `occurrence` picks a later match of `text` in the line. */
interface Has {
  text: string;
  scope: string;
  occurrence?: number;
}
/** No token overlapping `text` may have a scope starting with `prefix`. */
interface Lacks {
  text: string;
  prefix: string;
  occurrence?: number;
}
/** Every token overlapping `text` must have a scope starting with `prefix`. */
interface Within {
  text: string;
  prefix: string;
}
interface LineExpectation {
  line: string;
  has?: Has[];
  lacks?: Lacks[];
  within?: Within[];
}

function check(lines: TokenizedLine[], expectation: LineExpectation): void {
  const line = lineOf(lines, expectation.line);
  for (const e of expectation.has ?? []) assertScope(line, e.text, e.scope, e.occurrence);
  for (const e of expectation.lacks ?? []) assertNoScope(line, e.text, e.prefix, e.occurrence);
  for (const e of expectation.within ?? []) assertWithin(line, e.text, e.prefix);
}

function countAssertions(expectations: readonly LineExpectation[]): number {
  return expectations.reduce((n, e) => n + (e.has?.length ?? 0) + (e.lacks?.length ?? 0) + (e.within?.length ?? 0), 0);
}

// ---------------------------------------------------------------------------------------- C injection

const SECTION = 'storage.modifier.section';
const C_SEED_FILE = path.join(ROOT, 'examples', 'hello-3', 'hello-3.c');

/** Lines of the seed module examples/hello-3/hello-3.c (tokenized as a whole file). */
const C_SEED_EXPECTATIONS: readonly LineExpectation[] = [
  {
    line: 'static int hello3_data __initdata = 3;',
    has: [{ text: '__initdata', scope: 'storage.modifier.section.init.kernel' }],
    lacks: [{ text: 'hello3_data', prefix: SECTION }],
  },
  {
    line: 'static int __init hello_3_init(void)',
    has: [{ text: '__init', scope: 'storage.modifier.section.init.kernel' }],
    lacks: [{ text: 'hello_3_init', prefix: 'storage.modifier' }],
  },
  { line: 'static void __exit hello_3_exit(void)', has: [{ text: '__exit', scope: 'storage.modifier.section.exit.kernel' }] },
  {
    line: '\tprintk(KERN_INFO "Hello, world %d\\n", hello3_data);',
    has: [
      { text: 'printk', scope: 'support.function.printk.kernel' },
      { text: 'KERN_INFO', scope: 'constant.other.loglevel.kernel' },
    ],
  },
  { line: 'module_init(hello_3_init);', has: [{ text: 'module_init', scope: 'keyword.other.module.entry.kernel' }] },
  { line: 'module_exit(hello_3_exit);', has: [{ text: 'module_exit', scope: 'keyword.other.module.entry.kernel' }] },
  { line: 'MODULE_LICENSE("GPL");', has: [{ text: 'MODULE_LICENSE', scope: 'keyword.other.module.info.kernel' }] },
  // Inside a multi-line block comment (second line of the file): the -comment exclusion.
  {
    line: ' *  hello-3.c - Illustrating the __init, __initdata and __exit macros.',
    lacks: [
      { text: '__init', prefix: SECTION },
      { text: '__initdata', prefix: SECTION },
      { text: '__exit', prefix: SECTION },
    ],
    within: [{ text: '__initdata', prefix: 'comment' }],
  },
  {
    line: '#include <linux/kernel.h>\t/* Needed for KERN_INFO */',
    lacks: [{ text: 'KERN_INFO', prefix: 'constant.other.loglevel' }],
    within: [{ text: 'KERN_INFO', prefix: 'comment' }],
  },
  // Inside a string: the -string exclusion.
  {
    line: 'MODULE_DESCRIPTION("LKMPG hello-3 with the __initdata read at exit");',
    has: [{ text: 'MODULE_DESCRIPTION', scope: 'keyword.other.module.info.kernel' }],
    lacks: [{ text: '__initdata', prefix: SECTION }],
    within: [{ text: '__initdata', prefix: 'string' }],
  },
];

/** Constructed C (not from the seed) for the annotation families the seed does not use. */
const C_MORE = `static int __devinit old_probe(struct pci_dev *pdev)
{
	void __iomem *base = NULL;
	char __user *ubuf = NULL;
	pr_info("__init inside a string\\n"); // __exit inside a line comment
	dev_err(&pdev->dev, "probe failed\\n");
	return 0;
}
static struct kobject *kobj __ro_after_init;
static int debug __read_mostly;
module_param(debug, int, 0644);
MODULE_PARM_DESC(debug, "Enable debug output");
EXPORT_SYMBOL_GPL(old_probe);
late_initcall(old_init);
module_platform_driver(foo_driver);
static int __meminit mem_thing(void) { return 0; }
static const char banner[] __initconst = "x";
static int __ref ref_ok(void) { return 0; }
int module_init_count;`;

const C_MORE_EXPECTATIONS: readonly LineExpectation[] = [
  {
    line: 'static int __devinit old_probe(struct pci_dev *pdev)',
    has: [{ text: '__devinit', scope: 'invalid.deprecated.annotation.kernel' }],
  },
  { line: '\tvoid __iomem *base = NULL;', has: [{ text: '__iomem', scope: 'storage.modifier.sparse.kernel' }] },
  { line: '\tchar __user *ubuf = NULL;', has: [{ text: '__user', scope: 'storage.modifier.sparse.kernel' }] },
  {
    line: '\tpr_info("__init inside a string\\n"); // __exit inside a line comment',
    has: [{ text: 'pr_info', scope: 'support.function.printk.kernel' }],
    lacks: [
      { text: '__init', prefix: SECTION },
      { text: '__exit', prefix: SECTION },
    ],
    within: [
      { text: '__init', prefix: 'string' },
      { text: '__exit', prefix: 'comment' },
    ],
  },
  { line: '\tdev_err(&pdev->dev, "probe failed\\n");', has: [{ text: 'dev_err', scope: 'support.function.printk.kernel' }] },
  {
    line: 'static struct kobject *kobj __ro_after_init;',
    has: [{ text: '__ro_after_init', scope: 'storage.modifier.section.ro-after-init.kernel' }],
  },
  { line: 'static int debug __read_mostly;', has: [{ text: '__read_mostly', scope: 'storage.modifier.section.read-mostly.kernel' }] },
  { line: 'module_param(debug, int, 0644);', has: [{ text: 'module_param', scope: 'keyword.other.module.param.kernel' }] },
  {
    line: 'MODULE_PARM_DESC(debug, "Enable debug output");',
    has: [{ text: 'MODULE_PARM_DESC', scope: 'keyword.other.module.param.kernel' }],
  },
  { line: 'EXPORT_SYMBOL_GPL(old_probe);', has: [{ text: 'EXPORT_SYMBOL_GPL', scope: 'keyword.other.module.export.kernel' }] },
  { line: 'late_initcall(old_init);', has: [{ text: 'late_initcall', scope: 'keyword.other.module.initcall.kernel' }] },
  { line: 'module_platform_driver(foo_driver);', has: [{ text: 'module_platform_driver', scope: 'keyword.other.module.entry.kernel' }] },
  {
    line: 'static int __meminit mem_thing(void) { return 0; }',
    has: [{ text: '__meminit', scope: 'storage.modifier.section.meminit.kernel' }],
  },
  { line: 'static const char banner[] __initconst = "x";', has: [{ text: '__initconst', scope: 'storage.modifier.section.init.kernel' }] },
  { line: 'static int __ref ref_ok(void) { return 0; }', has: [{ text: '__ref', scope: 'storage.modifier.section.ref.kernel' }] },
  // An identifier that merely starts like a macro is not one.
  { line: 'int module_init_count;', lacks: [{ text: 'module_init_count', prefix: 'keyword.other.module' }] },
];

// ---------------------------------------------------------------------------------------- kernel log

const CRASH = 'invalid.illegal.crash.kernel-log';
const MODULE_TAG = 'entity.name.tag.module.kernel-log';
const HEX = 'constant.numeric.hex.kernel-log';
const FUNCTION = 'entity.name.function.kernel-log';
const REGISTER = 'variable.language.register.kernel-log';
const MONOTONIC = 'constant.numeric.timestamp.monotonic.kernel-log';
const WALLCLOCK = 'constant.other.timestamp.wallclock.kernel-log';

/** Lines of a real VM run of the buggy hello-3, tokenized as one document. */
const VM_RUN_EXPECTATIONS: readonly LineExpectation[] = [
  {
    line: '[+   1.933s] @@KVMTEST init-start kernel=6.1.0-56-amd64 lockdown=[none] integrity confidentiality uptime=1.72',
    has: [
      { text: '+   1.933s', scope: 'comment.other.timestamp.host.kernel-log' },
      { text: '@@KVMTEST', scope: 'keyword.other.marker.kvmtest.kernel-log' },
      { text: 'init-start', scope: 'entity.name.section.phase.kernel-log' },
      { text: 'kernel', scope: 'variable.parameter.kernel-log' },
      { text: '6.1.0-56-amd64', scope: 'string.unquoted.value.kernel-log' },
    ],
  },
  {
    line: '[+   1.937s] @@KVMTEST insmod /modules/hello-3.ko uptime=1.73',
    has: [
      { text: 'insmod', scope: 'entity.name.section.phase.kernel-log' },
      { text: '/modules/hello-3.ko', scope: 'string.unquoted.path.kernel-log' },
    ],
  },
  {
    line: '[+   1.960s] @@KVMTEST insmod-done rc=0 uptime=1.75',
    has: [{ text: '0', occurrence: 1, scope: 'constant.numeric.rc.success.kernel-log' }],
  },
  {
    line: '[+   2.997s] @@KVMTEST rmmod-1-done rc=137 uptime=2.79',
    has: [{ text: '137', scope: 'invalid.illegal.rc.failure.kernel-log' }],
  },
  {
    line: '[+   1.943s] [    1.761210] hello_3: loading out-of-tree module taints kernel.',
    has: [
      { text: '1.761210', scope: MONOTONIC },
      { text: 'hello_3', scope: MODULE_TAG },
    ],
  },
  {
    line: '[+   1.945s] [    1.766443] Hello, world 3',
    lacks: [
      { text: 'Hello, world 3', prefix: 'entity.name.tag' },
      { text: 'Hello, world 3', prefix: 'invalid' },
    ],
  },
  {
    line: '[+   1.960s] --- lsmod after insmod',
    has: [{ text: '---', scope: 'punctuation.definition.heading.kernel-log' }],
    within: [{ text: 'lsmod after insmod', prefix: 'markup.heading.section.kernel-log' }],
  },
  {
    line: '[+   1.965s] Module                  Size  Used by    Tainted: G',
    has: [{ text: 'Tainted', scope: 'keyword.other.tainted.kernel-log' }],
  },
  {
    line: '[+   2.984s] [    2.804964] BUG: unable to handle page fault for address: ffffffffc0207008',
    has: [
      { text: 'BUG:', scope: CRASH },
      { text: 'ffffffffc0207008', scope: HEX },
    ],
  },
  {
    line: '[+   2.984s] [    2.805161] #PF: supervisor read access in kernel mode',
    has: [{ text: '#PF', scope: 'keyword.other.page-fault.kernel-log' }],
  },
  {
    line: '[+   2.985s] [    2.805601] PGD 2a15067 P4D 2a15067 PUD 2a17067 PMD 61e9067 PTE 0',
    has: [
      { text: 'PGD', scope: 'variable.language.page-table.kernel-log' },
      { text: '61e9067', scope: HEX },
    ],
  },
  {
    line: '[+   2.985s] [    2.806264] Oops: 0000 [#1] PREEMPT SMP NOPTI',
    has: [
      { text: 'Oops:', scope: CRASH },
      { text: '0000', scope: 'constant.numeric.hex.error-code.kernel-log' },
      { text: '#1', scope: 'constant.numeric.oops-count.kernel-log' },
      { text: 'NOPTI', scope: 'storage.modifier.kernel-config.kernel-log' },
    ],
  },
  {
    line: '[+   2.986s] [    2.806629] CPU: 0 PID: 96 Comm: rmmod Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2',
    has: [
      { text: 'PID', scope: 'entity.other.attribute-name.kernel-log' },
      { text: 'rmmod', scope: 'variable.other.process.kernel-log' },
      { text: 'Tainted', scope: 'keyword.other.tainted.kernel-log' },
      { text: ' G           OE', scope: 'constant.character.taint.kernel-log' },
    ],
    lacks: [{ text: 'CPU', prefix: MODULE_TAG }],
  },
  {
    line: '[+   2.987s] [    2.807282] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014',
    has: [{ text: 'Hardware name', scope: 'keyword.other.hardware-name.kernel-log' }],
  },
  {
    line: '[+   2.987s] [    2.807902] RIP: 0010:hello_3_exit+0x0/0x1000 [hello_3]',
    has: [
      { text: 'RIP', scope: REGISTER },
      { text: '0010', scope: 'constant.numeric.hex.segment.kernel-log' },
      { text: 'hello_3_exit', scope: FUNCTION },
      { text: '0x0', scope: 'constant.numeric.hex.offset.kernel-log' },
      { text: '0x1000', scope: 'constant.numeric.hex.length.kernel-log' },
      { text: 'hello_3', occurrence: 1, scope: MODULE_TAG },
    ],
  },
  {
    line: '[+   2.991s] [    2.808572] Code: Unable to access opcode bytes at 0xffffffffc0200fd6.',
    has: [
      { text: 'Code', scope: 'keyword.other.code.kernel-log' },
      { text: '0xffffffffc0200fd6', scope: HEX },
    ],
  },
  {
    line: '[+   2.991s] [    2.808688] RSP: 0018:ffffc90000593d40 EFLAGS: 00000286',
    has: [
      { text: 'RSP', scope: REGISTER },
      { text: 'EFLAGS', scope: REGISTER },
      { text: 'ffffc90000593d40', scope: HEX },
    ],
  },
  { line: '[+   2.991s] [    2.809304] Call Trace:', has: [{ text: 'Call Trace', scope: 'keyword.other.call-trace.kernel-log' }] },
  { line: '[+   2.991s] [    2.809759]  <TASK>', has: [{ text: 'TASK', scope: 'entity.name.tag.stack-context.kernel-log' }] },
  {
    line: '[+   2.991s] [    2.809851]  __do_sys_delete_module+0x1b9/0x330',
    has: [
      { text: '__do_sys_delete_module', scope: FUNCTION },
      { text: '0x1b9', scope: 'constant.numeric.hex.offset.kernel-log' },
    ],
  },
  {
    line: '[+   2.991s] [    2.810209]  ? __handle_mm_fault+0x660/0xfa0',
    has: [
      { text: '?', scope: 'keyword.operator.unreliable-frame.kernel-log' },
      { text: '__handle_mm_fault', scope: FUNCTION },
    ],
  },
  { line: '[+   2.991s] [    2.811012]  </TASK>', has: [{ text: 'TASK', scope: 'entity.name.tag.stack-context.kernel-log' }] },
  {
    line: '[+   2.991s] [    2.811080] Modules linked in: hello_3(OE-)',
    has: [
      { text: 'Modules linked in', scope: 'keyword.other.modules-linked-in.kernel-log' },
      { text: 'hello_3', scope: MODULE_TAG },
      { text: 'OE-', scope: 'constant.character.taint.kernel-log' },
    ],
  },
  { line: '[+   2.991s] [    2.811258] CR2: ffffffffc0207008', has: [{ text: 'CR2', scope: REGISTER }] },
  {
    line: '[+   2.991s] [    2.811444] ---[ end trace 0000000000000000 ]---',
    has: [
      { text: 'end trace', scope: 'keyword.other.trace-boundary.kernel-log' },
      { text: '0000000000000000', scope: HEX },
    ],
  },
  { line: "[+   3.002s] rmmod: can't unload module 'hello_3': Device or resource busy", has: [{ text: 'rmmod', scope: MODULE_TAG }] },
];

/** Real host dmesg output in each timestamp/prefix format, one line each. */
const DMESG_FORMAT_EXPECTATIONS: readonly LineExpectation[] = [
  {
    line: HOST_DMESG_FORMATS.plain,
    has: [
      { text: '0.000000', scope: MONOTONIC },
      { text: 'Firmware Bug', scope: 'entity.name.tag.firmware.kernel-log' },
    ],
  },
  {
    line: HOST_DMESG_FORMATS.decodeWarn,
    has: [
      { text: 'kern', scope: 'support.type.facility.kernel-log' },
      { text: 'warn', scope: 'constant.other.loglevel.warn.kernel-log' },
      { text: '0.000000', scope: MONOTONIC },
    ],
  },
  {
    line: HOST_DMESG_FORMATS.decodeInfo,
    has: [
      { text: 'info', scope: 'constant.other.loglevel.info.kernel-log' },
      { text: 'clocksource', scope: MODULE_TAG },
      { text: '0xffffffff', scope: HEX },
    ],
  },
  { line: HOST_DMESG_FORMATS.decodeNotice, has: [{ text: 'notice', scope: 'constant.other.loglevel.notice.kernel-log' }] },
  { line: HOST_DMESG_FORMATS.ctime, has: [{ text: 'Wed Nov 25 20:21:29 2026', scope: WALLCLOCK }] },
  { line: HOST_DMESG_FORMATS.humanMinute, has: [{ text: 'Nov25 20:21', scope: WALLCLOCK }] },
  { line: HOST_DMESG_FORMATS.humanDelta, has: [{ text: '+0.000000', scope: 'constant.numeric.timestamp.delta.kernel-log' }] },
  { line: HOST_DMESG_FORMATS.raw, has: [{ text: '4', scope: 'constant.numeric.priority.kernel-log' }] },
  { line: HOST_DMESG_FORMATS.iso, has: [{ text: '2026-11-25T20:21:29,000000+00:00', scope: WALLCLOCK }] },
  {
    line: HOST_DMESG_FORMATS.showDelta,
    has: [
      { text: '0.000000', scope: MONOTONIC },
      { text: '0.000000', occurrence: 1, scope: 'constant.numeric.timestamp.delta.kernel-log' },
    ],
  },
  {
    line: HOST_DMESG_FORMATS.devicePrefix,
    has: [
      { text: 'acpi', scope: MODULE_TAG },
      { text: 'PNP0A08:00', scope: 'entity.name.tag.device.kernel-log' },
    ],
  },
  { line: HOST_DMESG_FORMATS.subsystemPrefix, has: [{ text: 'x86/fpu', scope: MODULE_TAG }] },
];

/** Crash headlines built from the kernel's format strings (see kernel-log-samples.ts). */
const KERNEL_FORMAT_EXPECTATIONS: readonly LineExpectation[] = [
  { line: KERNEL_FORMAT_LINES.cutHere, has: [{ text: 'cut here', scope: 'keyword.other.trace-boundary.kernel-log' }] },
  {
    line: KERNEL_FORMAT_LINES.warning,
    has: [
      { text: 'WARNING', scope: 'invalid.deprecated.warning.kernel-log' },
      { text: 'lib/refcount.c', scope: 'string.unquoted.path.kernel-log' },
      { text: '25', scope: 'constant.numeric.line.kernel-log' },
      { text: 'refcount_warn_saturate', scope: FUNCTION },
    ],
  },
  {
    line: KERNEL_FORMAT_LINES.kernelBug,
    has: [
      { text: 'kernel BUG at', scope: CRASH },
      { text: 'mm/slub.c', scope: 'string.unquoted.path.kernel-log' },
    ],
  },
  {
    line: KERNEL_FORMAT_LINES.gpf,
    has: [
      { text: 'general protection fault', scope: CRASH },
      { text: '#1', scope: 'constant.numeric.oops-count.kernel-log' },
    ],
  },
  { line: KERNEL_FORMAT_LINES.panic, has: [{ text: 'Kernel panic - not syncing:', scope: CRASH }] },
  { line: KERNEL_FORMAT_LINES.panicEnd, has: [{ text: 'end Kernel panic - not syncing: Fatal exception', scope: CRASH }] },
  {
    line: KERNEL_FORMAT_LINES.nullDeref,
    has: [
      { text: 'BUG:', scope: CRASH },
      { text: '0000000000000008', scope: HEX },
    ],
  },
  {
    line: KERNEL_FORMAT_LINES.netdevPrefix,
    has: [
      { text: 'e1000e', scope: MODULE_TAG },
      { text: '0000:00:19.0', scope: 'entity.name.tag.device.kernel-log' },
      { text: 'eth0', scope: 'entity.name.tag.device.kernel-log' },
    ],
  },
  {
    line: KERNEL_FORMAT_LINES.codeBytes,
    has: [
      { text: '48', scope: 'constant.numeric.hex.byte.kernel-log' },
      { text: '8b', occurrence: 1, scope: 'invalid.illegal.faulting-byte.kernel-log' },
    ],
  },
];

/** Words that only look like crash markers. */
const KERNEL_LOG_NEGATIVE = '[    3.141592] mydrv: BUG_ON avoided, Oopsie is not an oops';
const KERNEL_LOG_NEGATIVE_EXPECTATIONS: readonly LineExpectation[] = [
  {
    line: KERNEL_LOG_NEGATIVE,
    has: [{ text: 'mydrv', scope: MODULE_TAG }],
    lacks: [
      { text: 'BUG_ON', prefix: 'invalid' },
      { text: 'Oopsie', prefix: 'invalid' },
    ],
  },
];

// ---------------------------------------------------------------------------------------- Kbuild

/** A constructed Kbuild file using each kbuild variable family. */
const KBUILD_FILE = `# SPDX-License-Identifier: GPL-2.0
# obj-y in a comment is not a goal
obj-m += hello-3.o
hello-y := a.o b.o
hello-3-objs := main.o util.o \\
	helper.o
ccflags-y += -DDEBUG -I$(src)/include
ccflags-remove-y += -Werror
subdir-ccflags-y := -Wno-unused
asflags-y := -Wa,-gdwarf-2
ldflags-y += -T $(src)/hello.lds
obj-$(CONFIG_FOO) += foo.o
foo-$(CONFIG_FOO_BAR) += bar.o
obj-y += sub/
EXTRA_CFLAGS += -DOLD
KBUILD_EXTRA_SYMBOLS := $(PWD)/../other/Module.symvers
ifdef CONFIG_FOO
obj-m += foo2.o   # a comment with obj-y inside
endif`;

const GOAL = 'support.variable.goal.kbuild';
const OBJECT = 'string.unquoted.object-file.kbuild';
const FLAGS = 'support.variable.flags.kbuild';
const ASSIGN = 'keyword.operator.assignment.kbuild';
const CONFIG = 'constant.other.config.kbuild';

const KBUILD_EXPECTATIONS: readonly LineExpectation[] = [
  {
    line: '# obj-y in a comment is not a goal',
    lacks: [{ text: 'obj-y', prefix: 'support.variable' }],
    within: [{ text: 'obj-y', prefix: 'comment' }],
  },
  {
    line: 'obj-m += hello-3.o',
    has: [
      { text: 'obj-m', scope: GOAL },
      { text: '+=', scope: ASSIGN },
      { text: 'hello-3.o', scope: OBJECT },
    ],
  },
  {
    line: 'hello-y := a.o b.o',
    has: [
      { text: 'hello', scope: 'entity.name.module.kbuild' },
      { text: '-y', scope: 'support.variable.composite.kbuild' },
      { text: ':=', scope: ASSIGN },
      { text: 'b.o', scope: OBJECT },
    ],
  },
  {
    line: 'hello-3-objs := main.o util.o \\',
    has: [
      { text: 'hello-3', scope: 'entity.name.module.kbuild' },
      { text: '-objs', scope: 'support.variable.composite.kbuild' },
      { text: '\\', scope: 'constant.character.escape.continuation.kbuild' },
    ],
  },
  // The continuation line is still inside the assignment.
  { line: '\thelper.o', has: [{ text: 'helper.o', scope: OBJECT }] },
  {
    line: 'ccflags-y += -DDEBUG -I$(src)/include',
    has: [
      { text: 'ccflags-y', scope: FLAGS },
      { text: '-DDEBUG', scope: 'constant.other.option.kbuild' },
      { text: 'src', scope: 'variable.language.kbuild' },
    ],
  },
  { line: 'ccflags-remove-y += -Werror', has: [{ text: 'ccflags-remove-y', scope: FLAGS }] },
  { line: 'subdir-ccflags-y := -Wno-unused', has: [{ text: 'subdir-ccflags-y', scope: FLAGS }] },
  { line: 'asflags-y := -Wa,-gdwarf-2', has: [{ text: 'asflags-y', scope: FLAGS }] },
  { line: 'ldflags-y += -T $(src)/hello.lds', has: [{ text: 'ldflags-y', scope: FLAGS }] },
  {
    line: 'obj-$(CONFIG_FOO) += foo.o',
    has: [
      { text: 'obj-', scope: GOAL },
      { text: 'CONFIG_FOO', scope: CONFIG },
      { text: 'foo.o', scope: OBJECT },
    ],
  },
  {
    line: 'foo-$(CONFIG_FOO_BAR) += bar.o',
    has: [
      { text: 'foo', scope: 'entity.name.module.kbuild' },
      { text: 'CONFIG_FOO_BAR', scope: CONFIG },
    ],
  },
  { line: 'obj-y += sub/', has: [{ text: 'sub/', scope: 'string.unquoted.directory.kbuild' }] },
  { line: 'EXTRA_CFLAGS += -DOLD', has: [{ text: 'EXTRA_CFLAGS', scope: 'invalid.deprecated.variable.kbuild' }] },
  {
    line: 'KBUILD_EXTRA_SYMBOLS := $(PWD)/../other/Module.symvers',
    has: [{ text: 'KBUILD_EXTRA_SYMBOLS', scope: 'support.variable.kbuild' }],
  },
  {
    line: 'ifdef CONFIG_FOO',
    has: [
      { text: 'ifdef', scope: 'keyword.control.ifdef.makefile' },
      { text: 'CONFIG_FOO', scope: CONFIG },
    ],
  },
  {
    line: 'obj-m += foo2.o   # a comment with obj-y inside',
    has: [{ text: 'obj-m', scope: GOAL }],
    // The make condition scope must end at the line start even though the injection matches there.
    lacks: [
      { text: 'obj-m', prefix: 'meta.scope.condition.makefile' },
      { text: 'obj-y', prefix: 'support.variable' },
    ],
    within: [{ text: 'obj-y', prefix: 'comment' }],
  },
  { line: 'endif', has: [{ text: 'endif', scope: 'keyword.control.endif.makefile' }] },
];

const MAKEFILE_SEED = path.join(ROOT, 'examples', 'hello-3', 'Makefile');

/** The seed's examples/hello-3/Makefile (tokenized as source.makefile, i.e. through the injection). */
const MAKEFILE_SEED_EXPECTATIONS: readonly LineExpectation[] = [
  {
    line: 'obj-m += hello-3.o',
    has: [
      { text: 'obj-m', scope: GOAL },
      { text: 'hello-3.o', scope: OBJECT },
    ],
  },
  { line: 'PWD := $(CURDIR)', lacks: [{ text: 'PWD', prefix: 'meta.assignment.kbuild' }] },
  {
    line: '\tmake -C /lib/modules/$(shell uname -r)/build M=$(PWD) modules',
    has: [
      { text: 'make', scope: 'support.function.make.kbuild' },
      { text: '-C', scope: 'constant.other.option.kbuild' },
      { text: 'M', scope: 'variable.parameter.kbuild' },
      { text: 'modules', occurrence: 1, scope: 'entity.name.function.target.kbuild' },
    ],
  },
  // The recipe above still ends at its line end: the next target is a target again.
  { line: 'clean:', has: [{ text: 'clean', scope: 'entity.name.function.target.makefile' }] },
  {
    line: '\tmake -C /lib/modules/$(shell uname -r)/build M=$(PWD) clean',
    has: [{ text: 'clean', scope: 'entity.name.function.target.kbuild' }],
  },
];

/** The two-pass out-of-tree Makefile idiom (constructed). */
const MAKEFILE_TWO_PASS = `ifneq ($(KERNELRELEASE),)
obj-m += hello-3.o
hello-3-y := main.o
else
KDIR ?= /lib/modules/$(shell uname -r)/build
CFLAGS := -O2

all:
\t$(MAKE) -C $(KDIR) M=$(PWD) modules
endif`;

const MAKEFILE_TWO_PASS_EXPECTATIONS: readonly LineExpectation[] = [
  {
    line: 'ifneq ($(KERNELRELEASE),)',
    has: [
      { text: 'ifneq', scope: 'keyword.control.ifneq.makefile' },
      { text: 'KERNELRELEASE', scope: 'variable.language.kbuild' },
    ],
  },
  {
    line: 'obj-m += hello-3.o',
    has: [{ text: 'obj-m', scope: GOAL }],
    lacks: [{ text: 'obj-m', prefix: 'meta.scope.condition.makefile' }],
  },
  { line: 'hello-3-y := main.o', has: [{ text: 'hello-3', scope: 'entity.name.module.kbuild' }] },
  {
    line: 'KDIR ?= /lib/modules/$(shell uname -r)/build',
    has: [
      { text: 'KDIR', scope: 'support.variable.kdir.kbuild' },
      { text: '?=', scope: ASSIGN },
    ],
  },
  // An ordinary make variable stays with the make grammar.
  {
    line: 'CFLAGS := -O2',
    has: [{ text: 'CFLAGS', scope: 'variable.other.makefile' }],
    lacks: [{ text: 'CFLAGS', prefix: 'meta.assignment.kbuild' }],
  },
  {
    line: '\t$(MAKE) -C $(KDIR) M=$(PWD) modules',
    has: [
      { text: 'MAKE', scope: 'variable.language.makefile' },
      { text: '-C', scope: 'constant.other.option.kbuild' },
      { text: 'M', occurrence: 1, scope: 'variable.parameter.kbuild' },
      { text: 'modules', scope: 'entity.name.function.target.kbuild' },
    ],
  },
  { line: 'endif', has: [{ text: 'endif', scope: 'keyword.control.endif.makefile' }] },
];

// ---------------------------------------------------------------------------------------- tests

interface Document {
  title: string;
  scopeName: string;
  text: () => string;
  expectations: readonly LineExpectation[];
}

const BASE_DEPENDENT_DOCUMENTS: readonly Document[] = [
  {
    title: 'C injection on the seed hello-3.c',
    scopeName: 'source.c',
    text: () => fs.readFileSync(C_SEED_FILE, 'utf8'),
    expectations: C_SEED_EXPECTATIONS,
  },
  { title: 'C injection on more annotation families', scopeName: 'source.c', text: () => C_MORE, expectations: C_MORE_EXPECTATIONS },
  { title: 'Kbuild language (source.kbuild)', scopeName: 'source.kbuild', text: () => KBUILD_FILE, expectations: KBUILD_EXPECTATIONS },
  {
    title: 'Makefile injection on the seed Makefile',
    scopeName: 'source.makefile',
    text: () => fs.readFileSync(MAKEFILE_SEED, 'utf8'),
    expectations: MAKEFILE_SEED_EXPECTATIONS,
  },
  {
    title: 'Makefile injection on the two-pass idiom',
    scopeName: 'source.makefile',
    text: () => MAKEFILE_TWO_PASS,
    expectations: MAKEFILE_TWO_PASS_EXPECTATIONS,
  },
];

const KERNEL_LOG_DOCUMENTS: readonly Document[] = [
  {
    title: 'the VM run of the buggy hello-3',
    scopeName: 'text.log.kernel',
    text: () => VM_RUN_BUGGY_HELLO_3,
    expectations: VM_RUN_EXPECTATIONS,
  },
  {
    title: 'dmesg output formats of the host',
    scopeName: 'text.log.kernel',
    text: () => Object.values(HOST_DMESG_FORMATS).join('\n'),
    expectations: DMESG_FORMAT_EXPECTATIONS,
  },
  {
    title: 'crash headlines from kernel format strings',
    scopeName: 'text.log.kernel',
    text: () => Object.values(KERNEL_FORMAT_LINES).join('\n'),
    expectations: KERNEL_FORMAT_EXPECTATIONS,
  },
  {
    title: 'look-alikes of crash markers',
    scopeName: 'text.log.kernel',
    text: () => KERNEL_LOG_NEGATIVE,
    expectations: KERNEL_LOG_NEGATIVE_EXPECTATIONS,
  },
];

function describeDocument(harness: () => GrammarHarness, document: Document): void {
  describe(`${document.title} (${countAssertions(document.expectations)} scope assertions)`, () => {
    let lines: TokenizedLine[] = [];
    before(async () => {
      lines = await harness().tokenize(document.scopeName, document.text());
    });
    for (const expectation of document.expectations) {
      it(JSON.stringify(expectation.line), () => check(lines, expectation));
    }
  });
}

describe('grammar contributions in package.json', () => {
  const contributes = readPackageJson(ROOT).contributes ?? {};
  const grammars = contributes.grammars ?? [];
  const languages = contributes.languages ?? [];

  for (const [scopeName, file] of Object.entries(OWN_GRAMMAR_FILES)) {
    it(`contributes ${scopeName} from ${file}, and the file declares that scope`, () => {
      const entry = grammars.find((g) => g.scopeName === scopeName);
      assert.ok(entry, `no contributes.grammars entry for ${scopeName}`);
      assert.strictEqual(path.normalize(entry.path), path.normalize(file));
      const raw = parseRawGrammar(fs.readFileSync(path.join(ROOT, file), 'utf8'), file);
      assert.strictEqual(raw.scopeName, scopeName);
    });
  }

  it('injects the C grammar into source.c and the Kbuild rules into source.makefile', () => {
    const injectTo = (scopeName: string) => grammars.find((g) => g.scopeName === scopeName)?.injectTo;
    assert.deepStrictEqual(injectTo('kernel.annotations.injection'), ['source.c']);
    assert.deepStrictEqual(injectTo('kbuild.makefile.injection'), ['source.makefile']);
  });

  it('declares the kernel-log and kbuild languages with their files', () => {
    const language = (id: string) => languages.find((l) => l.id === id);
    assert.deepStrictEqual(language('kernel-log')?.extensions, ['.dmesg', '.kernlog']);
    assert.deepStrictEqual(language('kbuild')?.filenames, ['Kbuild']);
    assert.deepStrictEqual(language('kbuild')?.filenamePatterns, ['Kbuild.*', '.*.cmd']);
    const configuration = language('kbuild')?.configuration;
    assert.strictEqual(typeof configuration, 'string');
    assert.ok(fs.existsSync(path.join(ROOT, configuration as string)), `missing ${String(configuration)}`);
    assert.strictEqual(grammars.find((g) => g.scopeName === 'text.log.kernel')?.language, 'kernel-log');
    assert.strictEqual(grammars.find((g) => g.scopeName === 'source.kbuild')?.language, 'kbuild');
  });
});

describe('kernel log grammar (text.log.kernel)', function () {
  this.timeout(20000);
  let harness: GrammarHarness | undefined;
  before(async () => {
    harness = await GrammarHarness.create('stub', ROOT); // the log grammar has no base grammar
  });
  const get = () => harness ?? assert.fail('harness not created');
  for (const document of KERNEL_LOG_DOCUMENTS) describeDocument(get, document);
});

for (const base of BASES) {
  describe(`injection and Kbuild grammars on the ${base} base grammars`, function () {
    this.timeout(20000);
    let harness: GrammarHarness | undefined;
    before(async () => {
      harness = await GrammarHarness.create(base, ROOT);
    });
    const get = () => harness ?? assert.fail('harness not created');
    for (const document of BASE_DEPENDENT_DOCUMENTS) describeDocument(get, document);
  });
}
