// Every program parses its arguments with Node's util.parseArgs (strict: unknown options are
// errors); this adds the task wrappers' `options… -- command…` form and one error type.

export class UsageError extends Error {}

/** Runs a util.parseArgs call, turning its errors (unknown option, missing value) into UsageError. */
export function parseOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * `options… -- command…`: the options before the first `--`, parsed by `parse` (a util.parseArgs
 * call), and the command after it; a usage problem comes back as its message.
 */
export function parseWithCommand<T>(
  argv: readonly string[],
  parse: (options: string[]) => T,
): { parsed: T; command: string[] } | { problem: string } {
  const at = argv.indexOf('--');
  const options = at < 0 ? [...argv] : argv.slice(0, at);
  const command = at < 0 ? [] : argv.slice(at + 1);
  try {
    return { parsed: parse(options), command };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

/** A value option for a program's command line, as `--name=value` so a value starting with `-` stays a value. */
export function optionArg(name: string, value: string): string {
  return `--${name}=${value}`;
}
