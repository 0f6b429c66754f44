// kbuild-run: runs a module build (make …) and passes its output through unchanged. For each
// modpost diagnostic it adds a line in gcc form at the source position the analyzer finds, for each
// relative-path gcc diagnostic an absolute-path copy, and for known failures an explanation line
// ("kmod: …"). Exits with make's exit status; SIGINT/SIGTERM/SIGHUP go to make's process group.
//
// Usage: kbuild-run --module-dir <dir> [--kernel-version X] [--kdir <dir>] [--build-release R]
//                   [--privilege-helper H] -- make -C <kdir> M=<dir> modules
//        kbuild-run --module-dir <dir> --each-kdir <kdir1> --each-kdir <kdir2> … -- make
// The second form builds against every kernel given, each in its own copy of the sources, and
// prints each diagnostic once with the kernels it occurs on.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeModuleDir } from '../../server/src/engine/project';
import { absoluteGccLine, formatModpostLine, MODPOST_TAG, parseGccLine } from '../../shared/src/diagnostic-lines';
import { Explainer, KMOD_PREFIX, missingProgramText, spawnFailureStatus } from '../../shared/src/explanations';
import { declaredModules } from './build-output/declared-modules';
import { mapModpostDiagnostic, type MapContext, type ModuleAnalysis } from './build-output/mapper';
import { parseModpostLine, type ModpostDiagnostic } from './build-output/modpost-formats';
import { parseWithCommand } from '../../shared/src/program-args';
import { LineSplitter, runTee } from '../../shared/src/process';
import { makePathProblem } from '../../shared/src/command-lines';
import { isUsableKernelDir, kernelVersionOf, readRelease, unusableKernelDirText } from '../../shared/src/kernel-dir';
import { buildCopiesRoot, mirrorSources, releaseDirName } from './build-output/build-copy';
import { Writable } from 'node:stream';
import { writeBuildReport, type BuildProblem } from '../../shared/src/build-report';

export interface KbuildRunOptions {
  moduleDir: string;
  kernelVersion?: string;
  kdir?: string;
  buildRelease?: string;
  privilegeHelper?: string;
  /** Build against each of these kernels in turn, each in its own copy; `command` is then make alone. */
  eachKdir: string[];
  /** Write the modpost problems here as JSON (shared/src/build-report.ts) when the build ends. */
  report?: string;
  command: string[];
}

const USAGE = `usage: kbuild-run --module-dir <dir> [--kernel-version X] [--kdir <dir>] [--build-release R] -- <command> [args…]
       kbuild-run --module-dir <dir> --each-kdir <kdir> [--each-kdir <kdir>…] -- make [make options…]`;

export function parseKbuildRunArgs(argv: readonly string[]): KbuildRunOptions | string {
  const args = parseWithCommand(argv, (options) =>
    parseArgs({
      args: options,
      strict: true,
      options: {
        'module-dir': { type: 'string' },
        'kernel-version': { type: 'string' },
        kdir: { type: 'string' },
        'build-release': { type: 'string' },
        'privilege-helper': { type: 'string' },
        'each-kdir': { type: 'string', multiple: true, default: [] },
        report: { type: 'string' },
      },
    }),
  );
  if ('problem' in args) return `${args.problem}\n${USAGE}`;
  const {
    parsed: { values },
    command,
  } = args;
  if (!values['module-dir']) return `--module-dir is required\n${USAGE}`;
  if (command.length === 0) return `no command after --\n${USAGE}`;
  return {
    moduleDir: path.resolve(values['module-dir']),
    kernelVersion: values['kernel-version'],
    kdir: values.kdir,
    buildRelease: values['build-release'],
    privilegeHelper: values['privilege-helper'],
    eachKdir: values['each-kdir'] ?? [],
    report: values.report,
    command,
  };
}

/** Analysis failures are reported once and mapping falls back to the Makefile. */
async function analyze(options: KbuildRunOptions): Promise<{ analysis?: ModuleAnalysis; error?: string }> {
  try {
    const result = await analyzeModuleDir(options.moduleDir, { kernelVersion: options.kernelVersion, kdir: options.kdir });
    return { analysis: result };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** A modpost diagnostic on its source line: as a problem for the report, and as a gcc-form line. */
function mapped(diag: ModpostDiagnostic, context: MapContext): { problem: BuildProblem; line: string } {
  const position = mapModpostDiagnostic(diag, context);
  const message = `${diag.message}${position.note ? ` (${position.note})` : ''}`;
  const { file, line, character, endCharacter } = position;
  return {
    problem: { file, line, character, endCharacter, severity: diag.level, message, code: diag.kind },
    line: formatModpostLine({ ...position, severity: diag.level, message }),
  };
}

/** How one build's output is handled: as is (one kernel), or prefixed and merged (each kernel). */
interface BuildOutput {
  /** Turns an output line into what the wrapper reads (a copy's paths back into the module dir). */
  rewrite: (line: string) => string;
  /** Where a diagnostic line in gcc form that the wrapper adds goes (with the problem, for modpost's). */
  addLine: (line: string, stream: NodeJS.WritableStream, problem?: BuildProblem) => void;
  /** Wraps the streams make's own output is copied to. */
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const say = (stream: NodeJS.WritableStream, text: string) => stream.write(`${KMOD_PREFIX}${text}\n`);

/** Runs one build, adding source-positioned lines for its modpost and relative gcc diagnostics. */
async function build(options: KbuildRunOptions, command: readonly string[], output: BuildOutput): Promise<number> {
  const explainer = new Explainer('build', {
    runningRelease: os.release(),
    buildRelease: options.buildRelease,
    privilegeHelper: options.privilegeHelper,
  });
  const modules = declaredModules(options.moduleDir);
  // The analyzer starts with make: it is usually done before modpost prints anything.
  const analysisPromise = analyze(options);
  let analysisReported = false;
  const contextPromise = analysisPromise.then(({ analysis, error }): MapContext => {
    if (error && !analysisReported) {
      analysisReported = true;
      say(output.err, `the analyzer failed (${error}); modpost lines point at the Makefile`);
    }
    return { moduleDir: options.moduleDir, analysis, kbuildModules: modules };
  });

  // Everything added to the output goes through one chain, so it keeps the order of its triggers.
  let chain: Promise<unknown> = Promise.resolve();
  const handleLine = (raw: string, stream: NodeJS.WritableStream) => {
    const line = output.rewrite(raw);
    const modpost = parseModpostLine(line);
    if (modpost)
      chain = chain.then(async () => {
        const { problem, line: text } = mapped(modpost, await contextPromise);
        output.addLine(text, stream, problem);
      });
    const gcc = modpost ? undefined : parseGccLine(line);
    const absolute = gcc && (absoluteGccLine(gcc, options.moduleDir) ?? (output.rewrite === unchanged ? undefined : line));
    if (absolute && fs.existsSync(path.resolve(options.moduleDir, gcc!.file))) chain = chain.then(() => output.addLine(absolute, stream));
    const explanation = explainer.explain(line);
    if (explanation) chain = chain.then(() => say(stream, explanation.text));
  };

  const exitCode = await runTee(command, output.out, output.err, {
    stdin: 'ignore',
    group: true,
    onLine: (line, stream) => handleLine(line, stream === output.out ? output.out : output.err),
    onSpawnError: (error, program) => {
      say(output.err, missingProgramText(program, error.code));
      return spawnFailureStatus(error.code);
    },
  });
  await chain;
  return exitCode;
}

const unchanged = (line: string): string => line;

export async function runKbuild(options: KbuildRunOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (!fs.existsSync(options.moduleDir)) {
    say(err, `the module directory ${options.moduleDir} does not exist`);
    return 2;
  }
  // make expands $(…) in command-line variables: a directory name must not become a command.
  for (const arg of options.command) {
    const variable = /^(M|KDIR)=(.*)$/s.exec(arg);
    const problem = variable && /\$/.test(variable[2]) ? makePathProblem(variable[1], variable[2]) : undefined;
    if (problem) {
      say(err, problem);
      return 2;
    }
  }
  if (declaredModules(options.moduleDir).length === 0) {
    say(err, `no Kbuild/Makefile in ${options.moduleDir} declares a module (obj-m += <name>.o): kbuild will build nothing`);
  }
  if (options.eachKdir.length > 0) return buildForEachKernel(options, out, err);
  const problems: BuildProblem[] = [];
  const exitCode = await build(options, options.command, {
    rewrite: unchanged,
    addLine: (line, stream, problem) => {
      stream.write(`${line}\n`);
      if (problem) problems.push(problem);
    },
    out,
    err,
  });
  report(options, problems, err);
  return exitCode;
}

/** Hands the build's modpost problems to the extension (--report), which owns them from then on. */
function report(options: KbuildRunOptions, problems: BuildProblem[], err: NodeJS.WritableStream): void {
  if (!options.report) return;
  try {
    writeBuildReport(options.report, { moduleDir: options.moduleDir, problems });
  } catch (error) {
    say(err, `cannot write the problem report ${options.report}: ${(error as Error).message}`);
  }
}

/** A stream that writes each line of what it is given to `target` with `prefix` in front. */
function prefixedLines(target: NodeJS.WritableStream, prefix: string): NodeJS.WritableStream & { flush(): void } {
  const splitter = new LineSplitter((line) => target.write(`${prefix}${line}\n`));
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      splitter.push(chunk);
      done();
    },
  });
  return Object.assign(stream, { flush: () => splitter.end() });
}

/**
 * Builds the module against each kernel in turn, each in its own copy of the sources (see
 * build-copy.ts). make's output is shown with the kernel's release in front of every line, where
 * no problem matcher takes it; at the end each diagnostic is printed once, in gcc form on the
 * module's own source, with the kernels it occurs on.
 */
async function buildForEachKernel(options: KbuildRunOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const root = buildCopiesRoot(options.moduleDir);
  /** Each problem: its line as the first kernel printed it (without the tag), its tag and the kernels it occurs on. */
  const merged = new Map<string, { text: string; tag: string; kernels: string[]; problem?: BuildProblem }>();
  const results: { kernel: string; exitCode: number; dir: string }[] = [];
  for (const kdir of options.eachKdir) {
    const release = readRelease(kdir) ?? path.basename(kdir);
    const label = kernelVersionOf(kdir) ?? release;
    const copy = path.join(root, releaseDirName(release));
    if (/[\s$#:]/.test(copy)) {
      say(err, `cannot build in ${copy}: make cannot take a path with spaces, $, # or : in M= (set XDG_CACHE_HOME to a plain path)`);
      results.push({ kernel: label, exitCode: 2, dir: copy });
      continue;
    }
    if (!isUsableKernelDir(kdir)) {
      say(err, `${unusableKernelDirText(kdir)}: skipped`);
      results.push({ kernel: label, exitCode: 2, dir: copy });
      continue;
    }
    try {
      mirrorSources(options.moduleDir, copy);
    } catch (error) {
      say(err, `cannot copy the sources to ${copy}: ${(error as Error).message}`);
      results.push({ kernel: label, exitCode: 2, dir: copy });
      continue;
    }
    const command = [...options.command, '-C', kdir, `M=${copy}`, 'modules'];
    say(out, `building for ${release} (${label}) in ${copy}: ${command.join(' ')}`);
    const prefix = `[${release}] `;
    const streams = { out: prefixedLines(out, prefix), err: prefixedLines(err, prefix) };
    const exitCode = await build({ ...options, kdir, kernelVersion: options.kernelVersion, buildRelease: release }, command, {
      rewrite: (line) => line.split(copy).join(options.moduleDir),
      addLine: (line, _stream, problem) => {
        const tag = / (\[[^\]]+\])$/.exec(line)?.[1] ?? '';
        const text = tag ? line.slice(0, -tag.length - 1) : line;
        // modpost words one problem differently on each version: the position identifies it.
        const key = tag === MODPOST_TAG ? `${/^.*?:\d+:\d+: \w+:/.exec(text)?.[0] ?? text} ${tag}` : text;
        const entry = merged.get(key) ?? { text, tag, kernels: [], problem };
        if (!entry.kernels.includes(label)) entry.kernels.push(label);
        merged.set(key, entry);
      },
      ...streams,
    });
    streams.out.flush();
    streams.err.flush();
    results.push({ kernel: label, exitCode, dir: copy });
  }
  const everyKernel = results.length;
  const problems: BuildProblem[] = [];
  for (const { text, tag, kernels, problem } of merged.values()) {
    const where = `(${kernels.length === everyKernel && everyKernel > 1 ? 'on every kernel built' : 'only on'} ${kernels.join(', ')})`;
    out.write(`${text} ${where}${tag ? ` ${tag}` : ''}\n`);
    if (problem) problems.push({ ...problem, message: `${problem.message} ${where}` });
  }
  report(options, problems, err);
  for (const result of results) {
    say(out, `${result.kernel}: ${result.exitCode === 0 ? `built in ${result.dir}` : `failed (exit status ${result.exitCode})`}`);
  }
  return results.every((result) => result.exitCode === 0) ? 0 : 1;
}

async function main(): Promise<void> {
  const options = parseKbuildRunArgs(process.argv.slice(2));
  if (typeof options === 'string') {
    process.stderr.write(`${options}\n`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await runKbuild(options, process.stdout, process.stderr);
}

if (require.main === module) {
  void main();
}
