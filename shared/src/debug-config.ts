// The `kmod-vm` debug type: its launch arguments and custom requests, shared by the extension (which
// fills in a configuration) and the debug adapter (which runs it).

export const DEBUG_TYPE = 'kmod-vm';

export interface KmodVmLaunchArguments {
  /** The module's source directory (where its Kbuild/Makefile is). */
  moduleDir: string;
  /** Kernel build directory (KDIR); the VM boots Debian's kernel of the same release. */
  kernelBuildDir: string;
  /** Which .ko to debug when the directory builds several. */
  ko?: string;
  /** insmod arguments, as in the Load task: `a=1 msg="two words"`. */
  moduleParameters?: string;
  /** Load the module as soon as the VM is up (breakpoints in its init function hit then). */
  loadModule?: boolean;
  /** Run `make modules` first. */
  build?: boolean;
  /** Kernel frames in the call stack: needs Debian's linux-image-<release>-dbg vmlinux in the cache. */
  kernelFrames?: boolean;
  accel?: 'auto' | 'kvm' | 'tcg';
  memory?: string;
  /** Where the VM's console goes: a terminal in the editor where you can type in the guest, or the Debug Console. */
  console?: 'integratedTerminal' | 'debugConsole';
  /** Kernel image cache (default: the XDG cache, as kmod-vmtest). */
  cacheDir?: string;
  busybox?: string;
  /** Log every gdb/MI command and answer in the Debug Console (for reporting adapter problems). */
  trace?: boolean;
}

/** Custom DAP requests the extension's commands and toolbar buttons send during a session. */
export const DEBUG_REQUESTS = {
  insmod: 'kmod/insmod',
  rmmod: 'kmod/rmmod',
} as const;

export const DEBUG_DEFAULTS = {
  loadModule: true,
  build: true,
  kernelFrames: false,
  accel: 'auto',
  memory: '256M',
  console: 'integratedTerminal',
} as const satisfies Partial<KmodVmLaunchArguments>;
