// Parses the code locations of a kernel oops: "RIP: 0010:hello_3_exit+0x0/0x1000 [hello_3]",
// Call Trace frames " ? __do_sys_delete_module+0x1b9/0x330", and "WARNING: CPU: 0 PID: 1 at file.c:12 f+0x5/0x20 [m]".

export type OopsLineKind = 'rip' | 'frame' | 'warning';

export interface OopsLocation {
  kind: OopsLineKind;
  /** Symbol as printed, including suffixes such as ".cold" or ".isra.0". */
  function: string;
  /** Byte offset of the address inside the function. */
  offset: number;
  /** Size of the function in bytes, as printed after the slash. */
  size: number;
  /** Module name in brackets; undefined for code in the kernel image itself. */
  module?: string;
  /** False for "? func+…" frames, which the unwinder only guessed. */
  reliable: boolean;
  /** For WARNING lines: the file:line the kernel printed itself. */
  reportedSource?: { file: string; line: number };
}

/** printk time "[    2.807902] " and optional caller id "[  T96] ". */
const PRINTK_PREFIX = /^\s*(?:\[\s*\d+\.\d+\]\s*)?(?:\[\s*[CT]\d+\]\s*)?/;
const SYMBOL = String.raw`([A-Za-z_.$][\w.$]*)\+0x([0-9a-fA-F]+)\/0x([0-9a-fA-F]+)(?:\s+\[([\w]+)(?:\s+[0-9a-fA-F]+)?\])?`;

const LINE_FORMATS: readonly { kind: OopsLineKind; pattern: RegExp }[] = [
  { kind: 'rip', pattern: new RegExp(String.raw`^RIP:\s*[0-9a-fA-F]{4}:(?:\[<[0-9a-fA-F]+>\]\s*)*${SYMBOL}`) },
  { kind: 'warning', pattern: new RegExp(String.raw`^WARNING: CPU: \d+ PID: \d+ at (\S+):(\d+) ${SYMBOL}`) },
  { kind: 'frame', pattern: new RegExp(String.raw`^(?:\[<[0-9a-fA-F]+>\]\s*)*(\? )?${SYMBOL}\s*$`) },
];

/** Strips the printk timestamp prefix from a console line. */
export function stripPrintkPrefix(line: string): string {
  return line.replace(PRINTK_PREFIX, '');
}

export function parseOopsLine(line: string): OopsLocation | undefined {
  const text = stripPrintkPrefix(line).trimEnd();
  for (const { kind, pattern } of LINE_FORMATS) {
    const match = pattern.exec(text);
    if (!match) continue;
    // The symbol groups are the last four of every pattern.
    const [fn, offset, size, module] = match.slice(-4);
    const location: OopsLocation = {
      kind,
      function: fn,
      offset: parseInt(offset, 16),
      size: parseInt(size, 16),
      module: module || undefined,
      reliable: !(kind === 'frame' && match[1] === '? '),
    };
    if (kind === 'warning') location.reportedSource = { file: match[1], line: Number(match[2]) };
    return location;
  }
  return undefined;
}
