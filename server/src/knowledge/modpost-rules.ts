// modpost's section-mismatch rules as one versioned table, after sectioncheck[] and
// secref_whitelist() in scripts/mod/modpost.c of each kernel version.
// Patterns are fnmatch globs as modpost uses them since 6.0 (`*` also matches dots).

import type { ModpostMessageStyle } from './module-link';

export type MismatchKind =
  | 'text-to-init'
  | 'data-to-init'
  | 'text-to-exit'
  | 'data-to-exit'
  | 'meminit-to-init'
  | 'memexit-to-exit'
  | 'init-to-exit'
  | 'exit-to-init'
  | 'pci-fixup-to-init';

export interface SectionCheck {
  from: readonly string[];
  badTo: readonly string[];
  kind: MismatchKind;
}

export interface WhitelistRule {
  /** Short id (P1 …), for messages and tests. */
  id: string;
  fromSections: readonly string[];
  toSections: readonly string[];
  /** Globs on the referencing (enclosing) symbol's name; any match qualifies. */
  fromSymbols?: readonly string[];
  /** Globs on the referenced symbol's name. */
  toSymbols?: readonly string[];
  /** The rule is lifted by W=1 (KBUILD_EXTRA_WARN). */
  liftedByExtraWarn?: boolean;
}

/** How modpost prints the from-symbol of a mismatch. */
export type ModpostNaming =
  /** ≤6.4: global aliases win, so module_init/module_exit targets print as init_module/cleanup_module. */
  | 'aliases'
  /** ≥6.5: the real function name, with +0x offset. */
  | 'real-names';

export interface RuleProfile {
  /** Profile name shown to users, e.g. "6.1". */
  id: string;
  /** First kernel version the profile describes. */
  since: readonly [number, number, number];
  description: string;
  checks: readonly SectionCheck[];
  whitelist: readonly WhitelistRule[];
  /** Sections an EXPORT_SYMBOL target may not live in. */
  exportForbidden: { init: readonly string[]; exit: readonly string[] };
  /** ≤6.4 the export warning counts as a section mismatch (fails strict builds). */
  exportCountsAsMismatch: boolean;
  naming: ModpostNaming;
  /** How the module is named in modpost lines: object path with `.o`, without, the bare name, or `name.ko`. */
  moduleNaming: 'object' | 'path' | 'name' | 'ko';
  /** modpost's line for an exported init/exit symbol; {symbol}, {section}, {kind} (init|exit) are filled in. */
  exportLine: string;
  /** How modpost words its link checks (undefined symbols, licences, namespaces, exports). */
  messageStyle: ModpostMessageStyle;
  /** When a module without MODULE_DESCRIPTION() gets a warning: never, with W=1, or always. */
  missingDescription: 'never' | 'extra-warn' | 'always';
  /** How MODULE_IMPORT_NS takes its namespace: a bare identifier (≤ 6.12, stringified) or a string literal (6.13+). */
  namespaceImport: 'identifier' | 'string';
  /** `module:<names>` namespaces: do not exist, are ordinary importable namespaces (6.12's backport), or admit only the named modules (7.x). */
  moduleNamespaces: 'none' | 'importable' | 'gated';
  /** Who rejects EXPORT_SYMBOL of a static symbol: scripts/check-local-export after each compile (≤ 6.4), or modpost (6.5+). */
  localExportCheck: 'compile' | 'modpost';
}

const EXPORT_LINE_6_1 = 'EXPORT_SYMBOL used for init/exit symbol: {symbol} (section: {section})';
const EXPORT_LINE_6_5 = '{symbol}: EXPORT_SYMBOL used for {kind} symbol. Remove __{kind} or EXPORT_SYMBOL.';

const INIT = '.init.*',
  EXIT = '.exit.*',
  MEMINIT = '.meminit.*',
  MEMEXIT = '.memexit.*';
const DATA = ['.data', '.data.rel'];
const PCI_INIT = [
  '.pci_fixup_early',
  '.pci_fixup_header',
  '.pci_fixup_final',
  '.pci_fixup_enable',
  '.pci_fixup_resume',
  '.pci_fixup_resume_early',
  '.pci_fixup_suspend',
];
const TEXT_6_1_0 = ['.text', '.text.unlikely', '.sched.text', '.kprobes.text', '.cpuidle.text', '.noinstr.text'];
const TEXT = ['.text', '.text.*', '.sched.text', '.kprobes.text', '.cpuidle.text', '.noinstr.text', '.ltext', '.ltext.*'];
const OTHER_TEXT = [
  '.ref.text',
  '.head.text',
  '.spinlock.text',
  '.fixup',
  '.entry.text',
  '.exception.text',
  '.coldtext',
  '.softirqentry.text',
  '.irqentry.text',
];
const OPS_LIKE_ALL = ['*_template', '*_timer', '*_sht', '*_ops', '*_probe', '*_probe_one', '*_console'];

/** Exemptions every 6.x/7.x modpost applies (P1, P1a, P3, P4, P5). */
function commonWhitelist(allInitData: readonly string[], allInit: readonly string[], allText: readonly string[]): WhitelistRule[] {
  return [
    { id: 'P1', fromSections: DATA, toSections: allInitData, fromSymbols: ['__param*'] },
    { id: 'P1a', fromSections: DATA, toSections: ['.init.text'], fromSymbols: ['__param_ops_*'] },
    { id: 'P3', fromSections: ['.head.text*'], toSections: allInit },
    { id: 'P4', fromSections: ['*'], toSections: ['*'], toSymbols: ['__init_begin', '_sinittext', '_einittext'] },
    { id: 'P5', fromSections: allText, toSections: allInit, fromSymbols: ['*.constprop.*'] },
  ];
}

const INIT_DATA_WITH_MEM = ['.init.setup', '.init.rodata', '.meminit.rodata', '.init.data', '.meminit.data'];
const INIT_DATA = ['.init.setup', '.init.rodata', '.init.data'];

/** The 6.1.y stable backports (≈6.1.80): .text.* checked, __memexit gone, *driver → .exit only with W=1. */
const PROFILE_6_1_80: RuleProfile = {
  id: '6.1.80',
  since: [6, 1, 80],
  description: '6.1.80 – 6.4 (stable backports: .text.* checked, __memexit gone, *driver → .exit only with W=1)',
  checks: [
    { from: TEXT, badTo: [INIT, MEMINIT], kind: 'text-to-init' },
    { from: DATA, badTo: [MEMINIT], kind: 'data-to-init' },
    { from: DATA, badTo: [INIT], kind: 'data-to-init' },
    { from: TEXT, badTo: [EXIT], kind: 'text-to-exit' },
    { from: DATA, badTo: [EXIT], kind: 'data-to-exit' },
    { from: [MEMINIT], badTo: [INIT], kind: 'meminit-to-init' },
    { from: [INIT, MEMINIT], badTo: [EXIT], kind: 'init-to-exit' },
    { from: [EXIT], badTo: [INIT, MEMINIT], kind: 'exit-to-init' },
    { from: PCI_INIT, badTo: [INIT], kind: 'pci-fixup-to-init' },
  ],
  whitelist: [
    ...commonWhitelist(INIT_DATA_WITH_MEM, [INIT, MEMINIT], ['.init.text', '.meminit.text', '.exit.text', ...TEXT, ...OTHER_TEXT]),
    { id: 'P2', fromSections: DATA, toSections: [INIT, MEMINIT, EXIT], fromSymbols: OPS_LIKE_ALL },
    { id: 'P2b', fromSections: DATA, toSections: [MEMINIT], fromSymbols: ['*driver'] },
    { id: 'P2c', fromSections: DATA, toSections: [EXIT], fromSymbols: ['*driver'], liftedByExtraWarn: true },
    { id: 'P6', fromSections: ['*'], toSections: ['*'], fromSymbols: ['.L*'] },
  ],
  exportForbidden: { init: [INIT], exit: [EXIT] },
  exportCountsAsMismatch: true,
  naming: 'aliases',
  moduleNaming: 'object',
  exportLine: EXPORT_LINE_6_1,
  messageStyle: 'classic',
  missingDescription: 'never',
  namespaceImport: 'identifier',
  moduleNamespaces: 'none',
  localExportCheck: 'compile',
};

/** 6.12 merged the table into five entries and folded __meminit into __init. */
const PROFILE_6_12: RuleProfile = {
  id: '6.12',
  since: [6, 12, 0],
  description: '6.12 – 7.0 (5-entry table, __meminit folded into __init, *_probe still whitelisted)',
  checks: [
    { from: TEXT, badTo: [INIT], kind: 'text-to-init' },
    { from: DATA, badTo: [INIT], kind: 'data-to-init' },
    { from: TEXT, badTo: [EXIT], kind: 'text-to-exit' },
    { from: DATA, badTo: [EXIT], kind: 'data-to-exit' },
    { from: [INIT], badTo: [EXIT], kind: 'init-to-exit' },
    { from: [EXIT], badTo: [INIT], kind: 'exit-to-init' },
    { from: PCI_INIT, badTo: [INIT], kind: 'pci-fixup-to-init' },
  ],
  whitelist: [
    ...commonWhitelist(INIT_DATA, [INIT], ['.init.text', '.exit.text', ...TEXT, ...OTHER_TEXT]),
    { id: 'P2', fromSections: DATA, toSections: [INIT, EXIT], fromSymbols: ['*_ops', '*_probe', '*_console'] },
  ],
  exportForbidden: { init: [INIT], exit: [EXIT] },
  exportCountsAsMismatch: false,
  naming: 'real-names',
  moduleNaming: 'path',
  exportLine: EXPORT_LINE_6_5,
  messageStyle: 'classic',
  missingDescription: 'extra-warn',
  namespaceImport: 'identifier',
  moduleNamespaces: 'importable',
  localExportCheck: 'modpost',
};

/** 7.1 dropped *_probe from the whitelist (read from the sources; Debian's 7.3.4 agrees). */
const PROFILE_7_1: RuleProfile = {
  ...PROFILE_6_12,
  id: '7.1',
  since: [7, 1, 0],
  description: '7.1 – 7.2 (*_probe no longer whitelisted; external modules named by their bare name)',
  whitelist: [
    ...commonWhitelist(INIT_DATA, [INIT], ['.init.text', '.exit.text', ...TEXT, ...OTHER_TEXT]),
    { id: 'P2', fromSections: DATA, toSections: [INIT, EXIT], fromSymbols: ['*_ops', '*_console'] },
  ],
  moduleNaming: 'name',
  namespaceImport: 'string',
  moduleNamespaces: 'gated',
};

export const RULE_PROFILES: readonly RuleProfile[] = [
  {
    id: '6.1',
    since: [6, 0, 0],
    description: 'v6.0 – 6.1.79 (12-entry table, __memexit still present, 6.1.0 TEXT_SECTIONS)',
    checks: [
      { from: TEXT_6_1_0, badTo: [INIT, MEMINIT], kind: 'text-to-init' },
      { from: DATA, badTo: [MEMINIT], kind: 'data-to-init' },
      { from: DATA, badTo: [INIT], kind: 'data-to-init' },
      { from: TEXT_6_1_0, badTo: [EXIT, MEMEXIT], kind: 'text-to-exit' },
      { from: DATA, badTo: [EXIT, MEMEXIT], kind: 'data-to-exit' },
      { from: [MEMINIT], badTo: [INIT], kind: 'meminit-to-init' },
      { from: [MEMEXIT], badTo: [EXIT], kind: 'memexit-to-exit' },
      { from: [INIT, MEMINIT], badTo: [EXIT, MEMEXIT], kind: 'init-to-exit' },
      { from: [EXIT, MEMEXIT], badTo: [INIT, MEMINIT], kind: 'exit-to-init' },
      { from: PCI_INIT, badTo: [INIT], kind: 'pci-fixup-to-init' },
    ],
    whitelist: [
      ...commonWhitelist(
        INIT_DATA_WITH_MEM,
        [INIT, MEMINIT],
        ['.init.text', '.meminit.text', '.exit.text', '.memexit.text', ...TEXT_6_1_0, ...OTHER_TEXT, '.text.*'],
      ),
      { id: 'P2', fromSections: DATA, toSections: [INIT, MEMINIT, EXIT, MEMEXIT], fromSymbols: OPS_LIKE_ALL },
      { id: 'P2b', fromSections: DATA, toSections: [MEMINIT, EXIT, MEMEXIT], fromSymbols: ['*driver'] },
      { id: 'P6', fromSections: ['*'], toSections: ['*'], fromSymbols: ['.L*'] },
    ],
    exportForbidden: { init: [INIT], exit: [EXIT] },
    exportCountsAsMismatch: true,
    naming: 'aliases',
    moduleNaming: 'object',
    exportLine: EXPORT_LINE_6_1,
    messageStyle: 'classic',
    missingDescription: 'never',
    namespaceImport: 'identifier',
    moduleNamespaces: 'none',
    localExportCheck: 'compile',
  },
  PROFILE_6_1_80,
  {
    ...PROFILE_6_1_80,
    id: '6.6',
    since: [6, 5, 0],
    description: '6.5 – 6.11 (8-entry table, real function names with +0x offsets, exports no longer counted)',
    whitelist: PROFILE_6_1_80.whitelist.filter((rule) => rule.id !== 'P6'),
    exportCountsAsMismatch: false,
    naming: 'real-names',
    moduleNaming: 'path',
    exportLine: EXPORT_LINE_6_5,
    localExportCheck: 'modpost',
  },
  PROFILE_6_12,
  PROFILE_7_1,
  {
    ...PROFILE_7_1,
    id: '7.3',
    since: [7, 3, 0],
    description: "7.3 and newer (every message rewritten: modules named `name.ko`, symbols quoted; checked against Debian's 7.3.4)",
    moduleNaming: 'ko',
    exportLine: "EXPORT_SYMBOL used for {kind} symbol '{symbol}'. Remove __{kind} or EXPORT_SYMBOL.",
    messageStyle: 'module-first',
    missingDescription: 'always',
  },
];

const globCache = new Map<string, RegExp>();

/** fnmatch(pattern, name, 0) for the `*` and literal patterns modpost uses. */
export function globMatch(pattern: string, name: string): boolean {
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(
      '^' +
        pattern
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*') +
        '$',
    );
    globCache.set(pattern, re);
  }
  return re.test(name);
}

const anyMatch = (patterns: readonly string[], name: string): boolean => patterns.some((p) => globMatch(p, name));

export type KernelVersion = readonly [number, number, number];

export function parseKernelVersion(text: string): KernelVersion | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

const compare = (a: KernelVersion, b: KernelVersion): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The profile describing `version`; the newest when none is given. Versions before 6.0 get 6.1's. */
export function profileFor(version: KernelVersion | undefined): RuleProfile {
  if (!version) return RULE_PROFILES[RULE_PROFILES.length - 1];
  let chosen = RULE_PROFILES[0];
  for (const profile of RULE_PROFILES) if (compare(version, profile.since) >= 0) chosen = profile;
  return chosen;
}

export interface Reference {
  fromSymbol: string;
  fromSection: string;
  toSymbol: string;
  toSection: string;
}

export type Verdict = { mismatch: false } | { mismatch: true; kind: MismatchKind; whitelistedBy?: string };

/** What modpost of `profile` says about one reference: not checked, whitelisted, or a mismatch. */
export function judgeReference(profile: RuleProfile, ref: Reference, extraWarn = false): Verdict {
  const check = profile.checks.find((c) => anyMatch(c.from, ref.fromSection) && anyMatch(c.badTo, ref.toSection));
  if (!check) return { mismatch: false };
  const exemption = profile.whitelist.find(
    (rule) =>
      anyMatch(rule.fromSections, ref.fromSection) &&
      anyMatch(rule.toSections, ref.toSection) &&
      (!rule.fromSymbols || anyMatch(rule.fromSymbols, ref.fromSymbol)) &&
      (!rule.toSymbols || anyMatch(rule.toSymbols, ref.toSymbol)) &&
      !(rule.liftedByExtraWarn && extraWarn),
  );
  return { mismatch: true, kind: check.kind, whitelistedBy: exemption?.id };
}

const badTargetMemo = new WeakMap<RuleProfile, Map<string, boolean>>();

/** Whether some rule of `profile` can flag a reference to a symbol in `section` (memoized). */
export function isPossibleBadTarget(profile: RuleProfile, section: string): boolean {
  let memo = badTargetMemo.get(profile);
  if (!memo) badTargetMemo.set(profile, (memo = new Map()));
  let bad = memo.get(section);
  if (bad === undefined) memo.set(section, (bad = profile.checks.some((check) => anyMatch(check.badTo, section))));
  return bad;
}

/** 'init' / 'exit' when an exported symbol in `section` draws modpost's export warning. */
export function exportProblem(profile: RuleProfile, section: string): 'init' | 'exit' | undefined {
  if (anyMatch(profile.exportForbidden.init, section)) return 'init';
  if (anyMatch(profile.exportForbidden.exit, section)) return 'exit';
  return undefined;
}
