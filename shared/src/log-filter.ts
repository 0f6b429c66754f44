// Filters kernel log lines down to one module: lines naming it (printk prefixes, "[hello_3]" in
// oops frames, "hello_3: loading out-of-tree module…"), lines containing one of the module's own
// message texts, and whole oops/BUG/WARNING reports that mention it anywhere. Pure.

export interface LogFilterOptions {
  /** Kernel module name (underscores); its dashed spelling also matches. */
  module: string;
  /** Further texts that select a line (e.g. the constant prefixes of the module's printk formats). */
  matches: readonly string[];
}

/** First line of a kernel report; the report runs until its "---[ end … ]---" line. */
const REPORT_START =
  /(?:\bBUG: |\bOops: |general protection fault|kernel BUG at|\bWARNING: CPU: |Kernel panic - not syncing|Unable to handle kernel|\bwatchdog: BUG: soft lockup|\bINFO: task .* blocked for more than)/;
const REPORT_END = /---\[ end (?:trace|Kernel panic)/;
/** Reports longer than this are not buffered further (and dropped if they never name the module). */
const MAX_REPORT_LINES = 400;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class KernelLogFilter {
  private readonly mention: RegExp;
  private readonly matches: readonly string[];
  private report: string[] | undefined;
  /** Inside a report that named the module: print until its end. */
  private passingReport = false;

  constructor(options: LogFilterOptions) {
    const names = [...new Set([options.module, options.module.replace(/_/g, '-')])].map(escapeRegExp);
    this.mention = new RegExp(`(?<![A-Za-z0-9_])(?:${names.join('|')})(?![A-Za-z0-9_])`);
    this.matches = options.matches.filter((m) => m.length > 0);
  }

  private selects(line: string): boolean {
    return this.mention.test(line) || this.matches.some((m) => line.includes(m));
  }

  /** Lines to print now for one input line (a buffered report is released when it names the module). */
  accept(line: string): string[] {
    if (this.passingReport) {
      if (REPORT_END.test(line)) this.passingReport = false;
      return [line];
    }
    if (this.report) {
      this.report.push(line);
      if (this.selects(line)) {
        const released = this.report;
        this.report = undefined;
        this.passingReport = !REPORT_END.test(line);
        return released;
      }
      if (REPORT_END.test(line) || this.report.length > MAX_REPORT_LINES) this.report = undefined;
      return [];
    }
    if (REPORT_START.test(line)) {
      if (this.selects(line)) {
        this.passingReport = true;
        return [line];
      }
      this.report = [line];
      return [];
    }
    return this.selects(line) ? [line] : [];
  }
}

/** printk-style calls whose first string literal is the message format. */
const PRINTK_CALL =
  /\b(?:printk|pr_(?:emerg|alert|crit|err|warn|warning|notice|info|debug|cont)|dev_(?:emerg|alert|crit|err|warn|notice|info|dbg))\s*\(\s*(?:[^,()"]+,\s*)?(?:KERN_[A-Z]+\s*)?"((?:[^"\\]|\\.)*)"/g;
/** Shorter constant texts would select unrelated kernel lines. */
const MIN_MATCH_LENGTH = 6;

/**
 * The constant beginnings of a module's printk messages ("Hello, world" from
 * `printk(KERN_INFO "Hello, world %d\n", …)`): the kernel log lines the module itself prints.
 */
export function messagePrefixesFromSource(source: string): string[] {
  const prefixes = new Set<string>();
  for (const match of source.matchAll(PRINTK_CALL)) {
    const constant = match[1].split(/%|\\/)[0].trim();
    if (constant.length >= MIN_MATCH_LENGTH) prefixes.add(constant);
  }
  return [...prefixes];
}
