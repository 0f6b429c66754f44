// What Test in VM shows, without VS Code: kmod-vmtest's output as the terminal shows it (its event
// lines taken out, the boot log folded into one line) and the verdict of its JSON result.

import * as path from 'node:path';
import { parseVmEvent, type VmEvent, type VmStage } from '../../shared/src/vm-events';

/** Boot lines kept to show when the guest never reaches /init. */
const KEPT_BOOT_LINES = 40;

export interface FolderSink {
  line(text: string): void;
  event(event: VmEvent): void;
}

/** Routes kmod-vmtest's stdout lines: events to progress, the boot log folded, the rest to the terminal. */
export class VmOutputFolder {
  private booting = false;
  private bootLines = 0;
  private kept: string[] = [];

  constructor(private readonly sink: FolderSink) {}

  push(line: string): void {
    const event = parseVmEvent(line);
    if (event) {
      if (event.kind === 'stage' && event.stage === 'boot') this.booting = true;
      else if (event.kind === 'stage' && this.booting) this.endBoot(false);
      this.sink.event(event);
      return;
    }
    if (!this.booting) {
      this.sink.line(line);
      return;
    }
    this.bootLines++;
    this.kept.push(line);
    if (this.kept.length > KEPT_BOOT_LINES) this.kept.shift();
  }

  /** The run ended: a boot that never reached /init shows how it ended. */
  finish(): void {
    if (this.booting) this.endBoot(true);
  }

  private endBoot(failed: boolean): void {
    this.booting = false;
    if (failed) {
      if (this.bootLines > this.kept.length) this.sink.line(`… ${this.bootLines - this.kept.length} boot log lines before these:`);
      this.kept.forEach((line) => this.sink.line(line));
    } else {
      this.sink.line(`… ${this.bootLines} lines of boot log folded ("Open log" in the result shows them)`);
    }
    this.kept = [];
    this.bootLines = 0;
  }
}

/** Share of the progress bar each stage starts at (booting under TCG is the long part). */
const STAGE_PERCENT: Readonly<Record<VmStage, number>> = {
  build: 0,
  'kernel-image': 15,
  boot: 20,
  init: 65,
  insmod: 70,
  settle: 78,
  rmmod: 85,
  shutdown: 95,
  verdict: 100,
};

export function stagePercent(stage: VmStage): number {
  return STAGE_PERCENT[stage];
}

export interface VmVerdict {
  kind: 'clean' | 'problems' | 'setup-error';
  message: string;
  /** The console as the guest printed it (for "Open log"), without the guest's protocol lines. */
  log: string[];
  /** Index in `log` of the first oops line (for "Show oops"). */
  oopsLine?: number;
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** The guest /init's protocol lines (summary.ts reads them back; people never need them). */
const MARKER_LINE = /@@KVMTEST /;

/** The verdict of kmod-vmtest's --json result (any shape: a missing field only shortens the message). */
export function verdictOf(json: unknown, moduleLabel: string): VmVerdict {
  const result = record(json);
  const error = text(result.error);
  const log = strings(result.consoleLog).filter((line) => !MARKER_LINE.test(line));
  if (result.exitCode === 2 || error !== undefined || typeof result.clean !== 'boolean') {
    return { kind: 'setup-error', message: `Test in VM could not run ${moduleLabel}: ${error ?? 'no result (see the terminal)'}`, log };
  }
  const kernel = record(result.kernel);
  const on = [text(kernel.release), text(kernel.accel)?.toUpperCase()].filter(Boolean).join(', ');
  if (result.clean) {
    const messages = strings(result.moduleMessages).length;
    return {
      kind: 'clean',
      message: `${moduleLabel} passed in the VM${on ? ` (${on})` : ''}: loaded, unloaded, no oops; ${messages} module message${messages === 1 ? '' : 's'}.`,
      log,
    };
  }
  const oops = Array.isArray(result.oops) ? result.oops.map(record) : [];
  const first = oops[0];
  const source = record(record(first?.rip).source);
  const file = text(source.file);
  const where = file && typeof source.line === 'number' ? ` at ${path.basename(file)}:${source.line}` : '';
  const problems = strings(result.problems);
  const headline = first ? `${text(first.line) ?? text(first.kind) ?? 'oops'}${where}` : (problems[0] ?? 'problems found');
  const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
  const firstLine = first && text(first.line);
  const oopsLine = firstLine ? log.findIndex((line) => line.includes(firstLine)) : -1;
  return {
    kind: 'problems',
    message: `${moduleLabel} failed in the VM${on ? ` (${on})` : ''}: ${headline}${more}`,
    log,
    ...(oopsLine >= 0 ? { oopsLine } : {}),
  };
}
