// Builds the test initramfs: static busybox, /init, the module and its inputs as plain files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CpioEntry, writeNewc } from './cpio';
import { isDynamicallyLinked } from './elf';
import { splitModuleParameters } from '../../../shared/src/command-lines';
import { SetupError } from './errors';
import { GUEST_INIT_SCRIPT, SCENARIO_STEPS } from './guest-init';

export interface InitramfsSpec {
  koFile: string;
  moduleName: string;
  /** insmod arguments, one `name=value` per element. */
  params: readonly string[];
  settleSeconds: number;
  scenario: readonly string[];
  busybox: string;
}

export const DEFAULT_BUSYBOX = '/bin/busybox';

/**
 * Splits "a=1 b=2 msg=\"two words\"" into insmod arguments, as the Load task does (double quotes
 * group words and stay: the kernel's parameter parser strips them). Newlines and NUL are refused
 * because the guest reads one parameter per line.
 */
export function splitModuleParams(text: string): string[] {
  if (/[\n\r\0]/.test(text)) throw new SetupError('Module parameters must not contain newlines or NUL characters.');
  const split = splitModuleParameters(text);
  if (!split.ok) throw new SetupError(split.reason);
  return split.params;
}

export function validateScenario(steps: readonly string[]): void {
  const unknown = steps.filter((step) => !(step in SCENARIO_STEPS));
  if (unknown.length) {
    throw new SetupError(`Unknown scenario step(s): ${unknown.join(', ')}. Known: ${Object.keys(SCENARIO_STEPS).join(', ')}.`);
  }
}

export function checkBusybox(busybox: string): void {
  if (!fs.existsSync(busybox)) {
    throw new SetupError(`${busybox} not found: the test initramfs needs a statically linked busybox.`, ['busybox-static']);
  }
  if (isDynamicallyLinked(busybox)) {
    throw new SetupError(`${busybox} is dynamically linked (Debian's "busybox" package); the initramfs has no libc.`, ['busybox-static']);
  }
}

export function buildInitramfs(spec: InitramfsSpec): Buffer {
  validateScenario(spec.scenario);
  checkBusybox(spec.busybox);
  if (!/^[A-Za-z0-9_]+$/.test(spec.moduleName)) throw new SetupError(`Unexpected module name ${JSON.stringify(spec.moduleName)}.`);
  if (!Number.isFinite(spec.settleSeconds) || spec.settleSeconds < 0) throw new SetupError(`Bad settle time ${spec.settleSeconds}.`);
  const koName = path.basename(spec.koFile);
  if (/[\n\r\0]/.test(koName)) throw new SetupError(`Module file name ${JSON.stringify(koName)} contains a newline.`);
  if (spec.params.some((param) => /[\n\r\0]/.test(param))) throw new SetupError('Module parameters must not contain newlines.');

  const lines = (values: readonly string[]) => Buffer.from(values.map((value) => `${value}\n`).join(''), 'utf8');
  const entries: CpioEntry[] = [
    ...['bin', 'sbin', 'dev', 'proc', 'sys', 'tmp', 'modules', 'kvmtest'].map((name): CpioEntry => ({ type: 'dir', name })),
    // CONFIG_DEVTMPFS_MOUNT is off in Debian: without this node the kernel cannot open the console for /init.
    { type: 'chardev', name: 'dev/console', major: 5, minor: 1 },
    { type: 'file', name: 'bin/busybox', data: fs.readFileSync(spec.busybox), mode: 0o755 },
    { type: 'file', name: 'init', data: Buffer.from(GUEST_INIT_SCRIPT, 'utf8'), mode: 0o755 },
    { type: 'file', name: `modules/${koName}`, data: fs.readFileSync(spec.koFile) },
    { type: 'file', name: 'kvmtest/module-file', data: lines([`/modules/${koName}`]) },
    { type: 'file', name: 'kvmtest/module-name', data: lines([spec.moduleName]) },
    { type: 'file', name: 'kvmtest/settle', data: lines([String(spec.settleSeconds)]) },
    { type: 'file', name: 'kvmtest/params', data: lines(spec.params) },
    { type: 'file', name: 'kvmtest/scenario', data: lines(spec.scenario) },
  ];
  return writeNewc(entries);
}
