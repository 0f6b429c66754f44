// kmodcheck: the language server's analyzer as a command-line checker for terminals and CI.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyzePaths, analyzePathsForKernels, type AnalysisOptions, type ProjectAnalysis } from '../../server/src/engine/project';
import type { Finding } from '../../server/src/model/types';
import { RULE_PROFILES } from '../../server/src/knowledge/modpost-rules';
import { defaultFactsCacheDir } from '../../server/src/engine/facts-cache';
import { CompileDbError, FLAVOURS, formatDatabase, moduleCompileCommands, withFlavour, type Flavour } from '../../shared/src/compile-db';
import {
  bestGuess,
  defaultKernelBuildDir,
  detectOnThisMachine,
  isUsableKernelDir,
  unusableKernelDirText,
} from '../../shared/src/kernel-dir';
import { parseOrUsage, UsageError } from '../../shared/src/program-args';
import { boundHeapGrowth } from '../../shared/src/memory';

const USAGE = `usage: kmodcheck [options] <file-or-dir>...
       kmodcheck symbols [options] <file-or-dir>...
       kmodcheck compile-commands [--kdir DIR] [--flavour clang|gcc] [--dry-run] <module-dir>

Checks Linux kernel module sources for what modpost reports after a build (section mismatches,
undefined and GPL-only symbols, namespace imports, licences, exports) and more, on the source line.

options:
  --format gcc|json|sarif   output format (default gcc: file:line:col: warning: message [code])
  --kernel-version X.Y[.Z]  apply that kernel's modpost rules (known: ${RULE_PROFILES.map((p) => p.id).join(', ')})
  --kdir DIR                kernel build directory: its version selects the rules, its
                            Module.symvers and headers what the module can link (repeat it to
                            check against several kernels; default: /lib/modules/$(uname -r)/build,
                            else the newest /usr/src/linux-headers-*; without one, the newest rules)
  --extra-warn              as modpost with W=1
  --disable CODE            do not report CODE (repeatable)
  --files-from FILE         also check the paths listed in FILE, one per line (- for stdin)
  --cache-dir DIR           keep each file's analysis and the build dir's header tables in DIR, by
                            content (default: \${XDG_CACHE_HOME:-~/.cache}/kmod-tools/facts); a re-run
                            parses only what changed
  --no-cache                neither read nor write the cache: parse every file and header
  -h, --help                this text

exit status: 0 no findings, 1 findings, 2 usage or input errors (other inputs are still checked),
             3 the output could not be written (a closed pipe, a full disk)

compile-commands prints the module's compile database (compile_commands.json) for clangd and other
tools: kbuild's own compiler arguments, from the .cmd files of the module's last build against that
kernel, else from a dry run of kbuild (make -n, writes nothing; needs make and the headers).
  --kdir DIR                kernel build directory (default: as above)
  --flavour clang|gcc       clang (default): without the gcc-only flags clang rejects; gcc: exact
  --dry-run                 always from the dry run, even when the module was built
exit status: 0 printed, 2 usage error, no headers, no make, or kbuild printed no compile command`;

interface CliArgs {
  command: 'check' | 'symbols';
  format: 'gcc' | 'json' | 'sarif';
  options: AnalysisOptions;
  /** Every --kdir given (options.kdir is the first, or the detected one). */
  kdirs: string[];
  paths: string[];
}

const FORMATS = ['gcc', 'json', 'sarif'] as const;

export function parseCliArgs(argv: readonly string[]): CliArgs | 'help' {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'gcc' },
        'kernel-version': { type: 'string' },
        kdir: { type: 'string', multiple: true, default: [] },
        'extra-warn': { type: 'boolean', default: false },
        disable: { type: 'string', multiple: true, default: [] },
        'files-from': { type: 'string', multiple: true, default: [] },
        'cache-dir': { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) return 'help';
  const format = FORMATS.find((known) => known === values.format);
  if (!format) throw new UsageError(`unknown format '${values.format}' (${FORMATS.join(', ')})`);
  const command = argv[0] === 'symbols' ? 'symbols' : 'check';
  const paths = command === 'symbols' ? positionals.slice(1) : [...positionals];
  for (const list of values['files-from']) {
    try {
      paths.push(
        ...fs
          .readFileSync(list === '-' ? 0 : list, 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      );
    } catch (error) {
      throw new UsageError(`cannot read --files-from ${list}: ${(error as Error).message}`);
    }
  }
  if (paths.length === 0) throw new UsageError('no file or directory given');
  const options: AnalysisOptions = { disabledCodes: values.disable };
  if (values['kernel-version'] !== undefined) options.kernelVersion = values['kernel-version'];
  const unusable = values.kdir.find((dir) => !isUsableKernelDir(dir));
  if (unusable) throw new UsageError(unusableKernelDirText(unusable));
  if (values.kdir.length > 0) options.kdir = values.kdir[0];
  if (values['extra-warn']) options.extraWarn = true;
  if (values['no-cache'] && values['cache-dir'] !== undefined) throw new UsageError('--no-cache and --cache-dir exclude each other');
  if (!values['no-cache'])
    options.cacheDir = values['cache-dir'] !== undefined ? path.resolve(values['cache-dir']) : defaultFactsCacheDir();
  if (!options.kdir && !options.kernelVersion) options.kdir = defaultKernelBuildDir()?.dir;
  return { command, format, options, kdirs: values.kdir, paths };
}

const displayPath = (uri: string): string => {
  const file = fileURLToPath(uri);
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
};

const GCC_SEVERITY: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

export function formatGcc(findings: readonly Finding[]): string {
  return findings
    .map(
      (f) =>
        `${displayPath(f.uri)}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${GCC_SEVERITY[f.severity]}: ${f.message} [${f.code}]\n`,
    )
    .join('');
}

export function formatJson(findings: readonly Finding[]): string {
  return (
    JSON.stringify(
      {
        version: 1,
        findings: findings.map((f) => ({
          file: displayPath(f.uri),
          line: f.range.start.line + 1,
          column: f.range.start.character + 1,
          endLine: f.range.end.line + 1,
          endColumn: f.range.end.character + 1,
          severity: f.severity,
          code: f.code,
          message: f.message,
          from: f.from,
          to: f.to,
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

const SARIF_LEVEL: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

export function formatSarif(findings: readonly Finding[]): string {
  const codes = [...new Set(findings.map((f) => f.code))].sort();
  return (
    JSON.stringify(
      {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [
          {
            tool: {
              driver: { name: 'kmodcheck', informationUri: 'https://example.invalid/kmod-tools', rules: codes.map((id) => ({ id })) },
            },
            results: findings.map((f) => ({
              ruleId: f.code,
              level: SARIF_LEVEL[f.severity],
              message: { text: f.message },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: displayPath(f.uri) },
                    region: {
                      startLine: f.range.start.line + 1,
                      startColumn: f.range.start.character + 1,
                      endLine: f.range.end.line + 1,
                      endColumn: f.range.end.character + 1,
                    },
                  },
                },
              ],
            })),
          },
        ],
      },
      null,
      2,
    ) + '\n'
  );
}

function formatSymbols(analysis: ProjectAnalysis, format: CliArgs['format']): string {
  const symbols = analysis.files.flatMap((file) =>
    file.symbols.map((s) => ({
      file: displayPath(file.uri),
      line: s.nameRange.start.line + 1,
      column: s.nameRange.start.character + 1,
      name: s.name,
      kind: s.kind,
      section: s.section,
      annotations: s.annotations,
      definition: s.isDefinition,
      static: s.isStatic,
      const: s.isConst,
    })),
  );
  if (format === 'json') return JSON.stringify({ version: 1, symbols }, null, 2) + '\n';
  return symbols
    .map((s) => `${s.file}:${s.line}:${s.column}: ${s.kind} ${s.name} ${s.section}${s.definition ? '' : ' (declaration)'}\n`)
    .join('');
}

interface CompileCommandsArgs {
  kdir: string;
  flavour: Flavour;
  dryRun: boolean;
  moduleDir: string;
}

export function parseCompileCommandsArgs(argv: readonly string[]): CompileCommandsArgs | 'help' {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        kdir: { type: 'string' },
        flavour: { type: 'string', default: 'clang' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (values.help) return 'help';
  const flavour = FLAVOURS.find((known) => known === values.flavour);
  if (!flavour) throw new UsageError(`unknown flavour '${values.flavour}' (${FLAVOURS.join(', ')})`);
  if (positionals.length !== 1) throw new UsageError(`compile-commands takes one module directory, not ${positionals.length}`);
  const moduleDir = path.resolve(positionals[0]);
  if (!fs.statSync(moduleDir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${positionals[0]} is not a directory`);
  return { kdir: values.kdir ? path.resolve(values.kdir) : detectedKernelDir(), flavour, dryRun: values['dry-run'], moduleDir };
}

/** The build dir detected on this machine, or a UsageError that says which headers package to install. */
function detectedKernelDir(): string {
  const detection = detectOnThisMachine();
  const found = bestGuess(detection);
  if (found) return found.dir;
  const install = detection.kind === 'none' ? `: install ${detection.packages.join(' or ')}` : '';
  throw new UsageError(`no kernel build directory found${install}, or name one with --kdir`);
}

async function compileCommandsMain(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  try {
    const args = parseCompileCommandsArgs(argv);
    if (args === 'help') {
      out.write(USAGE + '\n');
      return 0;
    }
    const { commands } = await moduleCompileCommands(args.kdir, args.moduleDir, { dryRun: args.dryRun });
    out.write(formatDatabase(withFlavour(commands, args.flavour)));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) err.write(`kmodcheck: ${error.message}\n${USAGE}\n`);
    else if (error instanceof CompileDbError) err.write(`kmodcheck: ${error.message}\n`);
    else throw error;
    return 2;
  }
}

export async function main(argv: readonly string[], out = process.stdout, err = process.stderr): Promise<number> {
  if (argv[0] === 'compile-commands') return compileCommandsMain(argv.slice(1), out, err);
  let args: CliArgs | 'help';
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.write(`kmodcheck: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (args === 'help') {
    out.write(USAGE + '\n');
    return 0;
  }
  let analysis: ProjectAnalysis;
  try {
    const options = { ...args.options, keepFacts: args.command === 'symbols' };
    analysis =
      args.kdirs.length > 1 ? await analyzePathsForKernels(args.paths, options, args.kdirs) : await analyzePaths(args.paths, options);
  } catch (error) {
    err.write(`kmodcheck: ${(error as Error).message}\n`);
    return 2;
  }
  for (const message of analysis.errors) err.write(`kmodcheck: ${message}\n`);
  if (args.command === 'symbols') {
    out.write(formatSymbols(analysis, args.format));
    return analysis.errors.length > 0 ? 2 : 0;
  }
  const format = { gcc: formatGcc, json: formatJson, sarif: formatSarif }[args.format];
  out.write(format(analysis.findings));
  if (analysis.errors.length > 0) return 2;
  return analysis.findings.length > 0 ? 1 : 0;
}

/** Exit status when the output cannot be written (a closed pipe, a full disk): not 1, which means findings. */
const OUTPUT_FAILED = 3;

/** The program as a process: exit status, output failures and internal errors (bin/kmodcheck calls it). */
export function run(argv: readonly string[]): void {
  boundHeapGrowth();
  // `kmodcheck … | head -1`: the reader is gone, so is the point of going on.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') process.stderr.write(`kmodcheck: cannot write the output: ${error.message}\n`);
    process.exit(OUTPUT_FAILED);
  });
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`kmodcheck: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 2;
    },
  );
}

if (require.main === module) run(process.argv.slice(2));
