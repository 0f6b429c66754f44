// Test in VM as a test run: the kbuild "vm" task runs kmod-vmtest in a pseudoterminal (so its problem
// matchers still read the output) that turns the tool's event lines into a progress notification,
// folds the boot log, and ends with the verdict as a notification ("Show oops", "Open log").

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CommandLine } from '../../shared/src/command-lines';
import { LineSplitter } from '../../shared/src/process';
import { optionArg } from '../../shared/src/program-args';
import { tryReadTextFileSync } from '../../shared/src/safe-read';
import type { VmEvent } from '../../shared/src/vm-events';
import { stagePercent, verdictOf, VmOutputFolder, type VmVerdict } from './vm-test-view';

const SHOW_OOPS = 'Show oops';
const OPEN_LOG = 'Open log';
const MAX_RESULT_BYTES = 64 * 1024 * 1024;

/** Terminal colours for the tool's own lines, so they stand apart from the guest's console. */
const DIM = (s: string) => `\x1b[2m${s}\x1b[0m`;
const BOLD = (s: string) => `\x1b[1m${s}\x1b[0m`;

async function openLog(verdict: VmVerdict, atOops: boolean): Promise<void> {
  const document = await vscode.workspace.openTextDocument({ language: 'kernel-log', content: verdict.log.join('\n') });
  const line = atOops ? (verdict.oopsLine ?? 0) : 0;
  const selection = new vscode.Range(line, 0, line, 0);
  await vscode.window.showTextDocument(document, { preview: false, selection, viewColumn: vscode.ViewColumn.Beside });
}

/** The verdict as a notification; its buttons act later (nothing waits for them). */
function showVerdict(verdict: VmVerdict): void {
  const buttons = [...(verdict.oopsLine !== undefined ? [SHOW_OOPS] : []), ...(verdict.log.length ? [OPEN_LOG] : [])];
  const show = verdict.kind === 'clean' ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
  void show(verdict.message, ...buttons).then((choice) => {
    if (choice === SHOW_OOPS || choice === OPEN_LOG) void openLog(verdict, choice === SHOW_OOPS);
  });
}

class VmTestTerminal implements vscode.Pseudoterminal {
  private readonly writer = new vscode.EventEmitter<string>();
  private readonly closer = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writer.event;
  readonly onDidClose = this.closer.event;
  private child: ChildProcess | undefined;

  constructor(
    private readonly command: CommandLine,
    private readonly label: string,
  ) {}

  private write(line: string): void {
    this.writer.fire(`${line}\r\n`);
  }

  open(): void {
    const resultDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-vmtest-result-'));
    const resultFile = path.join(resultDir, 'result.json');
    let report: (value: { message?: string; increment?: number }) => void = () => undefined;
    let percent = 0;
    const onEvent = (event: VmEvent): void => {
      if (event.kind === 'note') {
        this.write(DIM(`kmod-vmtest: ${event.message}`));
        return;
      }
      this.write(BOLD(`▶ ${event.message}`));
      const target = stagePercent(event.stage);
      report({ message: `${event.message}…`, increment: Math.max(0, target - percent) });
      percent = Math.max(percent, target);
    };
    const folder = new VmOutputFolder({ line: (text) => this.write(text), event: onEvent });
    const stdout = new LineSplitter((line) => folder.push(line));
    const stderr = new LineSplitter((line) => this.write(line));

    const args = [...this.command.args, '--events', optionArg('json', resultFile)];
    const child = spawn(this.command.process, args, {
      cwd: this.command.cwd,
      env: { ...process.env, ...this.command.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    const exited = new Promise<number>((resolve) => {
      child.on('error', (error) => {
        this.write(`kmod: cannot start ${this.command.process}: ${error.message}`);
        resolve(2);
      });
      child.on('close', (code, signal) => resolve(code ?? (signal ? 130 : 2)));
    });

    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Test in VM: ${this.label}`, cancellable: true },
      async (progress, token) => {
        report = (value) => progress.report(value);
        token.onCancellationRequested(() => this.close());
        const code = await exited;
        stdout.end();
        stderr.end();
        folder.finish();
        let json: unknown;
        try {
          json = JSON.parse(tryReadTextFileSync(resultFile, MAX_RESULT_BYTES) ?? 'null');
        } catch {
          json = undefined;
        }
        fs.rmSync(resultDir, { recursive: true, force: true });
        if (!token.isCancellationRequested) showVerdict(verdictOf(json, this.label));
        this.closer.fire(code);
      },
    );
  }

  /** The terminal closed or the user cancelled: kmod-vmtest takes its guest down with it. */
  close(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }

  handleInput(data: string): void {
    if (data === '\x03') this.close();
  }
}

/** The execution of a "vm" kbuild task: kmod-vmtest's command line, run as a test. */
export function vmTestExecution(command: CommandLine, label: string): vscode.CustomExecution {
  return new vscode.CustomExecution(() => Promise.resolve(new VmTestTerminal(command, label)));
}
