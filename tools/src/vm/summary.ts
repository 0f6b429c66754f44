// Reads the guest console back into a verdict: the @@KVMTEST markers give phases and return codes,
// kernel lines give oops reports, the module's own messages and the taint.
import { OopsLocation, parseOopsLine, stripPrintkPrefix } from '../../../shared/src/oops/parse';
import { ConsoleLine } from './console';
import { MARKER } from './guest-init';
import { KERNEL_BANNER } from './qemu';

export interface Marker {
  name: string;
  values: Record<string, string>;
  at: number;
  index: number;
}

export interface GuestPhase {
  name: string;
  startSeconds: number;
  endSeconds?: number;
  rc?: number;
  /** Console lines printed during the phase (kernel and shell). */
  output: string[];
}

export interface OopsReport {
  kind: string;
  /** The line that opened the report, without the printk time. */
  line: string;
  rip?: OopsLocation;
  trace: OopsLocation[];
  /** All lines of the report, for display. */
  lines: string[];
}

export interface TaintFlag {
  letter: string;
  meaning: string;
  /** Set by a kernel problem (as opposed to O/E, which every out-of-tree unsigned module sets). */
  problem: boolean;
}

export interface TaintInfo {
  value: number;
  flags: TaintFlag[];
}

export interface ConsoleSummary {
  /** Seconds from qemu start to the first kernel console line, if any. */
  kernelUpSeconds?: number;
  initStarted: boolean;
  loaded: boolean;
  unloaded: boolean;
  /** State in /proc/modules at the end ("absent", "Live", "Unloading", …). */
  finalModuleState?: string;
  oops: OopsReport[];
  taint?: TaintInfo;
  moduleMessages: string[];
  /** Kernel lines about the module that the module did not print itself (taint notices, unknown symbols). */
  kernelNotices: string[];
  phases: GuestPhase[];
  markers: Marker[];
}

/** Kernel taint bits (Documentation/admin-guide/tainted-kernels.rst). */
const TAINT_BITS: readonly TaintFlag[] = [
  { letter: 'P', meaning: 'proprietary module loaded', problem: false },
  { letter: 'F', meaning: 'module force-loaded', problem: false },
  { letter: 'S', meaning: 'SMP with non-SMP-safe CPU', problem: false },
  { letter: 'R', meaning: 'module force-unloaded', problem: false },
  { letter: 'M', meaning: 'machine check exception', problem: true },
  { letter: 'B', meaning: 'bad page referenced', problem: true },
  { letter: 'U', meaning: 'taint requested by user space', problem: false },
  { letter: 'D', meaning: 'kernel died recently (oops or BUG)', problem: true },
  { letter: 'A', meaning: 'ACPI table overridden', problem: false },
  { letter: 'W', meaning: 'kernel issued a warning', problem: true },
  { letter: 'C', meaning: 'staging driver loaded', problem: false },
  { letter: 'I', meaning: 'firmware bug workaround', problem: false },
  { letter: 'O', meaning: 'out-of-tree module loaded', problem: false },
  { letter: 'E', meaning: 'unsigned module loaded', problem: false },
  { letter: 'L', meaning: 'soft lockup occurred', problem: true },
  { letter: 'K', meaning: 'kernel live-patched', problem: false },
  { letter: 'X', meaning: 'auxiliary taint', problem: false },
  { letter: 'T', meaning: 'built with struct randomization', problem: false },
  { letter: 'N', meaning: 'in-kernel test run', problem: false },
];

export function decodeTaint(value: number): TaintInfo {
  return { value, flags: TAINT_BITS.filter((_, bit) => (value & (1 << bit)) !== 0) };
}

/** Kernel messages that open a problem report, with the kind reported to the user. */
const REPORT_OPENERS: readonly { kind: string; pattern: RegExp }[] = [
  { kind: 'kernel BUG', pattern: /^kernel BUG at / },
  { kind: 'KASAN', pattern: /^BUG: KASAN: / },
  { kind: 'BUG', pattern: /(?:^|: )BUG: / },
  { kind: 'Oops', pattern: /^Oops: / },
  { kind: 'general protection fault', pattern: /^general protection fault/ },
  { kind: 'WARNING', pattern: /^WARNING: CPU: / },
  { kind: 'panic', pattern: /^Kernel panic - not syncing/ },
  { kind: 'UBSAN', pattern: /^UBSAN: / },
  { kind: 'RCU stall', pattern: /rcu: INFO: rcu_\w+ detected stalls/ },
  { kind: 'hung task', pattern: /^INFO: task .* blocked for more than/ },
];
const REPORT_END = /^---\[ end (?:trace|Kernel panic)/;
/** After "end trace" the kernel prints the registers again and notes how the task died: still the same report. */
const REPORT_AFTERMATH = /^(?:RIP|RSP|RAX|RDX|RBP|R10|R13|FS|CS|CR2|DR[0-7]|PKRU|Code):|^note: \S+\[\d+\] exited with /;

/** Kernel-generated lines (about the module or unrelated): useful, but not the module's own output. */
const KERNEL_NOTICES: readonly RegExp[] = [
  /loading out-of-tree module taints kernel/,
  /module verification failed: signature and\/or required key missing/,
  /module license '.*' taints kernel/,
  /Disabling lock debugging due to kernel taint/,
  /: Unknown symbol /,
  /: disagrees about version of symbol /,
  /: \.gnu\.linkonce\.this_module section size must match/,
  /^Loading of unsigned module is rejected/,
  /: unknown parameter '.*' ignored$/,
  /' invalid for parameter `/,
  // Unrelated kernel chatter that can land in the insmod…rmmod window of a slow emulated guest.
  /^random: crng init done/,
  /^clocksource: /,
  /^tsc: /,
  /^hrtimer: interrupt took /,
  /^sched: RT throttling activated/,
];

/** Printed just before a WARNING or BUG report: belongs to the report, not to the module. */
const REPORT_PREAMBLE = /^-+\[ cut here \]-+$/;

/** Phases in which everything the kernel prints can be attributed to the module under test. */
const MODULE_PHASE = /^(?:insmod|settle|rmmod-\d+)$/;
const PRINTK_TIME = /^\s*\[\s*\d+\.\d+\]/;

export function parseMarker(text: string, at: number, index: number): Marker | undefined {
  const start = text.indexOf(`${MARKER} `);
  if (start < 0) return undefined;
  const [name, ...rest] = text
    .slice(start + MARKER.length + 1)
    .trim()
    .split(/\s+/);
  const values: Record<string, string> = {};
  for (const token of rest) {
    const eq = token.indexOf('=');
    if (eq > 0) values[token.slice(0, eq)] = token.slice(eq + 1);
  }
  return { name, values, at, index };
}

function collectPhases(lines: readonly ConsoleLine[], markers: readonly Marker[]): GuestPhase[] {
  const phases: GuestPhase[] = [];
  markers.forEach((marker, i) => {
    if (marker.name.endsWith('-done')) return;
    const next = markers[i + 1];
    const done = next?.name === `${marker.name}-done` ? next : undefined;
    const endIndex = next ? next.index : lines.length;
    const rc = done?.values.rc;
    phases.push({
      name: marker.name,
      startSeconds: marker.at,
      endSeconds: next ? next.at : lines.at(-1)?.at,
      ...(rc !== undefined && /^\d+$/.test(rc) ? { rc: Number(rc) } : {}),
      output: lines.slice(marker.index + 1, endIndex).map((l) => l.text),
    });
  });
  return phases;
}

function collectReports(kernelLines: readonly string[]): OopsReport[] {
  const reports: OopsReport[] = [];
  let current: (OopsReport & { ended: boolean; sawStack: boolean }) | undefined;
  let inTrace = false;
  for (const text of kernelLines) {
    const opener = REPORT_OPENERS.find(({ pattern }) => pattern.test(text));
    // "BUG: unable to handle page fault" is followed by "Oops: 0000 [#1]": one report, not two.
    const continuesCurrent = current && !current.ended && !current.sawStack && current.lines.length < 12;
    if (opener && !continuesCurrent) {
      current = { kind: opener.kind, line: text, trace: [], lines: [], ended: false, sawStack: false };
      reports.push(current);
      inTrace = false;
    }
    if (current?.ended && !opener && REPORT_AFTERMATH.test(text)) current.lines.push(text);
    if (!current || current.ended) continue;
    current.lines.push(text);
    if (/^Call Trace:/.test(text)) {
      inTrace = true;
      current.sawStack = true;
    } else if (/^RIP: /.test(text)) {
      current.sawStack = true;
      const location = parseOopsLine(text);
      if (location && !current.rip) current.rip = location;
    } else if (inTrace) {
      const location = parseOopsLine(text);
      if (location?.kind === 'frame') current.trace.push(location);
      if (/^<\/TASK>/.test(text)) inTrace = false;
    } else if (opener?.kind === 'WARNING' && !current.rip) {
      const location = parseOopsLine(text);
      if (location) current.rip = location;
    }
    if (REPORT_END.test(text)) current.ended = true;
  }
  return reports.map(({ kind, line, rip, trace, lines }) => ({ kind, line, ...(rip ? { rip } : {}), trace, lines }));
}

export function summarizeConsole(lines: readonly ConsoleLine[]): ConsoleSummary {
  const markers = lines.flatMap((line, index) => parseMarker(line.text, line.at, index) ?? []);
  const phases = collectPhases(lines, markers);
  const kernelLines = lines.filter((l) => PRINTK_TIME.test(l.text)).map((l) => stripPrintkPrefix(l.text));
  const oops = collectReports(kernelLines);
  const reportLines = new Set(oops.flatMap((report) => report.lines));

  const moduleMessages: string[] = [];
  const kernelNotices: string[] = [];
  for (const phase of phases.filter((p) => MODULE_PHASE.test(p.name))) {
    for (const text of phase.output.filter((t) => PRINTK_TIME.test(t)).map(stripPrintkPrefix)) {
      if (reportLines.has(text) || REPORT_PREAMBLE.test(text)) continue;
      (KERNEL_NOTICES.some((pattern) => pattern.test(text)) ? kernelNotices : moduleMessages).push(text);
    }
  }

  const endMarker = markers.find((m) => m.name === 'end');
  // Older logs (the research recordings) print "--- tainted=12416" instead of the end marker.
  const taintText = endMarker?.values.tainted ?? lines.map((l) => /^--- tainted=(\d+)/.exec(l.text)?.[1]).find(Boolean);
  const insmod = phases.find((p) => p.name === 'insmod');
  const loaded = insmod?.rc === 0;
  const anyRmmodSucceeded = phases.some((p) => /^rmmod-\d+$/.test(p.name) && p.rc === 0);
  const finalModuleState = endMarker?.values.module;
  const kernelUp = lines.find((l) => KERNEL_BANNER.test(l.text));

  return {
    ...(kernelUp ? { kernelUpSeconds: kernelUp.at } : {}),
    initStarted: markers.some((m) => m.name === 'init-start'),
    loaded,
    unloaded: loaded && (finalModuleState !== undefined ? finalModuleState === 'absent' : anyRmmodSucceeded),
    ...(finalModuleState !== undefined ? { finalModuleState } : {}),
    oops,
    ...(taintText ? { taint: decodeTaint(Number(taintText)) } : {}),
    moduleMessages,
    kernelNotices,
    phases,
    markers,
  };
}
