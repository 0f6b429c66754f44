// kbuild-run: runs a module build (make …) and passes its output through unchanged. For each
// modpost diagnostic it adds a line in gcc form at the source position the analyzer finds, for each
// relative-path gcc diagnostic an absolute-path copy, and for known failures an explanation line
// ("kmod: …"). Exits with make's exit status; SIGINT/SIGTERM/SIGHUP go to make's process group.
//
// Usage: kbuild-run --module-dir <dir> [--kernel-version X] [--kdir <dir>] [--build-release R]
//                   [--privilege-helper H] -- make -C <kdir> M=<dir> modules

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeModuleDir } from '../../server/src/engine/project';
import { absoluteGccLine, formatModpostLine, parseGccLine } from '../../shared/src/diagnostic-lines';
import { Explainer, KMOD_PREFIX, missingProgramText, spawnFailureStatus } from '../../shared/src/explanations';
import { declaredModules } from './build-output/declared-modules';
import { mapModpostDiagnostic, type MapContext, type ModuleAnalysis } from './build-output/mapper';
import { parseModpostLine, type ModpostDiagnostic } from './build-output/modpost-formats';
import { parseWithCommand } from '../../shared/src/program-args';
import { runTee } from '../../shared/src/process';

export interface KbuildRunOptions {
  moduleDir: string;
  kernelVersion?: string;
  kdir?: string;
  buildRelease?: string;
  privilegeHelper?: string;
  command: string[];
}

const USAGE = 'usage: kbuild-run --module-dir <dir> [--kernel-version X] [--kdir <dir>] [--build-release R] -- <command> [args…]';

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

function mappedLine(diag: ModpostDiagnostic, context: MapContext): string {
  const position = mapModpostDiagnostic(diag, context);
  const note = position.note ? ` (${position.note})` : '';
  return formatModpostLine({ ...position, severity: diag.level, message: `${diag.message}${note}` });
}

export async function runKbuild(options: KbuildRunOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const explainer = new Explainer('build', {
    runningRelease: os.release(),
    buildRelease: options.buildRelease,
    privilegeHelper: options.privilegeHelper,
  });
  const say = (stream: NodeJS.WritableStream, text: string) => stream.write(`${KMOD_PREFIX}${text}\n`);

  if (!fs.existsSync(options.moduleDir)) {
    say(err, `the module directory ${options.moduleDir} does not exist`);
    return 2;
  }
  const modules = declaredModules(options.moduleDir);
  if (modules.length === 0) {
    say(err, `no Kbuild/Makefile in ${options.moduleDir} declares a module (obj-m += <name>.o): kbuild will build nothing`);
  }
  // The analyzer starts with make: it is usually done before modpost prints anything.
  const analysisPromise = analyze(options);
  let analysisReported = false;
  const contextPromise = analysisPromise.then(({ analysis, error }): MapContext => {
    if (error && !analysisReported) {
      analysisReported = true;
      say(err, `the analyzer failed (${error}); modpost lines point at the Makefile`);
    }
    return { moduleDir: options.moduleDir, analysis, kbuildModules: modules };
  });

  // Everything added to the output goes through one chain, so it keeps the order of its triggers.
  let chain: Promise<unknown> = Promise.resolve();
  const handleLine = (line: string, stream: NodeJS.WritableStream) => {
    const modpost = parseModpostLine(line);
    if (modpost) chain = chain.then(async () => stream.write(`${mappedLine(modpost, await contextPromise)}\n`));
    const gcc = modpost ? undefined : parseGccLine(line);
    const absolute = gcc ? absoluteGccLine(gcc, options.moduleDir) : undefined;
    if (absolute && fs.existsSync(path.resolve(options.moduleDir, gcc!.file))) chain = chain.then(() => stream.write(`${absolute}\n`));
    const explanation = explainer.explain(line);
    if (explanation) chain = chain.then(() => say(stream, explanation.text));
  };

  const exitCode = await runTee(options.command, out, err, {
    stdin: 'ignore',
    group: true,
    onLine: handleLine,
    onSpawnError: (error, program) => {
      say(err, missingProgramText(program, error.code));
      return spawnFailureStatus(error.code);
    },
  });
  await chain;
  return exitCode;
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
