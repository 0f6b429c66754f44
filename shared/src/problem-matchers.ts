// The problem matchers this extension contributes, as one table: package.json's
// contributes.problemMatchers is generated from it (`npm run generate`; a test checks that it is),
// and the tests run the same regexes over real kbuild logs.

export interface MatcherPattern {
  regexp: string;
  file: number;
  line?: number;
  column?: number;
  /** End column, exclusive (1-based): with `column`, VS Code spans the range; with neither, the whole line. */
  endColumn?: number;
  severity?: number;
  message: number;
  code?: number;
  kind?: 'file' | 'location';
}

export interface ProblemMatcherContribution {
  name: string;
  label: string;
  owner: string;
  source: string;
  fileLocation: string | string[];
  severity?: 'error' | 'warning' | 'info';
  pattern: MatcherPattern;
}

/**
 * gcc/clang diagnostics with absolute paths (kbuild ≤6.12 prints them for M=/abs; the kbuild-run
 * wrapper prints an absolute copy of 7.x's module-relative ones). Lines ending in "[modpost]" are
 * left to kbuild-modpost, lines ending in "[vm]" to kmod-vm. VS Code cannot resolve paths against a task's
 * cwd, hence absolute only.
 */
const GCC = '^(/[^:]+):(\\d+):(\\d+):\\s+(?:fatal\\s+)?(error|warning):\\s+(?!.*\\s\\[(?:modpost|vm)\\]$)(.*?)(?:\\s+\\[(-W[^\\]]+)\\])?$';

/** The wrapper's modpost lines: "<abs file>:<line>:<col>: warning: <modpost message> [modpost]". */
const MODPOST_MAPPED = '^(/[^:]+):(\\d+):(\\d+):\\s+(error|warning):\\s+(.*)\\s\\[modpost\\]$';

/**
 * Raw modpost lines that name an absolute object or module path (builds run without the wrapper,
 * ≤6.12): a file-level problem on that path ("/m/x.o" 6.1, "/m/x" 6.12, "[/m/x.ko]" both). Fallback
 * only: the mapped form is far more useful.
 */
const MODPOST_RAW =
  '^(WARNING|ERROR|FATAL): modpost: ((?:missing MODULE_\\w+\\(\\) in |"[^"]+" \\[|module name is too long \\[|too long symbol "[^"]+" \\[)?(/[^\\s:\\]]+)(?=:|\\]|$).*)$';

/**
 * Raw modpost lines that name the module without a path: every 7.3 line ("x.ko: …"), and 6.x's GPL
 * ("module x.ko uses …") and namespace ("module x uses …") lines. VS Code cannot resolve a name
 * against the task's directory, so the problem goes on that name in the workspace folder. Lines
 * naming no module ("Section mismatches detected.", "suppressed N unresolved symbol warnings …")
 * match neither raw matcher.
 */
const MODPOST_RAW_MODULE =
  '^(WARNING|ERROR|FATAL): modpost: ((?:GPL-incompatible module |module name is too long \\[|too long symbol "[^"]+" \\[|missing MODULE_\\w+\\(\\) in |"[^"]+" \\[|module )?([^\\s/:"\\[\\]]+?)(?=: | uses |\\]|$).*)$';

/**
 * `<abs file>:<line>:<col>-<end col>: error: <oops line> [vm]` (the faulting identifier) or
 * `<abs file>:<line>: error: … [vm]` (the whole line), printed by kmod-vmtest for each mapped crash.
 * Neither form is gcc's `file:line:col:`, so no gcc-shaped matcher can take them.
 */
const VM_MAPPED = '^(/[^:]+):(\\d+)(?::(\\d+)-(\\d+))?:\\s+(error|warning):\\s+(.*)\\s\\[vm\\]$';

export const PROBLEM_MATCHERS: readonly ProblemMatcherContribution[] = [
  {
    name: 'kbuild-gcc',
    label: 'kbuild: gcc/clang diagnostics',
    owner: 'kbuild',
    source: 'gcc',
    fileLocation: 'absolute',
    pattern: { regexp: GCC, file: 1, line: 2, column: 3, severity: 4, message: 5, code: 6 },
  },
  {
    name: 'kbuild-modpost',
    label: 'kbuild: modpost diagnostics placed at source lines (kmod kbuild-run)',
    owner: 'kbuild',
    source: 'modpost',
    fileLocation: 'absolute',
    pattern: { regexp: MODPOST_MAPPED, file: 1, line: 2, column: 3, severity: 4, message: 5 },
  },
  {
    name: 'kmod-vm',
    label: 'kmod-vmtest: an oops, BUG or WARNING in the VM, on the source line it came from',
    owner: 'kmod-vm',
    source: 'kmod-vm',
    fileLocation: 'absolute',
    pattern: { regexp: VM_MAPPED, file: 1, line: 2, column: 3, endColumn: 4, severity: 5, message: 6 },
  },
  {
    name: 'modpost',
    label: 'modpost: raw diagnostics on the object file (builds without kbuild-run)',
    owner: 'kbuild',
    source: 'modpost',
    fileLocation: 'absolute',
    pattern: { regexp: MODPOST_RAW, kind: 'file', severity: 1, message: 2, file: 3 },
  },
  {
    name: 'modpost-module',
    label: 'modpost: raw diagnostics that name only the module (7.3; 6.x GPL and namespace lines), on that name in the workspace folder',
    owner: 'kbuild',
    source: 'modpost',
    fileLocation: ['relative', '${workspaceFolder}'],
    pattern: { regexp: MODPOST_RAW_MODULE, kind: 'file', severity: 1, message: 2, file: 3 },
  },
];

/**
 * Matchers of the kbuild build tasks: gcc's lines. Their modpost problems come to the extension in
 * a report (shared/src/build-report.ts), so it can drop them when the source changes; the
 * $kbuild-modpost matcher is for tasks of the user's own that run kbuild-run without a report.
 */
export const BUILD_TASK_MATCHERS = ['$kbuild-gcc'];

/** The VM task builds too, so it places compiler, modpost and crash lines. */
export const VM_TASK_MATCHERS = ['$kbuild-gcc', '$kbuild-modpost', '$kmod-vm'];

/** ECMAScript RegExp of a contributed matcher, as VS Code compiles it. */
export function matcherRegExp(name: string): RegExp {
  const matcher = PROBLEM_MATCHERS.find((m) => m.name === name);
  if (!matcher) throw new Error(`no problem matcher ${name}`);
  return new RegExp(matcher.pattern.regexp);
}

export interface MatchedProblem {
  file: string;
  line?: number;
  column?: number;
  endColumn?: number;
  severity?: string;
  message: string;
  code?: string;
}

/** Applies one matcher to a line the way VS Code's single-line matcher does. */
export function applyMatcher(name: string, line: string): MatchedProblem | undefined {
  const matcher = PROBLEM_MATCHERS.find((m) => m.name === name)!;
  const match = matcherRegExp(name).exec(line);
  if (!match) return undefined;
  const p = matcher.pattern;
  const group = (index: number | undefined) => (index === undefined ? undefined : match[index]);
  const number = (index: number | undefined) => (group(index) === undefined ? undefined : Number(group(index)));
  return {
    file: match[p.file],
    line: number(p.line),
    column: number(p.column),
    ...(p.endColumn !== undefined && group(p.endColumn) !== undefined ? { endColumn: number(p.endColumn) } : {}),
    severity: group(p.severity)?.toLowerCase(),
    message: match[p.message].trim(),
    code: group(p.code),
  };
}

/** The `contributes.problemMatchers` array for package.json. */
export function problemMatchersContribution(): ProblemMatcherContribution[] {
  return PROBLEM_MATCHERS.map((m) => ({ ...m, pattern: { ...m.pattern } }));
}
