// The exact process and argument vector of every kbuild task (build, clean, load, unload, logs).
// Pure: no vscode, no I/O. Paths and settings only ever become separate argv elements, never parts
// of a shell string; values travel as `--name=value`, so one starting with `-` stays a value.

import { optionArg } from './program-args';

export type TaskKind = 'build' | 'build-all' | 'clean' | 'load' | 'unload' | 'log' | 'module-log' | 'vm';
export const TASK_KINDS: readonly TaskKind[] = ['build', 'build-all', 'clean', 'load', 'unload', 'log', 'module-log', 'vm'];

export type PrivilegeHelper = 'sudo' | 'pkexec' | 'none';
export type BuildStrategy = 'kbuild' | 'makefile';

export interface KbuildSettings {
  privilegeHelper: PrivilegeHelper;
  buildStrategy: BuildStrategy;
  /** Default module parameters for load, e.g. `count=3 name="two words"`. */
  moduleParameters: string;
  /** Kernel version whose modpost rules the mapper applies (empty: the build dir's). */
  kernelVersion: string;
  /** The extension host runs as root: no privilege helper is needed. */
  isRoot: boolean;
  /** Where Follow Kernel Log starts (kmod.kernelLog.from); kmsg-follow's default is now. */
  kernelLogFrom?: 'now' | 'boot';
}

/** Where the helper scripts are and how to run them with Node (VS Code's own binary in the product). */
export interface ToolPaths {
  node: string;
  /** Environment that makes `node` behave as Node (ELECTRON_RUN_AS_NODE=1 for VS Code's binary). */
  nodeEnv: Record<string, string>;
  kbuildRun: string;
  kmodRun: string;
  kmsgFollow: string;
  vmtest: string;
}

export interface ModuleRef {
  /** kbuild stem ("hello-3"); the kernel's name is this with '-' → '_'. */
  name: string;
  /** Absolute path of the built .ko. */
  ko: string;
}

export interface TaskRequest {
  kind: TaskKind;
  /** Kernel build directory (required for build and clean). */
  kdir?: string;
  /** Its release ("6.1.0-56-amd64"), for explanations of version mismatches. */
  kdirRelease?: string;
  /** Every kernel build directory to build against (build-all). */
  kdirs?: string[];
  /** Where the build writes its modpost problems for the extension (build, build-all). */
  reportFile?: string;
  /** Absolute module directory. */
  moduleDir: string;
  /** The module to load/unload/filter for. */
  module?: ModuleRef;
  /** Module parameters for load (overrides the setting). */
  params?: string;
  /** Extra texts the module log filter also keeps (e.g. the module's printk prefixes). */
  logMatches?: string[];
  /** Where load and unload write their outcome for the extension's notification (kmod-run --outcome). */
  outcomeFile?: string;
}

export interface CommandLine {
  process: string;
  args: string[];
  env: Record<string, string>;
  /** Working directory for the task. */
  cwd: string;
}

export type CommandLineResult = { ok: true; command: CommandLine } | { ok: false; reason: string };

/** The kernel's name for a module: kbuild turns '-' into '_' (modinfo "name="). */
export const kernelModuleName = (stem: string): string => stem.replace(/.*\//, '').replace(/-/g, '_');

/** argv with the configured privilege helper in front (none when already root). */
export function privileged(argv: readonly string[], helper: PrivilegeHelper, isRoot: boolean): string[] {
  if (isRoot || helper === 'none') return [...argv];
  return helper === 'pkexec' ? ['pkexec', ...argv] : ['sudo', '--', ...argv];
}

const PARAMETER = /^[A-Za-z_][A-Za-z0-9_.-]*(?:=.*)?$/s;

/**
 * Splits a module parameter string the way the kernel reads insmod's arguments: whitespace
 * separates parameters except inside double quotes, and the quotes stay (the kernel strips them:
 * `name="two words"`). Rejects anything that is not `name` or `name=value`, so nothing can become
 * an insmod option.
 */
export function splitModuleParameters(text: string): { ok: true; params: string[] } | { ok: false; reason: string } {
  const params: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (!quoted && /\s/.test(char)) {
      if (current) params.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (quoted) return { ok: false, reason: `unbalanced double quote in module parameters: ${text}` };
  if (current) params.push(current);
  const bad = params.find((p) => !PARAMETER.test(p));
  if (bad !== undefined) return { ok: false, reason: `"${bad}" is not a module parameter (expected name=value)` };
  return { ok: true, params };
}

type Builder = (request: TaskRequest, settings: KbuildSettings, tools: ToolPaths) => CommandLineResult;

const fail = (reason: string): CommandLineResult => ({ ok: false, reason });

function viaNode(tools: ToolPaths, script: string, args: string[], cwd: string): CommandLineResult {
  return { ok: true, command: { process: tools.node, args: [script, ...args], env: { ...tools.nodeEnv }, cwd } };
}

/**
 * Why make cannot be given `path` as the value of a variable (M=, KDIR=), or undefined. make
 * expands `$(…)` in command-line variables (a directory named `m$(shell id)` would run `id`), and
 * kbuild splits its paths at spaces and takes `#` and `:` for its own syntax.
 */
export function makePathProblem(variable: string, path: string): string | undefined {
  const bad = /[\s$#:]/.exec(path)?.[0];
  if (bad === undefined) return undefined;
  const what = bad === '$' ? 'a $ (make would expand $(…) in it)' : /\s/.test(bad) ? 'a space' : `a ${bad}`;
  return `kbuild cannot build with ${variable}=${path}: the path contains ${what}. Move or rename the directory.`;
}

/** The make invocation for build ('modules') or clean, per build strategy. */
export function makeArgv(target: 'modules' | 'clean', kdir: string, moduleDir: string, strategy: BuildStrategy): string[] {
  if (strategy === 'makefile') {
    return target === 'clean' ? ['make', '-C', moduleDir, `KDIR=${kdir}`, 'clean'] : ['make', '-C', moduleDir, `KDIR=${kdir}`];
  }
  return ['make', '-C', kdir, `M=${moduleDir}`, target];
}

const optional = (name: string, value: string | undefined): string[] => (value ? [optionArg(name, value)] : []);

const BUILDERS: Readonly<Record<TaskKind, Builder>> = {
  'build-all': (r, s, t) => {
    if (!r.kdirs?.length) return fail('no kernel headers are installed to build against');
    return viaNode(
      t,
      t.kbuildRun,
      [
        optionArg('module-dir', r.moduleDir),
        ...optional('kernel-version', s.kernelVersion),
        ...r.kdirs.map((kdir) => optionArg('each-kdir', kdir)),
        ...optional('report', r.reportFile),
        '--',
        'make',
      ],
      r.moduleDir,
    );
  },
  build: (r, s, t) => {
    if (!r.kdir) return fail('no kernel build directory');
    return viaNode(
      t,
      t.kbuildRun,
      [
        optionArg('module-dir', r.moduleDir),
        ...optional('kernel-version', s.kernelVersion),
        optionArg('kdir', r.kdir),
        ...optional('build-release', r.kdirRelease),
        optionArg('privilege-helper', s.privilegeHelper),
        ...optional('report', r.reportFile),
        '--',
        ...makeArgv('modules', r.kdir, r.moduleDir, s.buildStrategy),
      ],
      r.moduleDir,
    );
  },
  clean: (r, s, t) => {
    if (!r.kdir) return fail('no kernel build directory');
    return viaNode(
      t,
      t.kmodRun,
      [
        optionArg('topic', 'build'),
        ...optional('build-release', r.kdirRelease),
        '--',
        ...makeArgv('clean', r.kdir, r.moduleDir, s.buildStrategy),
      ],
      r.moduleDir,
    );
  },
  load: (r, s, t) => {
    if (!r.module) return fail('no module to load');
    const split = splitModuleParameters(r.params ?? s.moduleParameters);
    if (!split.ok) return fail(split.reason);
    return viaNode(
      t,
      t.kmodRun,
      [
        optionArg('topic', 'load'),
        optionArg('module', kernelModuleName(r.module.name)),
        ...optional('build-release', r.kdirRelease),
        optionArg('privilege-helper', s.privilegeHelper),
        ...optional('outcome', r.outcomeFile),
        '--',
        ...privileged(['insmod', r.module.ko, ...split.params], s.privilegeHelper, s.isRoot),
      ],
      r.moduleDir,
    );
  },
  unload: (r, s, t) => {
    if (!r.module) return fail('no module to unload');
    const name = kernelModuleName(r.module.name);
    return viaNode(
      t,
      t.kmodRun,
      [
        optionArg('topic', 'unload'),
        optionArg('module', name),
        optionArg('privilege-helper', s.privilegeHelper),
        ...optional('outcome', r.outcomeFile),
        '--',
        ...privileged(['rmmod', name], s.privilegeHelper, s.isRoot),
      ],
      r.moduleDir,
    );
  },
  vm: (r, s, t) => {
    if (!r.kdir) return fail('no kernel build directory');
    const split = splitModuleParameters(r.params ?? s.moduleParameters);
    if (!split.ok) return fail(split.reason);
    // Runs only inside a throwaway qemu guest: no privilege helper, nothing touches the host kernel.
    return viaNode(
      t,
      t.vmtest,
      [
        optionArg('kdir', r.kdir),
        optionArg('module-dir', r.moduleDir),
        ...optional('params', split.params.join(' ')),
        ...optional('kernel-version', s.kernelVersion),
      ],
      r.moduleDir,
    );
  },
  log: (r, s, t) =>
    viaNode(
      t,
      t.kmsgFollow,
      [
        optionArg('privilege-helper', s.privilegeHelper),
        ...(s.isRoot ? ['--root'] : []),
        ...(s.kernelLogFrom === 'boot' ? ['--from=boot'] : []),
      ],
      r.moduleDir,
    ),
  'module-log': (r, s, t) => {
    if (!r.module) return fail('no module to filter the kernel log for');
    return viaNode(
      t,
      t.kmsgFollow,
      [
        optionArg('privilege-helper', s.privilegeHelper),
        ...(s.isRoot ? ['--root'] : []),
        optionArg('module', kernelModuleName(r.module.name)),
        ...(r.logMatches ?? []).map((m) => optionArg('match', m)),
      ],
      r.moduleDir,
    );
  },
};

/** The process and argv for one task. */
export function commandLine(request: TaskRequest, settings: KbuildSettings, tools: ToolPaths): CommandLineResult {
  const problem = makeVariablesProblem(request, settings);
  return problem ? fail(problem) : BUILDERS[request.kind](request, settings, tools);
}

/** What the task would hand make as M= or KDIR= that make or kbuild cannot take. */
function makeVariablesProblem(request: TaskRequest, settings: KbuildSettings): string | undefined {
  const makefile = settings.buildStrategy === 'makefile';
  switch (request.kind) {
    case 'build':
    case 'clean':
      return makePathProblem('M', request.moduleDir) ?? (makefile && request.kdir ? makePathProblem('KDIR', request.kdir) : undefined);
    case 'vm':
      return makePathProblem('M', request.moduleDir);
    default:
      return undefined;
  }
}
