// The end-of-run summary, for people (text) and for tools (--json).
import * as path from 'node:path';
import { LocatedFrame, VmTestResult } from './vmtest';

export const EXIT_CODES = { clean: 0, problems: 1, setupError: 2 } as const;

const hex = (n: number) => `0x${n.toString(16)}`;

export function describeFrame(frame: LocatedFrame): string {
  const symbol = `${frame.function}+${hex(frame.offset)}/${hex(frame.size)}${frame.module ? ` [${frame.module}]` : ''}`;
  if (!frame.source) return symbol;
  const how = frame.source.method === 'debug-info' ? '' : ' (function definition; no debug info)';
  return `${symbol} → ${frame.source.file}:${frame.source.line}${how}`;
}

export function formatSummary(result: VmTestResult): string {
  const rcOf = (name: RegExp) => result.phases.filter((p) => name.test(p.name) && p.rc !== undefined).map((p) => `${p.name} rc=${p.rc}`);
  const yesNo = (value: boolean) => (value ? 'yes' : 'no');
  const out: string[] = [
    '',
    `==== kmod-vmtest: ${result.module.name} on ${result.kernel.release} (${result.kernel.accel.toUpperCase()}, ${result.kernel.bootMode === 'pvh' ? 'PVH vmlinux' : 'bzImage'}) ====`,
    `loaded:    ${yesNo(result.loaded)}   ${rcOf(/^insmod$/).join(', ')}`,
    `unloaded:  ${yesNo(result.unloaded)}   ${[...rcOf(/^rmmod-\d+$/), result.finalModuleState ? `final state: ${result.finalModuleState}` : ''].filter(Boolean).join(', ')}`,
  ];
  if (result.timedOut) out.push('hung:      yes, the guest was killed at the timeout');
  if (result.oops.length === 0) out.push('oops/BUG:  none');
  for (const report of result.oops) {
    out.push(report.line.includes(report.kind) ? report.line : `${report.kind}: ${report.line}`);
    if (report.rip) out.push(`    at ${describeFrame(report.rip)}`);
    for (const frame of report.trace.filter((f) => f.source)) out.push(`    called from ${describeFrame(frame)}`);
  }
  if (result.taint) {
    const letters = result.taint.flags.map((f) => f.letter).join('') || '-';
    out.push(`taint:     ${result.taint.value} ${letters} (${result.taint.flags.map((f) => f.meaning).join(', ') || 'not tainted'})`);
  }
  out.push(`module messages (${result.moduleMessages.length}):`);
  for (const message of result.moduleMessages) out.push(`    ${message}`);
  for (const phase of result.phases.filter((p) => p.shellOutput)) {
    for (const line of phase.shellOutput ?? []) out.push(`    [${phase.name}] ${line}`);
  }
  out.push(
    `timing:    ${result.phases
      .filter((p) => p.endSeconds !== undefined && ['build', 'kernel-image', 'initramfs', 'boot'].includes(p.name))
      .map((p) => `${p.name} ${((p.endSeconds ?? 0) - p.startSeconds).toFixed(1)} s`)
      .join(', ')}, total ${result.wallSeconds.toFixed(1)} s`,
  );
  out.push(result.clean ? 'verdict:   CLEAN' : `verdict:   PROBLEMS\n${result.problems.map((p) => `    - ${p}`).join('\n')}`);
  out.push(`module:    ${path.relative(process.cwd(), result.module.koFile) || result.module.koFile}`);
  return `${out.map((line) => line.trimEnd()).join('\n')}\n`;
}

export function toJson(result: VmTestResult): string {
  return `${JSON.stringify({ exitCode: result.clean ? EXIT_CODES.clean : EXIT_CODES.problems, ...result }, null, 2)}\n`;
}
