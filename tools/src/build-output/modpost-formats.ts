// Every modpost diagnostic format from 5.x to 7.x as data (from scripts/mod/modpost.c of each version;
// 7.3 rewrote every message as "<name>.ko: …" with quoted symbols), and the parser that turns one
// output line into a structured diagnostic. Pure: no I/O.

export type ModpostLevel = 'warning' | 'error';

/**
 * What a modpost line reports. The kinds of modpost's link checks are named like the analyzer's
 * finding codes that predict them (server/src/knowledge/finding-codes.ts).
 */
export type ModpostKind =
  | 'section-mismatch'
  | 'export-init-exit'
  | 'mismatch-summary'
  | 'undefined-symbol'
  /** "suppressed N unresolved symbol warnings …": the undefined lines after the tenth (no module). */
  | 'undefined-suppressed'
  | 'gpl-only-symbol'
  | 'missing-license'
  | 'missing-description'
  | 'missing-namespace-import'
  | 'namespace-import-not-allowed'
  | 'export-undefined'
  | 'export-duplicate'
  /** EXPORT_SYMBOL of a static symbol (6.1: scripts/check-local-export in the gcc step; 6.12 and 7.3: modpost). */
  | 'export-local'
  | 'module-name-too-long'
  /** An imported symbol name too long for the modversions table (CONFIG_MODVERSIONS only). */
  | 'symbol-too-long'
  | 'common-symbol'
  | 'symbol-list-missing';

export interface ModpostDiagnostic {
  kind: ModpostKind;
  level: ModpostLevel;
  /** The whole line as modpost printed it. */
  line: string;
  /** The text after "WARNING: modpost: " (or the whole line when there is no such prefix). */
  message: string;
  /** Module or object as modpost names it: "/abs/dir/m.o", "/abs/dir/m", "m", "m.ko", or a vmlinux name. */
  module?: string;
  /** The symbol a symbol-level diagnostic is about (undefined, GPL-only, export, namespace, …). */
  symbol?: string;
  namespace?: string;
  /** Section mismatch only: the referencing side. `symbol` may be "(unknown)" or a raw "0x…" address. */
  from?: { symbol: string; section: string; offset?: string };
  /** Section mismatch only: the referenced side. */
  to?: { symbol: string; section: string };
  /** Export of init/exit: the section of the exported symbol, when printed (≤6.4) or implied (≥6.5). */
  section?: string;
  /** Duplicate export: where the symbol was exported first ("vmlinux" or a module). */
  previousExport?: string;
  /** Suppressed undefined lines: how many. */
  count?: number;
}

type Groups = Record<string, string | undefined>;

interface ModpostFormat {
  kind: ModpostKind;
  /** Kernel versions whose modpost prints this form (documentation and test selection). */
  versions: string;
  /** ECMAScript regex with named groups; anchored over the whole line. */
  regex: RegExp;
  /** Fixed level when the regex has no `level` group. */
  level?: ModpostLevel;
  /** The line has no "WARNING: modpost: " prefix (a kbuild script's line in the same family). */
  unprefixed?: true;
  build: (g: Groups) => Partial<ModpostDiagnostic>;
}

const sym = '[^\\s"\']+';

/** Table of the formats, most specific first (the first match wins). */
export const MODPOST_FORMATS: readonly ModpostFormat[] = [
  {
    kind: 'section-mismatch',
    versions: '6.0–7.x (short form; "+0x…" offset from 6.5, raw "0x…" address from 6.12)',
    regex:
      /^(?<level>WARNING|ERROR): modpost: (?<mod>.+?): section mismatch in reference: (?<from>\S+?)(?:\+0x(?<off>[0-9a-f]+))? \(section: (?<fromsec>[^)]*)\) -> (?<to>\S+) \(section: (?<tosec>[^)]*)\)$/,
    build: (g) => ({
      module: g.mod,
      from: { symbol: g.from!, section: g.fromsec!, offset: g.off },
      to: { symbol: g.to!, section: g.tosec! },
    }),
  },
  {
    kind: 'section-mismatch',
    versions: '≤5.19 long form; 6.x __ex_table',
    regex:
      /^(?<level>WARNING|ERROR): (?:modpost: )?(?<mod>.+?)\((?<fromsec>\S+)\+0x(?<off>[0-9a-f]+)\): Section mismatch in reference from the (?:function|variable|\(unknown reference\)) (?<from>\S+?)(?:\(\))? to the (?:function|variable|\(unknown reference\)) (?<tosec>[^:\s]*):(?<to>\S+?)(?:\(\))?$/,
    build: (g) => ({
      module: g.mod,
      from: { symbol: g.from!, section: g.fromsec!, offset: g.off },
      to: { symbol: g.to!, section: g.tosec! },
    }),
  },
  {
    kind: 'export-init-exit',
    versions: '6.0–6.4',
    regex:
      /^(?<level>WARNING|ERROR): modpost: (?<mod>.+?): EXPORT_SYMBOL used for init\/exit symbol: (?<sym>\S+) \(section: (?<sec>[^)]*)\)$/,
    build: (g) => ({ module: g.mod, symbol: g.sym, section: g.sec }),
  },
  {
    kind: 'export-init-exit',
    versions: '6.5–7.2',
    regex:
      /^(?<level>WARNING|ERROR): modpost: (?<mod>.+?): (?<sym>\S+): EXPORT_SYMBOL used for (?<which>init|exit) symbol\. Remove __(?:init|exit) or EXPORT_SYMBOL\.$/,
    build: (g) => ({ module: g.mod, symbol: g.sym, section: g.which === 'init' ? '.init.text' : '.exit.text' }),
  },
  {
    kind: 'export-init-exit',
    versions: '7.3–',
    regex:
      /^(?<level>WARNING|ERROR): modpost: (?<mod>.+?): EXPORT_SYMBOL used for (?<which>init|exit) symbol '(?<sym>[^']+)'\. Remove __(?:init|exit) or EXPORT_SYMBOL\.$/,
    build: (g) => ({ module: g.mod, symbol: g.sym, section: g.which === 'init' ? '.init.text' : '.exit.text' }),
  },
  {
    kind: 'mismatch-summary',
    versions: '5.11–7.x (ERROR), ≤5.10 (FATAL)',
    regex: /^(?<level>ERROR|FATAL): modpost: Section mismatches detected\.$/,
    build: () => ({}),
  },
  {
    kind: 'mismatch-summary',
    versions: '≤5.x without CONFIG_DEBUG_SECTION_MISMATCH',
    regex: /^WARNING: modpost: Found (?<count>\d+) section mismatch\(es\)\.$/,
    level: 'warning',
    build: () => ({}),
  },
  {
    kind: 'undefined-symbol',
    versions: '7.3–',
    regex: /^(?<level>WARNING|ERROR): modpost: (?<mod>\S+\.ko): symbol '(?<sym>[^']+)' undefined!$/,
    build: (g) => ({ module: g.mod, symbol: g.sym }),
  },
  {
    kind: 'undefined-symbol',
    versions: '≤7.2',
    regex: new RegExp(`^(?<level>WARNING|ERROR): modpost: "(?<sym>${sym})" \\[(?<mod>.+)\\.ko\\] undefined!$`),
    build: (g) => ({ module: g.mod, symbol: g.sym }),
  },
  {
    kind: 'undefined-suppressed',
    versions: 'all (the unbalanced ")" is modpost\'s)',
    regex: /^(?<level>WARNING|ERROR): modpost: suppressed (?<count>\d+) unresolved symbol warnings because there were too many\)?$/,
    build: (g) => ({ count: Number(g.count) }),
  },
  {
    kind: 'gpl-only-symbol',
    versions: '7.3–',
    regex: /^(?<level>ERROR|WARNING): modpost: (?<mod>\S+\.ko): GPL-incompatible module uses GPL-only symbol '(?<sym>[^']+)'$/,
    build: (g) => ({ module: g.mod, symbol: g.sym }),
  },
  {
    kind: 'gpl-only-symbol',
    versions: '5.11–7.2 (ERROR), ≤5.10 (FATAL)',
    regex: /^(?<level>ERROR|FATAL): modpost: GPL-incompatible module (?<mod>.+)\.ko uses GPL-only symbol '(?<sym>[^']+)'$/,
    build: (g) => ({ module: g.mod, symbol: g.sym }),
  },
  {
    kind: 'missing-license',
    versions: '7.3–',
    regex: /^(?<level>ERROR|WARNING): modpost: (?<mod>\S+\.ko): missing MODULE_LICENSE\(\)$/,
    build: (g) => ({ module: g.mod }),
  },
  {
    kind: 'missing-license',
    versions: '≤7.2 (WARNING ≤5.10)',
    regex: /^(?<level>ERROR|WARNING): modpost: missing MODULE_LICENSE\(\) in (?<mod>.+)$/,
    build: (g) => ({ module: g.mod }),
  },
  {
    kind: 'missing-description',
    versions: '7.3– (always)',
    regex: /^(?<level>WARNING|ERROR): modpost: (?<mod>\S+\.ko): missing MODULE_DESCRIPTION\(\)$/,
    build: (g) => ({ module: g.mod }),
  },
  {
    kind: 'missing-description',
    versions: '6.5–6.12 with W=1; unconditional by 7.1',
    regex: /^(?<level>WARNING|ERROR): modpost: missing MODULE_DESCRIPTION\(\) in (?<mod>.+)$/,
    build: (g) => ({ module: g.mod }),
  },
  {
    kind: 'missing-namespace-import',
    versions: '7.3–',
    regex:
      /^(?<level>WARNING|ERROR): modpost: (?<mod>\S+\.ko): module uses symbol '(?<sym>[^']+)' from namespace '(?<ns>[^']+)', but does not import it\.$/,
    build: (g) => ({ module: g.mod, symbol: g.sym, namespace: g.ns }),
  },
  {
    kind: 'missing-namespace-import',
    versions: '5.4–7.2',
    regex:
      /^(?<level>WARNING|ERROR): modpost: module (?<mod>\S+) uses symbol (?<sym>\S+) from namespace (?<ns>\S+), but does not import it\.$/,
    build: (g) => ({ module: g.mod, symbol: g.sym, namespace: g.ns }),
  },
  {
    kind: 'namespace-import-not-allowed',
    versions: '7.3– (MODULE_IMPORT_NS of a "module:" namespace)',
    regex: /^(?<level>WARNING|ERROR): modpost: (?<mod>\S+\.ko): explicitly importing namespace '(?<ns>[^']+)' is not allowed\.$/,
    build: (g) => ({ module: g.mod, namespace: g.ns }),
  },
  {
    kind: 'export-undefined',
    versions: '7.3–',
    regex: /^(?<level>WARNING|ERROR): modpost: (?<mod>\S+\.ko): symbol '(?<sym>[^']+)' was exported without definition$/,
    build: (g) => ({ module: g.mod, symbol: g.sym }),
  },
  {
    kind: 'export-undefined',
    versions: '6.1–7.2',
    regex: new RegExp(`^(?<level>WARNING|ERROR): modpost: "(?<sym>${sym})" \\[(?<mod>.+)\\.ko\\] was exported without definition$`),
    build: (g) => ({ module: g.mod, symbol: g.sym }),
  },
  {
    kind: 'export-duplicate',
    versions: '7.3–',
    regex:
      /^(?<level>WARNING|ERROR): modpost: (?<mod>\S+\.ko): symbol '(?<sym>[^']+)' exported twice\. Previous export was in (?<other>.+)$/,
    build: (g) => ({ module: g.mod, symbol: g.sym, previousExport: g.other }),
  },
  {
    kind: 'export-duplicate',
    versions: '5.13–7.2',
    regex: /^(?<level>WARNING|ERROR): modpost: (?<mod>.+?): '(?<sym>[^']+)' exported twice\. Previous export was in (?<other>.+)$/,
    build: (g) => ({ module: g.mod, symbol: g.sym, previousExport: g.other }),
  },
  {
    kind: 'export-local',
    versions: 'after 6.1: "/abs/dir/m" (6.12), "m.ko" (7.3)',
    regex: /^(?<level>WARNING|ERROR): modpost: (?<mod>\S+?): local symbol '(?<sym>[^']+)' was exported$/,
    build: (g) => ({ module: g.mod, symbol: g.sym }),
  },
  {
    kind: 'export-local',
    versions: '6.1 (scripts/check-local-export, in the gcc step)',
    regex: /^(?<mod>\S+\.o): error: local symbol (?<sym>\S+) was exported$/,
    level: 'error',
    unprefixed: true,
    build: (g) => ({ module: g.mod, symbol: g.sym }),
  },
  {
    kind: 'module-name-too-long',
    versions: '7.3–',
    regex: /^(?<level>WARNING|ERROR): modpost: (?<mod>\S+\.ko): module name is too long$/,
    build: (g) => ({ module: g.mod }),
  },
  {
    kind: 'module-name-too-long',
    versions: '≤7.2',
    regex: /^(?<level>WARNING|ERROR): modpost: module name is too long \[(?<mod>.+)\.ko\]$/,
    build: (g) => ({ module: g.mod }),
  },
  {
    kind: 'symbol-too-long',
    versions: '≤7.2 with CONFIG_MODVERSIONS (Debian 7.x kernels have none)',
    regex: new RegExp(`^(?<level>WARNING|ERROR): modpost: too long symbol "(?<sym>${sym})" \\[(?<mod>.+)\\.ko\\]$`),
    build: (g) => ({ module: g.mod, symbol: g.sym }),
  },
  {
    kind: 'common-symbol',
    versions: 'all',
    regex: new RegExp(`^(?<level>WARNING|ERROR): modpost: "(?<sym>${sym})" \\[(?<mod>.+?)\\] is COMMON symbol$`),
    build: (g) => ({ module: g.mod, symbol: g.sym }),
  },
  {
    kind: 'symbol-list-missing',
    versions: 'Makefile.modpost (no "modpost:" prefix)',
    regex: /^WARNING: (?<file>\S*(?:Module\.symvers|vmlinux\.o)) is missing\.$/,
    level: 'warning',
    build: () => ({}),
  },
];

const LEVELS: Readonly<Record<string, ModpostLevel>> = { WARNING: 'warning', ERROR: 'error', FATAL: 'error' };

const PREFIX = /^(?:WARNING|ERROR|FATAL): (?:modpost: )?/;

/** Parses one output line (without the newline); undefined when it is not a modpost diagnostic. */
export function parseModpostLine(rawLine: string): ModpostDiagnostic | undefined {
  const line = rawLine.replace(/\r$/, '');
  const prefixed = PREFIX.test(line);
  for (const format of MODPOST_FORMATS) {
    if (prefixed === (format.unprefixed ?? false)) continue;
    const match = format.regex.exec(line);
    if (!match) continue;
    const groups: Groups = match.groups ?? {};
    const level = format.level ?? LEVELS[groups.level ?? 'WARNING'] ?? 'warning';
    return { kind: format.kind, level, line, message: line.replace(PREFIX, ''), ...format.build(groups) };
  }
  return undefined;
}

/**
 * The module name (kbuild's obj-m stem, relative to the module directory) that a modpost `<mod>`
 * names: "/abs/dir/sub/m.o" → "sub/m", "/abs/dir/m" → "m", "m.ko" → "m", "m" → "m".
 */
export function moduleStem(modpostModule: string, moduleDir: string): string {
  let name = modpostModule.replace(/\.(?:o|ko)$/, '');
  const dir = moduleDir.replace(/\/+$/, '');
  if (name.startsWith(`${dir}/`)) name = name.slice(dir.length + 1);
  return name;
}
