// kmsg-follow: follows the kernel log (dmesg --follow), optionally filtered to one module, with
// fallbacks: privileged dmesg when kernel.dmesg_restrict forbids reading it, then
// `journalctl -k -f`. Every failure ends in an explanation and a non-zero exit, never a hang.
//
// Usage: kmsg-follow [--privilege-helper sudo|pkexec|none] [--root] [--module NAME] [--match TEXT]…
//                    [--from now|boot]
// --from: new messages only (the default for the whole log), or the ring buffer since boot first
// (the default with --module: a module's earlier lines are few and usually wanted).

import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { Explainer, KMOD_PREFIX, missingProgramText, spawnFailureStatus } from '../../shared/src/explanations';
import { LineSplitter, signalExitCode } from '../../shared/src/process';
import { privileged, type PrivilegeHelper } from '../../shared/src/command-lines';
import { KernelLogFilter } from '../../shared/src/log-filter';
import { parseOrUsage } from '../../shared/src/program-args';

export interface FollowOptions {
  privilegeHelper: PrivilegeHelper;
  isRoot: boolean;
  module?: string;
  matches: string[];
  from: LogStart;
}

export type LogStart = 'now' | 'boot';

const HELPERS: readonly PrivilegeHelper[] = ['sudo', 'pkexec', 'none'];

export function parseFollowArgs(argv: readonly string[]): FollowOptions | string {
  let values;
  try {
    ({ values } = parseOrUsage(() =>
      parseArgs({
        args: [...argv],
        strict: true,
        options: {
          'privilege-helper': { type: 'string', default: 'sudo' },
          root: { type: 'boolean', default: false },
          module: { type: 'string' },
          match: { type: 'string', multiple: true, default: [] },
          from: { type: 'string' },
        },
      }),
    ));
  } catch (error) {
    return (error as Error).message;
  }
  const privilegeHelper = HELPERS.find((helper) => helper === values['privilege-helper']);
  if (!privilegeHelper) return `--privilege-helper must be one of ${HELPERS.join(', ')}`;
  const from = values.from ?? (values.module !== undefined ? 'boot' : 'now');
  if (from !== 'now' && from !== 'boot') return '--from must be now or boot';
  const options: FollowOptions = { privilegeHelper, isRoot: values.root, matches: values.match, from };
  if (values.module !== undefined) options.module = values.module;
  return options;
}

export const DMESG_FOLLOW = ['dmesg', '--follow', '--ctime'];
/** util-linux 2.37 and newer: only what the kernel logs from now on. */
export const DMESG_FOLLOW_NEW = ['dmesg', '--follow-new', '--ctime'];
export const JOURNAL_FOLLOW = ['journalctl', '-k', '-f', '--no-pager', '-n', 'all'];
export const JOURNAL_FOLLOW_NEW = ['journalctl', '-k', '-f', '--no-pager', '-n', '0'];

interface AttemptResult {
  exitCode: number;
  /** The program could not be started (ENOENT). */
  missing: boolean;
  /** dmesg said kernel.dmesg_restrict forbids reading the log. */
  restricted: boolean;
  /** journalctl found no journal (it would otherwise wait forever). */
  noJournal: boolean;
  /** This dmesg is too old for an option (--follow-new). */
  unknownOption: boolean;
  stopped: boolean;
}

/** Lines that mean "this source will never deliver anything": the attempt is ended at once. */
const DEAD_END = /^No journal files were (?:found|opened)/;
const RESTRICTED = /^dmesg: read kernel buffer failed: Operation not permitted$/;
const UNKNOWN_OPTION = /^dmesg: (?:unrecognized|unknown) option/;

export class KernelLogFollower {
  private child: ReturnType<typeof spawn> | undefined;
  private stopping = false;
  private readonly explainer: Explainer;
  private readonly filter?: KernelLogFilter;

  constructor(
    private readonly options: FollowOptions,
    private readonly out: NodeJS.WritableStream,
    private readonly err: NodeJS.WritableStream,
  ) {
    this.explainer = new Explainer('log', {
      privilegeHelper: options.privilegeHelper,
      module: options.module,
      runningRelease: os.release(),
    });
    if (options.module) this.filter = new KernelLogFilter({ module: options.module, matches: options.matches });
  }

  private say(text: string): void {
    this.err.write(`${KMOD_PREFIX}${text}\n`);
  }

  /** Ends the current source (signal from the terminal or VS Code). */
  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.stopping = true;
    this.child?.kill(signal);
  }

  private attempt(argv: string[]): Promise<AttemptResult> {
    const result: AttemptResult = {
      exitCode: 0,
      missing: false,
      restricted: false,
      noJournal: false,
      unknownOption: false,
      stopped: false,
    };
    return new Promise((resolve) => {
      // stdin stays the terminal's so sudo can ask for a password.
      const child = spawn(argv[0], argv.slice(1), { stdio: ['inherit', 'pipe', 'pipe'] });
      this.child = child;
      const onLine = (line: string, isError: boolean) => {
        if (RESTRICTED.test(line)) result.restricted = true;
        if (UNKNOWN_OPTION.test(line)) result.unknownOption = true;
        if (DEAD_END.test(line)) {
          result.noJournal = true;
          child.kill('SIGTERM');
        }
        const lines = isError || !this.filter ? [line] : this.filter.accept(line);
        for (const l of lines) (isError ? this.err : this.out).write(`${l}\n`);
        const explanation = this.explainer.explain(line);
        if (explanation) this.say(explanation.text);
      };
      const stdout = new LineSplitter((line) => onLine(line, false));
      const stderr = new LineSplitter((line) => onLine(line, true));
      child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        result.missing = true;
        this.say(missingProgramText(argv[0], error.code));
        result.exitCode = spawnFailureStatus(error.code);
        resolve(result);
      });
      child.on('close', (code, signal) => {
        stdout.end();
        stderr.end();
        result.exitCode = code ?? signalExitCode(signal);
        result.stopped = this.stopping;
        resolve(result);
      });
    });
  }

  /** Follows until stopped or every source failed; resolves to the exit code. */
  async run(): Promise<number> {
    if (this.options.module)
      this.say(
        `kernel log lines for module ${this.options.module}${this.options.matches.length ? ` (and lines containing ${this.options.matches.map((m) => JSON.stringify(m)).join(', ')})` : ''}`,
      );
    let dmesg = this.options.from === 'now' ? DMESG_FOLLOW_NEW : DMESG_FOLLOW;
    let plain = await this.attempt(dmesg);
    if (plain.unknownOption && dmesg === DMESG_FOLLOW_NEW) {
      this.say('this dmesg cannot start at the newest message (util-linux older than 2.37): showing the whole log');
      dmesg = DMESG_FOLLOW;
      plain = await this.attempt(dmesg);
    }
    if (plain.stopped || (plain.exitCode === 0 && !plain.missing)) return plain.stopped ? 130 : 0;
    const canElevate = !this.options.isRoot && this.options.privilegeHelper !== 'none';
    if (plain.restricted && canElevate) {
      this.say(`retrying with ${this.options.privilegeHelper}`);
      const elevated = await this.attempt(privileged(dmesg, this.options.privilegeHelper, false));
      if (elevated.stopped || elevated.exitCode === 0) return elevated.stopped ? 130 : 0;
    }
    const journalArgv = this.options.from === 'now' ? JOURNAL_FOLLOW_NEW : JOURNAL_FOLLOW;
    this.say(`dmesg did not work; trying ${journalArgv.join(' ')}`);
    const journal = await this.attempt(journalArgv);
    if (journal.stopped) return 130;
    if (journal.exitCode === 0 && !journal.noJournal) return 0;
    this.say('no kernel log source worked (see the messages above)');
    return 1;
  }
}

async function main(): Promise<void> {
  const options = parseFollowArgs(process.argv.slice(2));
  if (typeof options === 'string') {
    process.stderr.write(`kmsg-follow: ${options}\n`);
    process.exit(2);
  }
  const follower = new KernelLogFollower(options, process.stdout, process.stderr);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => follower.stop(signal === 'SIGHUP' ? 'SIGTERM' : signal));
  process.exit(await follower.run());
}

if (require.main === module) {
  void main();
}
