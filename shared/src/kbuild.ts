// Which .c files form which module, read from a directory's Kbuild or Makefile the way kbuild
// does: `obj-m += m.o`, `m-y := a.o b.o`, `m-objs := …`, `m-$(CONFIG_X) += c.o`, `obj-y += x.o`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTextFileSync } from './safe-read';

export interface KbuildModule {
  /** Module name as modpost knows it (object basename without .o). */
  name: string;
  /** Absolute paths of the C sources linked into the module. */
  sources: string[];
  /** Listed in obj-y: linked into vmlinux rather than built as a .ko. */
  builtin: boolean;
  /** For `obj-$(CONFIG_X)`: the option that decides whether it is built in (y), a module (m) or not built. */
  config?: string;
  /** The Kbuild/Makefile that declares it. */
  declaredIn: string;
  /** Absolute -I/-iquote directories of its ccflags (where `#include "…"` also looks). */
  includeDirs?: string[];
  /** Absolute paths of the Module.symvers files KBUILD_EXTRA_SYMBOLS names (other external modules' exports). */
  extraSymbols?: string[];
  /** Sources linked in only when an option is set (`m-$(CONFIG_X) += a.o`): source → option. */
  sourceConfigs?: Record<string, string>;
  /** The Kbuild file includes other makefiles or names objects through variables it cannot expand: `sources` may miss some. */
  partial?: true;
}

/** A kernel tree's root at or above `dir` (Kconfig and include/linux/kernel.h), cached per directory. */
const treeRoots = new Map<string, string | null>();

export function kernelTreeRoot(dir: string): string | undefined {
  const cached = treeRoots.get(dir);
  if (cached !== undefined) return cached ?? undefined;
  let root: string | null = null;
  for (let current = dir, depth = 0; depth < 12; depth++) {
    if (fs.existsSync(path.join(current, 'Kconfig')) && fs.existsSync(path.join(current, 'include', 'linux', 'kernel.h'))) {
      root = current;
      break;
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  treeRoots.set(dir, root);
  return root ?? undefined;
}

/** Variables whose -I flags reach the module's C files. */
const CFLAGS_VARIABLE =
  /^(?:ccflags-(?:y|m|\$\(CONFIG_[A-Za-z0-9_]+\))|subdir-ccflags-(?:y|\$\(CONFIG_[A-Za-z0-9_]+\))|EXTRA_CFLAGS|CFLAGS_[A-Za-z0-9_.-]+\.o)$/;

/** The directories `-I dir`, `-Idir`, `-iquote dir` name among compiler flags. */
function includeDirsOf(flags: readonly string[], base: string): string[] {
  const dirs: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    const joined = /^-(?:I|iquote)(.+)$/.exec(flag)?.[1];
    const value = joined ?? (flag === '-I' || flag === '-iquote' ? flags[++i] : undefined);
    if (value && !value.includes('$(')) dirs.push(path.resolve(base, value));
  }
  return dirs;
}

interface Assignment {
  variable: string;
  append: boolean;
  values: string[];
  /** The CONFIG_ option of the innermost `ifdef CONFIG_X` / `ifneq ($(CONFIG_X),)` / `ifeq ($(CONFIG_X),y)` around it. */
  guard?: string;
}

/** Makefile conditionals that hold exactly when an option is set (y or m). */
const CONFIG_GUARD = [
  /^ifdef\s+(CONFIG_[A-Za-z0-9_]+)$/,
  /^ifneq\s*\(\s*\$\((CONFIG_[A-Za-z0-9_]+)\)\s*,\s*\)$/,
  /^ifneq\s*\(\s*,\s*\$\((CONFIG_[A-Za-z0-9_]+)\)\s*\)$/,
  /^ifeq\s*\(\s*\$\((CONFIG_[A-Za-z0-9_]+)\)\s*,\s*[ym]\s*\)$/,
];

/**
 * Joins backslash continuations, drops comments, returns `var op value` assignments in order, each
 * with the option guarding it. Other conditionals (and `else` branches) guard nothing: what they
 * hold may be built.
 */
function assignments(text: string): Assignment[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const result: Assignment[] = [];
  const guards: (string | undefined)[] = [];
  for (const rawLine of joined.split(/\r?\n/)) {
    // `$(subst m,y,$(CONFIG_X))` is y when X is y or m: written `$(CONFIG_X:m=y)` (the same in make), without spaces.
    const line = rawLine
      .replace(/(^|[^\\])#.*$/, '$1')
      .trim()
      .replace(/\$\(subst\s+m,y,\s*\$\((CONFIG_[A-Za-z0-9_]+)\)\)/g, '$($1:m=y)');
    if (/^(?:ifdef|ifndef|ifeq|ifneq)\b/.test(line)) {
      guards.push(CONFIG_GUARD.map((pattern) => pattern.exec(line)?.[1]).find(Boolean));
      continue;
    }
    if (/^else\b/.test(line)) {
      guards[guards.length - 1] = undefined;
      continue;
    }
    if (/^endif\b/.test(line)) {
      guards.pop();
      continue;
    }
    const m = /^(?:override\s+|export\s+)?((?:[A-Za-z0-9_.\-$(){}]|:m=y\))+)\s*(\+=|:=|\?=|=|::=)\s*(.*)$/.exec(line);
    if (!m) continue;
    const guard = [...guards].reverse().find(Boolean);
    result.push({ variable: m[1], append: m[2] === '+=', values: m[3].split(/\s+/).filter(Boolean), ...(guard ? { guard } : {}) });
  }
  return result;
}

/**
 * Expands $(VAR) / ${VAR} from simple variables defined in the same file, then kbuild's own
 * ($(src), $(obj): the module's directory; $(srctree): the kernel tree); leaves CONFIG_ refs. Unknown
 * variables become empty, or with `strict` stay as written (a `-I$(unknown)/x` must not become `-I/x`).
 */
function expander(vars: Map<string, string[]>, builtins: ReadonlyMap<string, string>, strict = false): (word: string) => string {
  return (word) =>
    word
      .replace(/\$[({]srctree[)}]\/\$[({](?:src|obj)[)}]/g, builtins.get('src') ?? '$&')
      .replace(/\$[({]([A-Za-z0-9_-]+)[)}]/g, (whole, name: string) => {
        const own = vars.get(name);
        if (own && own.length > 0) return own.join(' ');
        if (builtins.has(name)) return builtins.get(name)!;
        return name.startsWith('CONFIG_') || (strict && own === undefined) ? whole : '';
      });
}

/** Values of kbuild's own variables for a Kbuild file in `dir`. */
function kbuildVariables(dir: string, treeRoot: string | undefined): Map<string, string> {
  const builtins = new Map([
    ['src', dir],
    ['obj', dir],
    ['M', dir],
    ['KBUILD_EXTMOD', dir],
    ['PWD', dir],
    ['CURDIR', dir],
  ]);
  if (treeRoot) builtins.set('srctree', treeRoot);
  return builtins;
}

/** The kbuild file of `dir`: Kbuild takes precedence over Makefile, as in kbuild itself. */
export function kbuildFile(dir: string): string | undefined {
  for (const name of ['Kbuild', 'Makefile', 'makefile', 'GNUmakefile']) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function parseKbuild(text: string, dir: string, declaredIn: string, treeRoot?: string): KbuildModule[] {
  const vars = new Map<string, string[]>();
  const builtins = kbuildVariables(dir, treeRoot);
  const expand = expander(vars, builtins);
  const expandStrictly = expander(vars, builtins, true);
  const flags: string[] = [];
  const objects: { name: string; builtin: boolean; config?: string }[] = [];
  const members = new Map<string, string[]>();
  const memberConfigs = new Map<string, string>();
  let partial = /^\s*-?include\s/m.test(text);
  for (const { variable: rawVariable, append, values, guard } of assignments(text)) {
    const variable = expand(rawVariable);
    if (CFLAGS_VARIABLE.test(variable))
      flags.push(
        ...values
          .map(expandStrictly)
          .flatMap((v) => v.split(/\s+/))
          .filter(Boolean),
      );
    const expanded = values
      .map(expand)
      .flatMap((v) => v.split(/\s+/))
      .filter(Boolean);
    const target = /^obj-(m|y|\$\(CONFIG_[A-Za-z0-9_]+(?::m=y)?\))$/.exec(variable);
    if (target) {
      for (const value of expanded) {
        const config = /^\$\((CONFIG_[A-Za-z0-9_]+)(?::m=y)?\)$/.exec(target[1])?.[1] ?? guard;
        const builtin = target[1] === 'y' || target[1].endsWith(':m=y)');
        if (value.endsWith('.o')) objects.push({ name: value.slice(0, -2), builtin, ...(config ? { config } : {}) });
      }
      continue;
    }
    const composite = /^(.+?)-(y|objs|\$\(CONFIG_[A-Za-z0-9_]+(?::m=y)?\))$/.exec(variable);
    if (
      composite &&
      !['ccflags', 'asflags', 'ldflags', 'subdir', 'always', 'extra', 'targets', 'hostprogs', 'userprogs', 'lib', 'clean'].includes(
        composite[1],
      )
    ) {
      const list = members.get(composite[1]) ?? [];
      const objects = expanded.filter((v) => v.endsWith('.o'));
      list.push(...objects);
      members.set(composite[1], list);
      const memberConfig = /^\$\((CONFIG_[A-Za-z0-9_]+)(?::m=y)?\)$/.exec(composite[2])?.[1] ?? guard;
      if (memberConfig)
        for (const object of objects) {
          const source = path.resolve(dir, object.replace(/\.o$/, '.c'));
          if (!memberConfigs.has(source)) memberConfigs.set(source, memberConfig);
        }
      // `proc-$(CONFIG_PROC_FS) += a.o` then `m-objs += $(proc-y)`: the list is read back as proc-y.
      if (composite[2] !== 'objs') {
        const listed = `${composite[1]}-y`;
        vars.set(listed, [...(vars.get(listed) ?? []), ...expanded]);
      }
      if (values.some((value) => /\$[({](?!CONFIG_)/.test(value) && expand(value).startsWith('/'))) partial = true;
      continue;
    }
    vars.set(variable, append ? [...(vars.get(variable) ?? []), ...expanded] : expanded);
  }
  // kbuild runs the compiler in the tree's root: relative -I paths start there.
  const includeDirs = [...new Set(includeDirsOf(flags, treeRoot ?? dir))];
  const extraSymbols = [
    ...new Set((vars.get('KBUILD_EXTRA_SYMBOLS') ?? []).filter((file) => !file.includes('$(')).map((file) => path.resolve(dir, file))),
  ];
  const seen = new Set<string>();
  const modules: KbuildModule[] = [];
  for (const object of objects) {
    if (seen.has(object.name)) continue;
    seen.add(object.name);
    const parts = members.get(object.name) ?? [`${object.name}.o`];
    const sources = parts.map((part) => path.resolve(dir, part.replace(/\.o$/, '.c')));
    const sourceConfigs = Object.fromEntries(
      sources.filter((source) => memberConfigs.has(source)).map((source) => [source, memberConfigs.get(source)!]),
    );
    modules.push({
      name: path.basename(object.name),
      sources,
      builtin: object.builtin,
      ...(object.config ? { config: object.config } : {}),
      declaredIn,
      ...(includeDirs.length > 0 ? { includeDirs } : {}),
      ...(extraSymbols.length > 0 ? { extraSymbols } : {}),
      ...(Object.keys(sourceConfigs).length > 0 ? { sourceConfigs } : {}),
      ...(partial ? { partial: true as const } : {}),
    });
  }
  return modules;
}

/** A Kbuild or Makefile larger than this is not one (kernel Makefiles stay under 100 KB). */
const MAX_MAKEFILE_BYTES = 1024 * 1024;

/** Modules declared in `dir`'s Kbuild/Makefile; [] when there is none or it declares no objects. */
const parsedKbuild = new Map<string, { stamp: string; modules: KbuildModule[] }>();

/** The parsed Kbuild files kept, the most recently used: a kernel tree has 15,000, and each is quick to parse again. */
const PARSED_KBUILD_KEPT = 2048;

/** Modules declared in `dir`'s Kbuild/Makefile (re-read only when that file changes). */
export function modulesInDir(dir: string): KbuildModule[] {
  const file = kbuildFile(dir);
  if (!file) return [];
  try {
    const stat = fs.statSync(file);
    const stamp = `${stat.mtimeMs}:${stat.size}`;
    const cached = parsedKbuild.get(file);
    parsedKbuild.delete(file);
    const modules =
      cached?.stamp === stamp ? cached.modules : parseKbuild(readTextFileSync(file, MAX_MAKEFILE_BYTES), dir, file, kernelTreeRoot(dir));
    parsedKbuild.set(file, { stamp, modules });
    if (parsedKbuild.size > PARSED_KBUILD_KEPT) parsedKbuild.delete(parsedKbuild.keys().next().value!);
    return modules;
  } catch {
    return [];
  }
}

/** The module a C file belongs to; a file named in no Kbuild is a one-file module of its own. */
export function moduleOfFile(file: string): KbuildModule {
  const dir = path.dirname(file);
  const found = modulesInDir(dir).find((module) => module.sources.includes(file));
  return found ?? { name: path.basename(file, '.c'), sources: [file], builtin: false, declaredIn: '' };
}
