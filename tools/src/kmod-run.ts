// kmod-run: runs one command (insmod, rmmod, make clean) with its output passed through unchanged
// and an explanation line after known error messages. After a failed rmmod it also reports the
// module's state from /proc/modules ("Unloading" after an exit function crashed: only a reboot
// clears it). Exits with the command's exit status.
//
// Usage: kmod-run --topic build|load|unload [--module NAME] [--build-release R]
//                 [--privilege-helper H] [--outcome FILE] -- <command> [args…]
// --outcome writes the exit status and the kmod: lines as JSON (shared/src/module-load.ts), for the
// extension's notification.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { Explainer, KMOD_PREFIX, missingProgramText, spawnFailureStatus, type ExplanationTopic } from '../../shared/src/explanations';
import type { CommandOutcome } from '../../shared/src/module-load';
import { runTee } from '../../shared/src/process';
import { parseWithCommand } from '../../shared/src/program-args';

export interface KmodRunOptions {
  topic: ExplanationTopic;
  module?: string;
  buildRelease?: string;
  privilegeHelper?: string;
  outcomeFile?: string;
  command: string[];
}

const TOPICS: readonly ExplanationTopic[] = ['build', 'load', 'unload'];
export function parseKmodRunArgs(argv: readonly string[]): KmodRunOptions | string {
  const args = parseWithCommand(argv, (options) =>
    parseArgs({
      args: options,
      strict: true,
      options: {
        topic: { type: 'string' },
        module: { type: 'string' },
        'build-release': { type: 'string' },
        'privilege-helper': { type: 'string' },
        outcome: { type: 'string' },
      },
    }),
  );
  if ('problem' in args) return args.problem;
  const {
    parsed: { values },
    command,
  } = args;
  const topic = TOPICS.find((known) => known === values.topic);
  if (!topic) return `--topic must be one of ${TOPICS.join(', ')}`;
  if (command.length === 0) return 'no command after --';
  const result: KmodRunOptions = { topic, command };
  if (values.module !== undefined) result.module = values.module;
  if (values['build-release'] !== undefined) result.buildRelease = values['build-release'];
  if (values['privilege-helper'] !== undefined) result.privilegeHelper = values['privilege-helper'];
  if (values.outcome !== undefined) result.outcomeFile = values.outcome;
  return result;
}

/** What /proc/modules says about a module after rmmod failed; undefined when there is nothing to add. */
export function moduleStateNote(procModules: string | undefined, module: string): string | undefined {
  if (procModules === undefined) {
    return 'this kernel has no /proc/modules: it was built without loadable-module support, so modules can only be tested in a VM';
  }
  const line = procModules.split('\n').find((l) => l.split(' ')[0] === module);
  if (!line) return undefined;
  const [, , refcount, , state] = line.split(/\s+/);
  if (state === 'Unloading') {
    return `/proc/modules: ${module} is stuck in state "Unloading" (refcount ${refcount}), which is what an exit function that crashed leaves behind; only a reboot clears it`;
  }
  return `/proc/modules: ${module} is ${state} with refcount ${refcount}`;
}

function readProcModules(): string | undefined {
  try {
    return fs.readFileSync('/proc/modules', 'utf8');
  } catch {
    return undefined;
  }
}

/** Explanations that only restate what the missing /proc/modules says better. */
const MODULE_STATE_EXPLANATIONS: ReadonlySet<string> = new Set(['insmod-no-modules', 'rmmod-not-loaded']);

/** A word of the command as a shell would need it to be typed (display only: nothing runs it). */
function displayWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function writeOutcome(file: string, outcome: CommandOutcome): void {
  try {
    fs.writeFileSync(file, JSON.stringify(outcome));
  } catch {
    /* the extension then has only the exit status */
  }
}

export async function runExplained(options: KmodRunOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const explainer = new Explainer(options.topic, {
    runningRelease: os.release(),
    buildRelease: options.buildRelease,
    module: options.module,
    privilegeHelper: options.privilegeHelper,
  });
  const said: string[] = [];
  const say = (text: string) => {
    said.push(text);
    err.write(`${KMOD_PREFIX}${text}\n`);
  };
  const loadsModules = options.module !== undefined && (options.topic === 'unload' || options.topic === 'load');
  // A kernel without /proc/modules cannot load modules at all: that one note says it, instead of
  // "not loaded (lsmod does not list it)" or a second wording of the same.
  const withoutModules = loadsModules && readProcModules() === undefined;
  // The command itself, once, as a person would type it (the wrapper around it is ours, not theirs).
  out.write(`$ ${options.command.map(displayWord).join(' ')}\n`);
  const exitCode = await runTee(options.command, out, err, {
    stdin: 'inherit', // sudo must be able to ask for a password on the terminal
    group: false,
    onLine: (line) => {
      const explanation = explainer.explain(line);
      if (explanation && !(withoutModules && MODULE_STATE_EXPLANATIONS.has(explanation.id))) say(explanation.text);
    },
    onSpawnError: (error, program) => {
      say(missingProgramText(program, error.code));
      return spawnFailureStatus(error.code);
    },
  });
  if (exitCode !== 0 && loadsModules && options.module) {
    const note = moduleStateNote(readProcModules(), options.module);
    if (note) say(note);
  }
  if (exitCode === 0 && options.topic === 'load' && options.module) {
    say(`${options.module} is loaded; "Kernel Module: Follow Module Log" shows its messages`);
  }
  if (options.outcomeFile) writeOutcome(options.outcomeFile, { exitCode, messages: said });
  return exitCode;
}

async function main(): Promise<void> {
  const options = parseKmodRunArgs(process.argv.slice(2));
  if (typeof options === 'string') {
    process.stderr.write(`kmod-run: ${options}\n`);
    process.exit(2);
  }
  process.exit(await runExplained(options, process.stdout, process.stderr));
}

if (require.main === module) {
  void main();
}
