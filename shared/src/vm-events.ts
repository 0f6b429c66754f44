// The progress lines kmod-vmtest prints with --events, for the extension's Test in VM: one JSON
// object per line behind a control character, so the guest's console (which kmod-vmtest strips of
// control characters) can never forge one, and the extension can keep them out of the terminal.

export type VmStage = 'build' | 'kernel-image' | 'boot' | 'init' | 'insmod' | 'settle' | 'rmmod' | 'shutdown' | 'verdict';

export const VM_STAGES: readonly VmStage[] = ['build', 'kernel-image', 'boot', 'init', 'insmod', 'settle', 'rmmod', 'shutdown', 'verdict'];

export type VmEvent =
  /** A step of the run began. */
  | { kind: 'stage'; stage: VmStage; message: string }
  /** The tool's own remark (what it builds, which accelerator, a warning). */
  | { kind: 'note'; message: string };

/** ASCII record separator: never in a console line (stripped) and never typed in a build log. */
export const VM_EVENT_PREFIX = '\x1ekmod-vmtest ';

export function formatVmEvent(event: VmEvent): string {
  return `${VM_EVENT_PREFIX}${JSON.stringify(event)}`;
}

/** The event a line carries, or undefined for every other line (console, build output, summary). */
export function parseVmEvent(line: string): VmEvent | undefined {
  if (!line.startsWith(VM_EVENT_PREFIX)) return undefined;
  try {
    const value = JSON.parse(line.slice(VM_EVENT_PREFIX.length)) as Partial<Record<string, unknown>>;
    if (typeof value.message !== 'string') return undefined;
    if (value.kind === 'note') return { kind: 'note', message: value.message };
    const stage = VM_STAGES.find((s) => s === value.stage);
    return value.kind === 'stage' && stage ? { kind: 'stage', stage, message: value.message } : undefined;
  } catch {
    return undefined;
  }
}
