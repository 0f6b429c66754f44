// printk, the KERN_* levels and the pr_*/dev_* printers with their _once/_ratelimited forms, from
// include/linux/printk.h, include/linux/kern_levels.h, include/linux/dev_printk.h and
// include/linux/dynamic_debug.h.

import type { MacroDoc } from './types';
import { paragraphs } from './wording';

interface LevelRow {
  level: 'EMERG' | 'ALERT' | 'CRIT' | 'ERR' | 'WARNING' | 'NOTICE' | 'INFO' | 'DEBUG';
  number: number;
  meaning: string;
  /** pr_* / dev_* suffix for this level. */
  suffix: string;
  /** dev_* suffix (dev_dbg for DEBUG). */
  devSuffix: string;
}

const LEVELS: LevelRow[] = [
  { level: 'EMERG', number: 0, meaning: 'the system is unusable', suffix: 'emerg', devSuffix: 'emerg' },
  { level: 'ALERT', number: 1, meaning: 'action must be taken immediately', suffix: 'alert', devSuffix: 'alert' },
  { level: 'CRIT', number: 2, meaning: 'critical condition', suffix: 'crit', devSuffix: 'crit' },
  { level: 'ERR', number: 3, meaning: 'error condition', suffix: 'err', devSuffix: 'err' },
  { level: 'WARNING', number: 4, meaning: 'warning condition', suffix: 'warn', devSuffix: 'warn' },
  { level: 'NOTICE', number: 5, meaning: 'normal but significant condition', suffix: 'notice', devSuffix: 'notice' },
  { level: 'INFO', number: 6, meaning: 'informational message', suffix: 'info', devSuffix: 'info' },
  { level: 'DEBUG', number: 7, meaning: 'debug-level message', suffix: 'debug', devSuffix: 'dbg' },
];

const CONSOLE_TEXT =
  'All messages go to the kernel log buffer (`dmesg`, `journalctl -k`). Only messages whose level number is lower than the console log level reach the console; the usual default console level is 7, so level 7 (debug) is not shown there, and the `quiet` boot option lowers it to 4.';

const DYNAMIC_DEBUG_TEXT = paragraphs(
  'Which code is generated depends on the build: (1) if `DEBUG` is defined for the file (`#define DEBUG` before the includes, or `ccflags-y += -DDEBUG`), the message is always compiled in and printed at KERN_DEBUG; (2) otherwise, with CONFIG_DYNAMIC_DEBUG (or CONFIG_DYNAMIC_DEBUG_CORE plus `-DDYNAMIC_DEBUG_MODULE`), each call site is compiled in but **off** until enabled at run time; (3) otherwise it compiles to nothing, while the arguments are still type-checked.',
  '**Dynamic debug**: enable call sites with `echo \'module mymod +p\' > /proc/dynamic_debug/control` (or `<debugfs>/dynamic_debug/control`), per file/function/line too (`file foo.c line 42 +p`). Flags: `p` print, `f` function name, `l` line number, `m` module name, `t` thread id. At load time: `modprobe mymod dyndbg=+p`; at boot: `dyndbg="module mymod +p"` or `mymod.dyndbg=+p`. `cat /proc/dynamic_debug/control` lists every site and its state.',
  'Even when enabled, the message has level 7 and is therefore usually only visible in `dmesg`, not on the console.',
);

export function kernLevels(): MacroDoc[] {
  const docs: MacroDoc[] = LEVELS.map((row) => ({
    name: `KERN_${row.level}`,
    category: 'printk' as const,
    summary: `Log level ${row.number} (${row.meaning}): prefix for printk() format strings.`,
    details: paragraphs(
      `Expands to the string \`"\\001${row.number}"\` (the start-of-header byte followed by the digit ${row.number}). It is concatenated with the format string, **without a comma**: \`printk(KERN_${row.level} "text\\n");\`. The \`pr_${row.suffix}()\` helper does the same with \`pr_fmt\` applied.`,
      CONSOLE_TEXT,
    ),
    mistakes: [
      `Writing a comma after it: \`printk(KERN_${row.level}, "...")\` passes the level as the format string.`,
      'Forgetting the trailing `\\n`.',
    ],
    versionNotes: `Level number ${row.number} unchanged from 6.1 to 7.x (the integer form is LOGLEVEL_${row.level}).`,
  }));
  docs.push(
    {
      name: 'KERN_DEFAULT',
      category: 'printk',
      summary: 'Explicitly requests the default log level (an empty string in current kernels).',
      details: paragraphs(
        'Messages with no level, or with KERN_DEFAULT, get the default message level set by CONFIG_MESSAGE_LOGLEVEL_DEFAULT (normally 4, warning). Prefer an explicit level or a `pr_*()` helper.',
        CONSOLE_TEXT,
      ),
      versionNotes: 'An empty string `""` in 6.1–7.x.',
    },
    {
      name: 'KERN_CONT',
      category: 'printk',
      summary: 'Marks a printk() that continues the previous line instead of starting a new record.',
      details: paragraphs(
        'Expands to `"\\001c"`. Every printk without KERN_CONT starts a new line, so building one line from several calls needs KERN_CONT (or `pr_cont()`) on every continuation piece, and the previous piece must not end in `\\n`.',
        'Continuations are not atomic: messages from other CPUs can land in between. Prefer building the whole line in a buffer and printing once.',
      ),
      mistakes: ['Relying on continuation lines in code that runs concurrently on several CPUs.'],
      versionNotes: 'Unchanged from 6.1 to 7.x.',
    },
    {
      name: 'KERN_SOH',
      category: 'printk',
      summary: 'The "start of header" byte `"\\001"` that begins every KERN_* level prefix.',
      details: paragraphs(
        'printk() recognises a level by this byte followed by a digit (`0`–`7`) or `c` (continuation). Code rarely uses it directly.',
      ),
      versionNotes: 'Unchanged from 6.1 to 7.x.',
    },
  );
  return docs;
}

const PR_FMT_TEXT =
  'The format string is passed through `pr_fmt(fmt)` first, so a file that defines `#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt` before its includes gets a module-name prefix on every message.';

export function prLevelDocs(): MacroDoc[] {
  return LEVELS.map((row) => {
    const name = `pr_${row.suffix}`;
    const isDebug = row.level === 'DEBUG';
    const doc: MacroDoc = {
      name,
      category: 'printk',
      signature: `${name}(fmt, ...)`,
      summary: isDebug
        ? 'Prints a debug message (level 7) — compiled in only with DEBUG or controlled at run time by dynamic debug.'
        : `Prints a message at log level ${row.number} (KERN_${row.level}, ${row.meaning}) with \`pr_fmt\` applied.`,
      details: isDebug
        ? paragraphs(PR_FMT_TEXT, DYNAMIC_DEBUG_TEXT)
        : paragraphs(
            `Shorthand for \`printk(KERN_${row.level} pr_fmt(fmt), ...)\`. ${PR_FMT_TEXT}`,
            CONSOLE_TEXT,
            'When a `struct device` is at hand, prefer `dev_' + row.devSuffix + '()`, which also names the device.',
          ),
      mistakes: isDebug
        ? [
            'Expecting output without enabling it: with dynamic debug the site is off by default, without it and without DEBUG the call is compiled out.',
            'Defining DEBUG after the includes: the macros were already chosen.',
            'Looking for the output on the console instead of in `dmesg` (level 7 is below the default console level).',
          ]
        : [
            'Forgetting the trailing `\\n`.',
            'Defining `pr_fmt` after the `#include` lines (redefinition warning; earlier uses are unaffected).',
          ],
      versionNotes: isDebug
        ? 'Unchanged in principle from 6.1 to 7.x; `/proc/dynamic_debug/control` exists in both.'
        : row.level === 'WARNING'
          ? 'The old spelling `pr_warning()` was removed around v5.5; use `pr_warn()`.'
          : 'Unchanged from 6.1 to 7.x.',
    };
    return doc;
  });
}

interface PrintVariantRow {
  name: string;
  level: string;
  kind: 'once' | 'ratelimited';
}

export function prVariantRows(): PrintVariantRow[] {
  const once = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
  const limited = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
  return [
    ...once.map((level) => ({ name: `pr_${level}_once`, level, kind: 'once' as const })),
    ...limited.map((level) => ({ name: `pr_${level}_ratelimited`, level, kind: 'ratelimited' as const })),
  ];
}

export function printVariantDocs(prefix: 'pr' | 'dev', rows: PrintVariantRow[]): MacroDoc[] {
  return rows.map((row) => {
    const base = `${prefix}_${row.level}`;
    const signature = prefix === 'pr' ? `${row.name}(fmt, ...)` : `${row.name}(dev, fmt, ...)`;
    const isDebug = row.level === 'debug' || row.level === 'dbg';
    const what =
      row.kind === 'once'
        ? `Like \`${base}()\`, but prints only the first time this call site is reached (a static flag per call site).`
        : `Like \`${base}()\`, but drops messages when this call site prints too often (by default more than 10 messages in 5 seconds), then reports how many were suppressed.`;
    return {
      name: row.name,
      category: 'printk' as const,
      signature,
      summary: what,
      details: paragraphs(
        row.kind === 'once'
          ? 'The flag is a hidden static variable per call site. Reloading a module gives it a fresh flag, so the message can appear once per load.'
          : 'Use it for messages that can be triggered from user space or by hardware at high rates, so that the log cannot be flooded.',
        isDebug
          ? 'Debug variants follow the same rules as the base debug macro: compiled in only with DEBUG or dynamic debug.'
          : CONSOLE_TEXT,
      ),
      versionNotes: 'Unchanged from 6.1 to 7.x.',
    };
  });
}

export const PRINTK_MISC: MacroDoc[] = [
  {
    name: 'printk',
    category: 'printk',
    signature: 'printk(KERN_<LEVEL> "fmt", ...)',
    summary: 'Writes a formatted message into the kernel log buffer.',
    details: paragraphs(
      'The first bytes of the format may be a level prefix (KERN_EMERG … KERN_DEBUG, numbers 0–7, or KERN_CONT); without one the message gets the default level (CONFIG_MESSAGE_LOGLEVEL_DEFAULT, normally 4). It supports the usual printf conversions plus kernel extensions such as `%pS` (symbol), `%pe` (error pointer name) and `%*ph` (hex dump). It can be called from almost any context, including interrupts.',
      CONSOLE_TEXT,
      'Modern code prefers the `pr_*()` and `dev_*()` helpers, which add the level and a prefix.',
    ),
    mistakes: [
      'A comma between the level and the format: `printk(KERN_INFO, "...")`.',
      'Forgetting the trailing `\\n`: the message may be held back until the next line arrives.',
      'Printing kernel addresses with `%p` and expecting real values: plain `%p` is hashed.',
    ],
    versionNotes:
      'Unchanged in use from 6.1 to 7.x (the console/printing backend was reworked in newer kernels, without changing the API).',
  },
  {
    name: 'pr_cont',
    category: 'printk',
    signature: 'pr_cont(fmt, ...)',
    summary: 'Continues the previous message line (KERN_CONT); `pr_fmt` is not applied.',
    details: paragraphs(
      'Shorthand for `printk(KERN_CONT fmt, ...)`. The previous piece must not have ended with `\\n`. Continuation lines are not atomic on SMP: other messages can interleave.',
    ),
    mistakes: ['Using it in code that runs concurrently; build the line in a buffer instead.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'pr_devel',
    category: 'printk',
    signature: 'pr_devel(fmt, ...)',
    summary: 'Debug message (level 7) that exists only when DEBUG is defined; never controlled by dynamic debug.',
    details: paragraphs(
      'With DEBUG defined it prints like `printk(KERN_DEBUG pr_fmt(fmt), ...)`; without DEBUG it compiles to nothing (arguments still type-checked), regardless of CONFIG_DYNAMIC_DEBUG. Use `pr_debug()` if you want run-time control.',
    ),
    mistakes: ['Expecting dynamic debug to enable it.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'pr_fmt',
    category: 'printk',
    signature: '#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt',
    summary: 'User-definable macro that rewrites the format string of every `pr_*()` call in the file, typically to add a prefix.',
    details: paragraphs(
      '`<linux/printk.h>` defines it as plain `fmt` only if it is not defined yet. Define your own **before any `#include`**, so that it is in place when the headers are processed.',
      'It applies to all `pr_*()` helpers (including `pr_debug()` and the `_once`/`_ratelimited` forms) but not to a bare `printk()`, and not to `dev_*()` (those use `dev_fmt`).',
    ),
    mistakes: [
      'Defining it after the includes: the compiler warns that `pr_fmt` is redefined.',
      'Forgetting the `fmt` at the end of the definition, which swallows the message.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'no_printk',
    category: 'printk',
    signature: 'no_printk(fmt, ...)',
    summary: 'Prints nothing, but lets the compiler check the format string and arguments.',
    details: paragraphs(
      'Used by the debug macros when they are compiled out, so that broken format strings are still caught in every configuration.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'printk_once',
    category: 'printk',
    signature: 'printk_once(KERN_<LEVEL> "fmt", ...)',
    summary: 'Like `printk()`, but only the first time this call site is reached.',
    details: paragraphs('Uses a per-call-site static flag. Prefer the `pr_*_once()` forms, which add a level and `pr_fmt`.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'printk_ratelimited',
    category: 'printk',
    signature: 'printk_ratelimited(KERN_<LEVEL> "fmt", ...)',
    summary: 'Like `printk()`, but drops messages when this call site prints too often.',
    details: paragraphs('Default limit: 10 messages per 5 seconds per call site. Prefer the `pr_*_ratelimited()` forms.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
];

const DEV_PREFIX_TEXT =
  'The message is prefixed with the driver name and the device name (e.g. `e1000e 0000:00:19.0: ...`), which makes logs from several devices of one driver distinguishable. `dev` is a `struct device *`, typically `&pdev->dev` or `&client->dev`. A file can define `dev_fmt(fmt)` to rewrite the format (pr_fmt is not used).';

export function devLevelDocs(): MacroDoc[] {
  return LEVELS.map((row) => {
    const name = `dev_${row.devSuffix}`;
    const isDebug = row.level === 'DEBUG';
    return {
      name,
      category: 'printk' as const,
      signature: `${name}(dev, fmt, ...)`,
      summary: isDebug
        ? 'Device debug message (level 7) — compiled in only with DEBUG or controlled at run time by dynamic debug.'
        : `Prints a device message at log level ${row.number} (KERN_${row.level}, ${row.meaning}), prefixed with driver and device name.`,
      details: isDebug ? paragraphs(DEV_PREFIX_TEXT, DYNAMIC_DEBUG_TEXT) : paragraphs(DEV_PREFIX_TEXT, CONSOLE_TEXT),
      mistakes: [
        'Passing a NULL or not-yet-initialised device: the prefix becomes `(NULL device *)` or empty.',
        'Forgetting the trailing `\\n`.',
        ...(isDebug ? ['Expecting output without DEBUG or without enabling the call site through dynamic debug.'] : []),
      ],
      versionNotes: 'Unchanged from 6.1 to 7.x.',
    };
  });
}

export function devVariantRows(): PrintVariantRow[] {
  const levels = ['err', 'warn', 'notice', 'info', 'dbg'];
  return [
    ...levels.map((level) => ({ name: `dev_${level}_once`, level, kind: 'once' as const })),
    ...levels.map((level) => ({ name: `dev_${level}_ratelimited`, level, kind: 'ratelimited' as const })),
  ];
}

export const DEV_MISC: MacroDoc[] = [
  {
    name: 'dev_printk',
    category: 'printk',
    signature: 'dev_printk(KERN_<LEVEL>, dev, fmt, ...)',
    summary: 'Device-prefixed printk with an explicit level argument (here the level *is* a separate argument).',
    details: paragraphs(DEV_PREFIX_TEXT, 'Normally you use the level-specific `dev_err()`, `dev_info()`, … instead.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'dev_vdbg',
    category: 'printk',
    signature: 'dev_vdbg(dev, fmt, ...)',
    summary: 'Verbose debug message: `dev_dbg()` when VERBOSE_DEBUG is defined, otherwise compiled out.',
    details: paragraphs(
      'For very chatty debug output that should not even be available through dynamic debug unless the file is built with `-DVERBOSE_DEBUG`.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'dev_fmt',
    category: 'printk',
    signature: '#define dev_fmt(fmt) "prefix: " fmt',
    summary: 'User-definable macro that rewrites the format string of `dev_*()` calls in the file (the device counterpart of pr_fmt).',
    details: paragraphs('Defaults to plain `fmt`. Define it before the includes. `dev_dbg()` uses it too.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'dev_err_probe',
    category: 'printk',
    signature: 'dev_err_probe(dev, err, fmt, ...)',
    summary: 'Reports a probe failure and returns `err`; stays quiet for `-EPROBE_DEFER` and records the deferral reason instead.',
    details: paragraphs(
      'Meant for probe error paths: `return dev_err_probe(dev, PTR_ERR(clk), "failed to get clock\\n");`. For `-EPROBE_DEFER` it only logs at debug level and stores the message as the deferral reason, visible in `/sys/kernel/debug/devices_deferred`; for other errors it prints like `dev_err()` with the error code in front of the message (e.g. `error -ENODEV: ...`).',
      'The return value is `err`, so it fits into a `return` statement.',
    ),
    mistakes: ['Using it outside probe paths, where `-EPROBE_DEFER` has no meaning.', 'Calling it when `err` is 0.'],
    versionNotes:
      'Available since 5.9, so in all of 6.1–7.x. From about 6.11 it prints nothing for `-ENOMEM` (allocation failures already log). Newer kernels also offer `dev_warn_probe()` and helpers that return an ERR_PTR.',
  },
  {
    name: 'dev_warn_probe',
    category: 'printk',
    signature: 'dev_warn_probe(dev, err, fmt, ...)',
    summary: 'Like `dev_err_probe()`, but reports non-deferral errors at warning level.',
    details: paragraphs('Same `-EPROBE_DEFER` handling as `dev_err_probe()`; returns `err`.'),
    mistakes: ['Using it on 6.1–6.10 kernels, where it does not exist (unless backported by the distribution).'],
    versionNotes: 'Added in the 6.11/6.12 time frame (exact release unverified; also backported to some stable trees). Not in 6.1.0.',
  },
];
