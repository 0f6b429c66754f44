// One iteration of the "test module in a VM" loop: build → kernel image → initramfs → qemu → verdict.
// Nothing is ever loaded into the host kernel; insmod/rmmod run only inside the disposable guest.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OopsLocation } from '../../../shared/src/oops/parse';
import { ResolvedOopsLine, resolveOopsLocation } from '../../../shared/src/oops/resolve';
import { SetupError } from './errors';
import { DEFAULT_SCENARIO } from './guest-init';
import { DEFAULT_BUSYBOX, buildInitramfs, validateScenario } from './initramfs';
import { KernelImage, prepareKernelImage } from './kernel-image';
import { readRelease } from '../../../shared/src/kernel-dir';
import {
  buildModule,
  cleanModule,
  moduleDependencies,
  moduleNameOf,
  moduleVermagicRelease,
  selectKoFile,
  unusableKoFile,
} from './module-build';
import { findExecutable, onTermination } from '../../../shared/src/process';
import { Accel, BASE_KERNEL_ARGS, BootMode, KvmFailureMemo, QEMU_BINARY, QemuRunResult, kvmAccessible, runQemu } from './qemu';
import { ConsoleSummary, TaintInfo, parseMarker, summarizeConsole } from './summary';
import { stageOfMarker, withoutMarker } from './progress';
import type { VmStage } from '../../../shared/src/vm-events';

export type AccelChoice = 'auto' | Accel;
export type BootChoice = 'auto' | BootMode;

export interface VmTestOptions {
  kdir: string;
  moduleDir: string;
  /** Which .ko to test when the directory builds several. */
  ko?: string;
  params: readonly string[];
  settleSeconds: number;
  timeoutSeconds: number;
  scenario: readonly string[];
  cacheDir: string;
  kernelFile?: string;
  accel: AccelChoice;
  /** auto: PVH entry of the extracted vmlinux, then the bzImage if that does not boot. */
  boot: BootChoice;
  memory: string;
  build: boolean;
  busybox: string;
  extraKernelArgs: readonly string[];
  /** How long a KVM guest may stay silent before we assume KVM does not work here and use TCG. */
  kvmBootDeadlineSeconds: number;
  keepWorkDir: boolean;
}

export const DEFAULT_OPTIONS: Omit<VmTestOptions, 'kdir' | 'moduleDir' | 'cacheDir'> = {
  params: [],
  settleSeconds: 1,
  timeoutSeconds: 120,
  scenario: DEFAULT_SCENARIO,
  accel: 'auto',
  boot: 'auto',
  memory: '256M',
  build: true,
  busybox: DEFAULT_BUSYBOX,
  extraKernelArgs: [],
  kvmBootDeadlineSeconds: 10,
  keepWorkDir: false,
};

export interface VmTestReporter {
  /** Build output and console lines, as they arrive. */
  output(text: string): void;
  /** The tool's own progress messages. */
  note(message: string): void;
  /** A step of the run began (building, booting, insmod, …), for a progress display. */
  stage?(stage: VmStage, message: string): void;
}

export interface LocatedFrame extends OopsLocation {
  source?: ResolvedOopsLine;
}

export interface OopsResult {
  kind: string;
  line: string;
  rip?: LocatedFrame;
  trace: LocatedFrame[];
  lines: string[];
}

export interface PhaseTiming {
  name: string;
  /** Seconds since the loop started. */
  startSeconds: number;
  endSeconds?: number;
  rc?: number;
  /** Non-kernel console lines of a guest phase (shell messages such as "rmmod: can't unload …"). */
  shellOutput?: string[];
}

export interface BootAttempt {
  accel: Accel;
  bootMode: BootMode;
  kernel: string;
  failure?: string;
  wallSeconds: number;
}

export interface VmTestResult {
  clean: boolean;
  problems: string[];
  loaded: boolean;
  unloaded: boolean;
  finalModuleState?: string;
  oops: OopsResult[];
  taint?: TaintInfo;
  moduleMessages: string[];
  kernelNotices: string[];
  timedOut: boolean;
  wallSeconds: number;
  phases: PhaseTiming[];
  module: { name: string; koFile: string; params: readonly string[] };
  kernel: { release: string; image: string; bootMode: BootMode; accel: Accel };
  attempts: BootAttempt[];
  consoleLog: string[];
}

const roundMs = (seconds: number) => Math.round(seconds * 1000) / 1000;
const MODULE_PHASE = /^(?:insmod|settle|rmmod-\d+)$/;
const PRINTK_TIME = /^\s*\[\s*\d+\.\d+\]/;

export async function runVmTest(options: VmTestOptions, reporter: VmTestReporter): Promise<VmTestResult> {
  const loopStart = performance.now();
  const now = () => roundMs((performance.now() - loopStart) / 1000);
  const phases: PhaseTiming[] = [];
  const timed = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const startSeconds = now();
    const value = await work();
    phases.push({ name, startSeconds, endSeconds: now() });
    return value;
  };

  validateScenario(options.scenario);
  const qemu = findExecutable(QEMU_BINARY);
  if (!qemu) throw new SetupError(`${QEMU_BINARY} not found.`, ['qemu-system-x86']);
  const release = readRelease(options.kdir);
  if (!release)
    throw new SetupError(`Cannot read the kernel release from ${options.kdir}/include/generated/utsrelease.h.`, ['linux-headers-amd64']);

  if (options.build) {
    reporter.stage?.('build', `building ${path.basename(path.resolve(options.moduleDir))}`);
    reporter.note(`Building: make -C ${options.kdir} M=${path.resolve(options.moduleDir)} modules`);
    const build = await timed('build', () => buildModule(options.kdir, options.moduleDir, (text) => reporter.output(text)));
    if (build.exitCode !== 0) throw new SetupError(`The module build failed (make exited ${build.exitCode}).`);
    // A .ko the guest would refuse (another build's objects linked in): once more from clean.
    const unusable = unusableKoFile(options.moduleDir, release);
    if (unusable) {
      reporter.note(`${path.basename(unusable.koFile)} ${unusable.why}: cleaning and building again for ${release}`);
      await cleanModule(options.kdir, options.moduleDir, (text) => reporter.output(text));
      const again = await buildModule(options.kdir, options.moduleDir, (text) => reporter.output(text));
      if (again.exitCode !== 0) throw new SetupError(`The module build failed (make exited ${again.exitCode}).`);
    }
  }
  const koFile = selectKoFile(options.moduleDir, options.ko);
  const moduleName = moduleNameOf(koFile);
  const builtFor = moduleVermagicRelease(koFile);
  if (builtFor && builtFor !== release) {
    reporter.note(`warning: ${path.basename(koFile)} was built for ${builtFor}, but ${options.kdir} is ${release}; rebuild it.`);
  }
  const dependencies = moduleDependencies(koFile);
  if (dependencies.length) {
    reporter.note(
      `warning: ${moduleName} depends on ${dependencies.join(', ')}, which the test initramfs does not contain; insmod may fail.`,
    );
  }

  reporter.stage?.('kernel-image', `preparing the ${release} kernel image`);
  const image = await timed('kernel-image', () =>
    prepareKernelImage({
      release,
      cacheDir: options.cacheDir,
      kernelFile: options.kernelFile,
      log: (m) => reporter.note(m),
    }),
  );
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-vmtest-'));
  const forgetWorkDir = options.keepWorkDir ? () => false : onTermination(() => fs.rmSync(workDir, { recursive: true, force: true }));
  try {
    const initrd = path.join(workDir, 'initramfs.cpio');
    await timed('initramfs', () =>
      fs.writeFileSync(
        initrd,
        buildInitramfs({
          koFile,
          moduleName,
          params: options.params,
          settleSeconds: options.settleSeconds,
          scenario: options.scenario,
          busybox: options.busybox,
        }),
      ),
    );

    const vmStart = now();
    const { run, attempts } = await bootWithFallback(qemu, image, initrd, options, reporter, moduleName);
    const summary = summarizeConsole(run.lines);
    phases.push(...guestPhases(summary, vmStart, run));
    if (!summary.initStarted) {
      // The module is not loaded before /init runs, so whatever went wrong is the test setup's problem.
      const evidence = summary.oops.length ? summary.oops.map((report) => report.line) : run.lines.slice(-8).map((l) => l.text);
      throw new SetupError(
        `The guest kernel started but never ran /init${run.timedOut ? ` (killed after ${options.timeoutSeconds} s)` : ''}:\n` +
          evidence.join('\n'),
      );
    }
    const oops = await locateOops(summary, [path.dirname(koFile), options.moduleDir]);
    const last = attempts[attempts.length - 1];
    const problems = listProblems(summary, run, options);
    return {
      clean: problems.length === 0,
      problems,
      loaded: summary.loaded,
      unloaded: summary.unloaded,
      ...(summary.finalModuleState ? { finalModuleState: summary.finalModuleState } : {}),
      oops,
      ...(summary.taint ? { taint: summary.taint } : {}),
      moduleMessages: summary.moduleMessages,
      kernelNotices: summary.kernelNotices,
      timedOut: run.timedOut,
      wallSeconds: now(),
      phases,
      module: { name: moduleName, koFile, params: options.params },
      kernel: { release, image: last.kernel, bootMode: last.bootMode, accel: last.accel },
      attempts,
      consoleLog: run.lines.map((l) => l.text),
    };
  } finally {
    forgetWorkDir();
    if (options.keepWorkDir) reporter.note(`Kept the initramfs in ${workDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Boots KVM first when usable (it may still fail: nested virtualisation without VMX opens /dev/kvm
 * but never runs the guest), then TCG; PVH with the ELF vmlinux first, then the bzImage.
 */
async function bootWithFallback(
  qemu: string,
  image: KernelImage,
  initrd: string,
  options: VmTestOptions,
  reporter: VmTestReporter,
  moduleName: string,
) {
  const memo = new KvmFailureMemo(path.join(options.cacheDir, 'kvm-failure.json'), qemu);
  const images = (
    [
      ...(image.vmlinux ? [{ bootMode: 'pvh' as const, kernel: image.vmlinux }] : []),
      ...(image.bzImage ? [{ bootMode: 'bzimage' as const, kernel: image.bzImage }] : []),
    ] satisfies { bootMode: BootMode; kernel: string }[]
  ).filter((img) => options.boot === 'auto' || img.bootMode === options.boot);
  if (!images.length) throw new SetupError(`No ${options.boot === 'pvh' ? 'ELF vmlinux' : 'bzImage'} available to boot (${image.origin}).`);
  const plan: { accel: Accel; bootMode: BootMode; kernel: string }[] = [];
  if (options.accel !== 'tcg') {
    const access = kvmAccessible();
    const remembered = options.accel === 'auto' ? memo.recordedFailure() : undefined;
    if (!access.ok) reporter.note(`KVM not usable (${access.reason}); using TCG emulation.`);
    else if (remembered) reporter.note(`Skipping KVM, it failed on this host before: ${remembered}. Use --accel kvm to try again.`);
    else plan.push({ accel: 'kvm', ...images[0] });
  }
  plan.push(...images.map((img) => ({ accel: 'tcg' as const, ...img })));

  const attempts: BootAttempt[] = [];
  for (const step of plan) {
    reporter.stage?.('boot', `booting ${path.basename(step.kernel)} (${step.accel.toUpperCase()})`);
    reporter.note(
      `Booting ${step.kernel} (${step.bootMode === 'pvh' ? 'PVH entry' : 'bzImage'}) with ${step.accel.toUpperCase()}, timeout ${options.timeoutSeconds} s`,
    );
    const run = await runQemu({
      qemu,
      accel: step.accel,
      kernel: step.kernel,
      initrd,
      memory: options.memory,
      append: [...BASE_KERNEL_ARGS, ...options.extraKernelArgs],
      timeoutSeconds: options.timeoutSeconds,
      bootDeadlineSeconds: step.accel === 'kvm' ? options.kvmBootDeadlineSeconds : undefined,
      // The guest's markers become progress steps; the people reading the console never see them.
      onLine: (line) => {
        const marker = parseMarker(line.text, line.at, 0);
        const step = marker && stageOfMarker(marker, { moduleName, settleSeconds: options.settleSeconds });
        if (step) reporter.stage?.(step.stage, step.message);
        const text = withoutMarker(line.text);
        if (text !== undefined) reporter.output(`${text}\n`);
      },
    });
    attempts.push({ ...step, wallSeconds: roundMs(run.wallSeconds), ...(run.bootFailure ? { failure: run.bootFailure } : {}) });
    if (!run.bootFailure) {
      const kvmFailure = attempts.find((a) => a.accel === 'kvm' && a.failure && a.kernel === step.kernel);
      if (step.accel === 'kvm') memo.clear();
      else if (kvmFailure?.failure) memo.recordFailure(kvmFailure.failure);
      return { run, attempts };
    }
    reporter.note(`${step.accel.toUpperCase()} boot failed: ${run.bootFailure}`);
  }
  const tried = attempts.map((a) => `${a.accel}/${a.bootMode}: ${a.failure}`).join('; ');
  throw new SetupError(`The kernel did not boot in qemu (${tried}).`);
}

function guestPhases(summary: ConsoleSummary, vmStart: number, run: QemuRunResult): PhaseTiming[] {
  const firstMarker = summary.markers[0];
  const at = (seconds: number) => roundMs(vmStart + seconds);
  const boot: PhaseTiming = { name: 'boot', startSeconds: vmStart, endSeconds: at(firstMarker?.at ?? run.wallSeconds) };
  const guest = summary.phases.map((phase): PhaseTiming => {
    const shellOutput = phase.output.filter((text) => !PRINTK_TIME.test(text) && text.trim() !== '');
    return {
      name: phase.name,
      startSeconds: at(phase.startSeconds),
      ...(phase.endSeconds !== undefined ? { endSeconds: at(phase.endSeconds) } : {}),
      ...(phase.rc !== undefined ? { rc: phase.rc } : {}),
      ...(MODULE_PHASE.test(phase.name) && shellOutput.length ? { shellOutput } : {}),
    };
  });
  return [boot, ...guest, { name: 'qemu-exit', startSeconds: at(run.wallSeconds), endSeconds: at(run.wallSeconds) }];
}

async function locateOops(summary: ConsoleSummary, moduleDirs: string[]): Promise<OopsResult[]> {
  const locate = async (location: OopsLocation): Promise<LocatedFrame> => {
    const source = location.module ? await resolveOopsLocation(location, moduleDirs) : undefined;
    return source ? { ...location, source } : { ...location };
  };
  return Promise.all(
    summary.oops.map(async (report) => ({
      kind: report.kind,
      line: report.line,
      ...(report.rip ? { rip: await locate(report.rip) } : {}),
      trace: await Promise.all(report.trace.map(locate)),
      lines: report.lines,
    })),
  );
}

function listProblems(summary: ConsoleSummary, run: QemuRunResult, options: VmTestOptions): string[] {
  const problems: string[] = [];
  if (run.timedOut) {
    const lastPhase = summary.phases[summary.phases.length - 1]?.name ?? 'boot';
    problems.push(`guest hung: killed after ${options.timeoutSeconds} s (last phase: ${lastPhase})`);
  }
  for (const report of summary.oops) problems.push(report.line.includes(report.kind) ? report.line : `${report.kind}: ${report.line}`);
  const insmod = summary.phases.find((p) => p.name === 'insmod');
  if (options.scenario.includes('insmod') && insmod?.rc !== undefined && insmod.rc !== 0) problems.push(`insmod failed (rc=${insmod.rc})`);
  if (summary.loaded && options.scenario.includes('rmmod') && !summary.unloaded) {
    problems.push(`module not unloaded (state: ${summary.finalModuleState ?? 'unknown'})`);
  }
  const badTaint = summary.taint?.flags.filter((flag) => flag.problem) ?? [];
  if (badTaint.length && !summary.oops.length) {
    problems.push(`kernel tainted: ${badTaint.map((flag) => `${flag.letter} (${flag.meaning})`).join(', ')}`);
  }
  return problems;
}
