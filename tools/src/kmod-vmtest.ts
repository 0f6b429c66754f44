// kmod-vmtest: build a kernel module and load/unload it in a disposable qemu guest.
// Exit codes: 0 clean, 1 problems found (oops/BUG/WARNING, hang, load or unload failure), 2 setup error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { SetupError } from './vm/errors';
import { fetchDebugVmlinux } from './vm/debug/kernel-debug-symbols';
import { readRelease } from '../../shared/src/kernel-dir';
import { SCENARIO_STEPS } from './vm/guest-init';
import { splitModuleParams } from './vm/initramfs';
import { defaultCacheDir } from './vm/kernel-image';
import { defaultKernelBuildDir } from '../../shared/src/kernel-dir';
import { crashLines } from './vm/explain';
import { EXIT_CODES, formatSummary, toJson } from './vm/report';
import { formatVmEvent, VM_EVENT_PREFIX, type VmEvent, type VmStage } from '../../shared/src/vm-events';
import { AccelChoice, BootChoice, DEFAULT_OPTIONS, VmTestOptions, runVmTest } from './vm/vmtest';

const USAGE = `Usage: kmod-vmtest [options]
  --kdir DIR          kernel build directory (default: as the extension finds it: /lib/modules/$(uname -r)/build, else installed headers)
  --module-dir DIR    module source directory (default: current directory)
  --ko NAME           which module to test when the directory builds several
  --params "a=1 b=2"  module parameters for insmod
  --kernel-version V  modpost rules for explaining a crash with the analyzer's finding
  --settle S          seconds between insmod and rmmod (default ${DEFAULT_OPTIONS.settleSeconds})
  --timeout S         kill the guest after S seconds (default ${DEFAULT_OPTIONS.timeoutSeconds})
  --scenario LIST     comma-separated steps (default ${DEFAULT_OPTIONS.scenario.join(',')}); known: ${Object.keys(SCENARIO_STEPS).join(', ')}
  --kernel FILE       boot this bzImage or vmlinux instead of Debian's linux-image-<release>
  --cache DIR         kernel image cache (default ${defaultCacheDir()})
  --accel MODE        auto (KVM if it works, else TCG), kvm (try KVM even if it failed before), tcg
  --boot MODE         auto (PVH entry of the extracted vmlinux, else the bzImage), pvh, bzimage
  --memory SIZE       guest memory (default ${DEFAULT_OPTIONS.memory})
  --append ARGS       extra kernel command line arguments
  --busybox FILE      static busybox for the initramfs (default ${DEFAULT_OPTIONS.busybox})
  --no-build          test the existing .ko without running make
  --json FILE         write the machine-readable result to FILE
  --keep              keep the generated initramfs
  --quiet             do not stream the build output and serial console
  --events            print progress as machine-readable event lines (for the editor; see shared/src/vm-events.ts)
  --fetch-kernel-debug-symbols
                      only download Debian's vmlinux with debug info for --kdir's release into the cache
                      (about 860 MB) so Debug Module in VM can show kernel frames; then exit
Exit codes: 0 clean, 1 oops/BUG/WARNING/hang/load or unload failure, 2 setup error.
`;

/** Steps inside the guest, printed in the console stream where the guest's markers were. */
const GUEST_STAGES: ReadonlySet<VmStage> = new Set(['init', 'insmod', 'settle', 'rmmod', 'shutdown']);

const ACCEL_CHOICES: readonly AccelChoice[] = ['auto', 'kvm', 'tcg'];
const BOOT_CHOICES: readonly BootChoice[] = ['auto', 'pvh', 'bzimage'];

function parseSeconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+(?:\.\d+)?$/.test(value)) throw new SetupError(`--${name} expects a number of seconds, got ${JSON.stringify(value)}.`);
  return Number(value);
}

const parseOptions = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    strict: true,
    options: {
      kdir: { type: 'string' },
      'module-dir': { type: 'string' },
      ko: { type: 'string' },
      params: { type: 'string' },
      settle: { type: 'string' },
      timeout: { type: 'string' },
      scenario: { type: 'string' },
      kernel: { type: 'string' },
      cache: { type: 'string' },
      accel: { type: 'string' },
      boot: { type: 'string' },
      memory: { type: 'string' },
      append: { type: 'string' },
      busybox: { type: 'string' },
      'no-build': { type: 'boolean' },
      json: { type: 'string' },
      'kernel-version': { type: 'string' },
      keep: { type: 'boolean' },
      quiet: { type: 'boolean' },
      events: { type: 'boolean' },
      'fetch-kernel-debug-symbols': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });

export function parseCommandLine(
  argv: readonly string[],
): (VmTestOptions & { json?: string; kernelVersion?: string; quiet: boolean; events: boolean; fetchKernelDebugSymbols: boolean }) | 'help' {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    // Unknown option or missing value: a usage error, not a crash.
    throw new SetupError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const kdir = values.kdir ?? defaultKernelBuildDir()?.dir;
  if (!kdir) throw new SetupError('No kernel build directory found; pass --kdir.', ['linux-headers-amd64']);
  const accel = (values.accel ?? 'auto') as AccelChoice;
  if (!ACCEL_CHOICES.includes(accel)) throw new SetupError(`--accel must be one of ${ACCEL_CHOICES.join(', ')}.`);
  const boot = (values.boot ?? 'auto') as BootChoice;
  if (!BOOT_CHOICES.includes(boot)) throw new SetupError(`--boot must be one of ${BOOT_CHOICES.join(', ')}.`);
  if (values.memory !== undefined && !/^\d+[MG]?$/.test(values.memory)) throw new SetupError('--memory expects e.g. 256M.');
  return {
    ...DEFAULT_OPTIONS,
    kdir: path.resolve(kdir),
    moduleDir: path.resolve(values['module-dir'] ?? '.'),
    ...(values.ko ? { ko: values.ko } : {}),
    params: splitModuleParams(values.params ?? ''),
    settleSeconds: parseSeconds(values.settle, 'settle', DEFAULT_OPTIONS.settleSeconds),
    timeoutSeconds: parseSeconds(values.timeout, 'timeout', DEFAULT_OPTIONS.timeoutSeconds),
    scenario: values.scenario
      ? values.scenario
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : DEFAULT_OPTIONS.scenario,
    cacheDir: path.resolve(values.cache ?? defaultCacheDir()),
    ...(values.kernel ? { kernelFile: path.resolve(values.kernel) } : {}),
    accel,
    boot,
    memory: values.memory ?? DEFAULT_OPTIONS.memory,
    build: !values['no-build'],
    busybox: values.busybox ?? DEFAULT_OPTIONS.busybox,
    extraKernelArgs: (values.append ?? '').split(/\s+/).filter(Boolean),
    keepWorkDir: values.keep ?? false,
    json: values.json,
    kernelVersion: values['kernel-version'],
    quiet: values.quiet ?? false,
    events: values.events ?? false,
    fetchKernelDebugSymbols: values['fetch-kernel-debug-symbols'] ?? false,
  };
}

export async function main(argv: readonly string[]): Promise<number> {
  let jsonFile: string | undefined;
  try {
    const options = parseCommandLine(argv);
    if (options === 'help') {
      process.stdout.write(USAGE);
      return EXIT_CODES.clean;
    }
    jsonFile = options.json;
    if (options.fetchKernelDebugSymbols) {
      const release = readRelease(options.kdir);
      if (!release) throw new SetupError(`Cannot read the kernel release from ${options.kdir}.`, ['linux-headers-amd64']);
      await fetchDebugVmlinux(release, options.cacheDir, (message) => process.stdout.write(`${message}\n`));
      return EXIT_CODES.clean;
    }
    const event = (e: VmEvent) => process.stdout.write(`${formatVmEvent(e)}\n`);
    const result = await runVmTest(options, {
      // With --events no other line may look like an event: the separator goes.
      output: (text) => {
        if (!options.quiet) process.stdout.write(options.events ? text.replaceAll(VM_EVENT_PREFIX[0], '') : text);
      },
      note: (message) => (options.events ? event({ kind: 'note', message }) : process.stderr.write(`kmod-vmtest: ${message}\n`)),
      stage: (stage, message) => {
        if (options.events) event({ kind: 'stage', stage, message });
        // Where the guest's markers were: the steps of the test, in words.
        else if (GUEST_STAGES.has(stage) && !options.quiet) process.stdout.write(`kmod-vmtest: ${message}\n`);
      },
    });
    if (options.events) event({ kind: 'stage', stage: 'verdict', message: result.clean ? 'clean' : 'problems found' });
    process.stdout.write(formatSummary(result));
    for (const line of await crashLines(result, options.moduleDir, options.kernelVersion, options.kdir)) process.stdout.write(`${line}\n`);
    if (jsonFile) fs.writeFileSync(jsonFile, toJson(result));
    return result.clean ? EXIT_CODES.clean : EXIT_CODES.problems;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`kmod-vmtest: ${err instanceof SetupError ? '' : 'error: '}${message}\n`);
    if (!(err instanceof SetupError) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    if (jsonFile) fs.writeFileSync(jsonFile, `${JSON.stringify({ exitCode: EXIT_CODES.setupError, error: message }, null, 2)}\n`);
    return EXIT_CODES.setupError;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`kmod-vmtest: internal error: ${(error as Error)?.stack ?? error}\n`);
      process.exitCode = EXIT_CODES.setupError;
    },
  );
}
