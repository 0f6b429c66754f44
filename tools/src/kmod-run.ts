// kmod-run: runs one command (insmod, rmmod, make clean) with its output passed through unchanged
// and an explanation line after known error messages. After a failed rmmod it also reports the
// module's state from /proc/modules ("Unloading" after an exit function crashed: only a reboot
// clears it). Exits with the command's exit status.
//
// Usage: kmod-run --topic build|load|unload [--module NAME] [--build-release R]
//                 [--privilege-helper H] -- <command> [args…]

import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { Explainer, KMOD_PREFIX, missingProgramText, spawnFailureStatus, type ExplanationTopic } from '../../shared/src/explanations';
import { runTee } from '../../shared/src/process';
import { parseWithCommand } from '../../shared/src/program-args';

export interface KmodRunOptions {
  topic: ExplanationTopic;
  module?: string;
  buildRelease?: string;
  privilegeHelper?: string;
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

export async function runExplained(options: KmodRunOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const explainer = new Explainer(options.topic, {
    runningRelease: os.release(),
    buildRelease: options.buildRelease,
    module: options.module,
    privilegeHelper: options.privilegeHelper,
  });
  const say = (text: string) => err.write(`${KMOD_PREFIX}${text}\n`);
  const exitCode = await runTee(options.command, out, err, {
    stdin: 'inherit', // sudo must be able to ask for a password on the terminal
    group: false,
    onLine: (line) => {
      const explanation = explainer.explain(line);
      if (explanation) say(explanation.text);
    },
    onSpawnError: (error, program) => {
      say(missingProgramText(program, error.code));
      return spawnFailureStatus(error.code);
    },
  });
  if (exitCode !== 0 && options.module && (options.topic === 'unload' || options.topic === 'load')) {
    const note = moduleStateNote(readProcModules(), options.module);
    if (note) say(note);
  }
  if (exitCode === 0 && options.topic === 'load' && options.module) {
    say(`${options.module} is loaded; "Kernel Module: Follow Module Log" shows its messages`);
  }
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
