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

/** `options… -- command…`: the arguments before the first `--` and the command after it. */
export function splitAtCommand(argv: readonly string[]): { options: string[]; command: string[] } {
  const at = argv.indexOf('--');
  return at < 0 ? { options: [...argv], command: [] } : { options: argv.slice(0, at), command: argv.slice(at + 1) };
}

/** A value option for a program's command line, as `--name=value` so a value starting with `-` stays a value. */
export function optionArg(name: string, value: string): string {
  return `--${name}=${value}`;
}
