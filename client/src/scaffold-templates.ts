// The files of a new out-of-tree kernel module ("New Kernel Module…") and the module-name rules.
// Pure: no vscode, no file system, so unit tests and the kbuild tier use exactly what the command writes.

/** modpost keeps module names in MODULE_NAME_LEN = 64 - sizeof(unsigned long) bytes, NUL included: 55 on 64-bit. */
export const MODULE_NAME_MAX_LENGTH = 55;

/** First matching rule wins, so the most specific explanation comes first. */
const NAME_RULES: readonly { broken: (name: string) => boolean; problem: (name: string) => string }[] = [
  { broken: (name) => name === '', problem: () => 'Type a module name, e.g. my_driver.' },
  { broken: (name) => /[/\\]|\.\./.test(name), problem: () => 'A module name is one file name: no "/", "\\" or "..".' },
  {
    broken: (name) => name.length > MODULE_NAME_MAX_LENGTH,
    problem: (name) =>
      `${name.length} characters: at most ${MODULE_NAME_MAX_LENGTH} (the kernel keeps module names in ${MODULE_NAME_MAX_LENGTH + 1} bytes with the final NUL).`,
  },
  {
    broken: (name) => name.includes('-'),
    problem: () => 'Use "_" instead of "-": the name also starts the C function names (name_init), and C identifiers cannot contain "-".',
  },
  {
    broken: (name) => /^[0-9]/.test(name),
    problem: () => 'Start with a letter or "_": the name starts C identifiers (name_init), which cannot begin with a digit.',
  },
  {
    broken: (name) => /[A-Z]/.test(name),
    problem: () => 'Use lowercase letters: module names are lowercase (modprobe, lsmod and /sys/module show them as written).',
  },
  {
    broken: (name) => /[^a-z0-9_]/.test(name),
    problem: (name) => `Only lowercase letters, digits and "_" (not "${name.match(/[^a-z0-9_]/)![0]}").`,
  },
  {
    broken: (name) => /^_(_|$)/.test(name),
    problem: () => 'Names starting with "__" (or just "_", which makes __init) are reserved for the compiler and kernel macros.',
  },
];

/** Why `name` cannot be a module name (for the input box), or undefined when it can. */
export function moduleNameProblem(name: string): string | undefined {
  return NAME_RULES.find((rule) => rule.broken(name))?.problem(name);
}

/** The text MODULE_DESCRIPTION starts with: the one thing left for the author to write. */
export const DESCRIPTION_PLACEHOLDER = 'TODO: say what this module does';

const moduleSource = (name: string): string => `// SPDX-License-Identifier: GPL-2.0
/*
 * __init code is freed once ${name}_init() has returned, so only init may call it.
 * __exit code is only needed for rmmod and is left out when the module is built
 * into the kernel. Never read __initdata (or call __init code) from ${name}_exit()
 * or anything else that runs after init: that memory is gone by then.
 */
/* Prefixes every pr_*() message with the module name, as dmesg readers expect. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init ${name}_init(void)
{
\tpr_info("loaded\\n");
\treturn 0;
}

static void __exit ${name}_exit(void)
{
\tpr_info("unloaded\\n");
}

module_init(${name}_init);
module_exit(${name}_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("${DESCRIPTION_PLACEHOLDER}");
`;

// kbuild reads this file too (it has no Kbuild file): it only needs the obj-m line; the targets
// are for people who type "make" in the module directory.
const moduleMakefile = (name: string): string => `# SPDX-License-Identifier: GPL-2.0
# "make" builds ${name}.ko against the running kernel's headers;
# "make KDIR=/path/to/kernel/build" against another kernel.
obj-m += ${name}.o

KDIR ?= /lib/modules/$(shell uname -r)/build

all:
\t$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
\t$(MAKE) -C $(KDIR) M=$(CURDIR) clean

.PHONY: all clean
`;

/** The files of module `name`, paths relative to the module directory. Throws on an invalid name. */
export function moduleFiles(name: string): { path: string; text: string }[] {
  const problem = moduleNameProblem(name);
  if (problem) throw new Error(`invalid module name "${name}": ${problem}`);
  return [
    { path: `${name}.c`, text: moduleSource(name) },
    { path: 'Makefile', text: moduleMakefile(name) },
  ];
}
