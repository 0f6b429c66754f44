// gdb's machine interface (MI3): parsing its output records, and a gdb process that answers one
// command at a time with a bound on how long it may take.
import { ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { findExecutable } from '../../../../shared/src/process';

export type MiValue = string | MiTuple | MiValue[];
export interface MiTuple {
  [name: string]: MiValue;
}

export type MiRecord =
  | { kind: 'result'; token?: number; resultClass: string; results: MiTuple }
  | { kind: 'exec' | 'status' | 'notify'; token?: number; asyncClass: string; results: MiTuple }
  | { kind: 'console' | 'target' | 'log'; text: string }
  | { kind: 'prompt' }
  | { kind: 'unparsed'; text: string };

const STREAM_KINDS: Readonly<Record<string, 'console' | 'target' | 'log'>> = { '~': 'console', '@': 'target', '&': 'log' };
const ASYNC_KINDS: Readonly<Record<string, 'exec' | 'status' | 'notify'>> = { '*': 'exec', '+': 'status', '=': 'notify' };
const C_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  e: '\x1b',
};

/** Parses one line of MI output. Never throws: a line it cannot read comes back as `unparsed`. */
export function parseMiLine(line: string): MiRecord {
  if (/^\(gdb\)\s*$/.test(line)) return { kind: 'prompt' };
  try {
    const stream = STREAM_KINDS[line[0]];
    if (stream) return { kind: stream, text: new MiReader(line, 1).cString() };
    const head = /^(\d*)([\^*+=])([a-zA-Z-]+)/.exec(line);
    if (!head) return { kind: 'unparsed', text: line };
    const token = head[1] ? Number(head[1]) : undefined;
    const reader = new MiReader(line, head[0].length);
    const results = reader.results();
    const withToken = token === undefined ? {} : { token };
    if (head[2] === '^') return { kind: 'result', ...withToken, resultClass: head[3], results };
    return { kind: ASYNC_KINDS[head[2]], ...withToken, asyncClass: head[3], results };
  } catch {
    return { kind: 'unparsed', text: line };
  }
}

class MiReader {
  constructor(
    private readonly text: string,
    private at: number,
  ) {}

  /** `,name=value,name=value` up to the end of the line. */
  results(): MiTuple {
    const tuple: MiTuple = {};
    while (this.text[this.at] === ',') {
      this.at++;
      const [name, value] = this.result();
      tuple[name] = value;
    }
    if (this.at !== this.text.length) throw new Error(`unexpected ${this.text.slice(this.at, this.at + 10)}`);
    return tuple;
  }

  private result(): [string, MiValue] {
    const name = /^[a-zA-Z0-9_-]+/.exec(this.text.slice(this.at))?.[0];
    if (!name || this.text[this.at + name.length] !== '=') throw new Error('expected name=');
    this.at += name.length + 1;
    return [name, this.value()];
  }

  private value(): MiValue {
    const open = this.text[this.at];
    if (open === '"') return this.cString();
    if (open === '{') {
      this.at++;
      const tuple: MiTuple = {};
      while (this.text[this.at] !== '}') {
        const [name, value] = this.result();
        tuple[name] = value;
        if (this.text[this.at] === ',') this.at++;
      }
      this.at++;
      return tuple;
    }
    if (open === '[') {
      this.at++;
      const list: MiValue[] = [];
      while (this.text[this.at] !== ']') {
        // Lists hold either values or name=value results (gdb's `bkpt={…},bkpt={…}` style).
        list.push(/^[a-zA-Z0-9_-]+=/.test(this.text.slice(this.at, this.at + 64)) ? this.result()[1] : this.value());
        if (this.text[this.at] === ',') this.at++;
        else if (this.text[this.at] !== ']') throw new Error('expected , or ]');
      }
      this.at++;
      return list;
    }
    throw new Error(`unexpected value at ${this.at}`);
  }

  cString(): string {
    if (this.text[this.at] !== '"') throw new Error('expected "');
    let out = '';
    for (let i = this.at + 1; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '"') {
        this.at = i + 1;
        return out;
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const next = this.text[++i];
      const octal = /^[0-7]{1,3}/.exec(this.text.slice(i, i + 3));
      if (octal) {
        out += String.fromCharCode(parseInt(octal[0], 8));
        i += octal[0].length - 1;
      } else out += C_ESCAPES[next] ?? next;
    }
    throw new Error('unterminated string');
  }
}

/** A string field of a record, or undefined when absent or not a string. */
export function miString(tuple: MiTuple | undefined, name: string): string | undefined {
  const value = tuple?.[name];
  return typeof value === 'string' ? value : undefined;
}

export function miTuple(value: MiValue | undefined): MiTuple | undefined {
  return value !== undefined && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

export function miList(value: MiValue | undefined): MiValue[] {
  return Array.isArray(value) ? value : [];
}

/** Quotes an argument for an MI command line (C string syntax). */
export function miQuote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

export class MiError extends Error {
  constructor(
    message: string,
    readonly command: string,
  ) {
    super(message);
  }
}

/** gdb stopped answering: the session cannot go on. */
export class MiTimeout extends Error {}

export interface MiAnswer {
  resultClass: string;
  results: MiTuple;
  /** Console stream output printed while the command ran (what `info symbol` and friends print). */
  console: string;
}

interface Pending {
  command: string;
  console: string;
  resolve: (answer: MiAnswer) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One gdb process in MI mode. `command()` sends a command with a token and resolves with its result
 * record; async records (`*stopped`, `=breakpoint-modified`) are emitted as 'async' events, stream
 * output outside commands as 'output'. A command that gets no answer within its timeout rejects with
 * MiTimeout and 'unresponsive' is emitted, so the caller can end the session instead of waiting.
 */
export class GdbMi extends EventEmitter {
  private readonly child: ChildProcess;
  private nextToken = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered = '';
  private exited = false;

  constructor(gdb: string, args: readonly string[] = [], options: { killWithParent?: boolean } = {}) {
    super();
    const argv = [gdb, '--interpreter=mi3', '-q', '-nx', ...args];
    // setpriv: if this process dies without a chance to clean up, the kernel kills gdb too.
    const setpriv = options.killWithParent ? findExecutable('setpriv') : undefined;
    if (setpriv) argv.unshift(setpriv, '--pdeathsig', 'KILL', '--');
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.receive(chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.emit('output', chunk, 'stderr'));
    this.child.on('error', (err) => this.fail(err));
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.fail(new Error(`gdb exited (${code ?? signal})`));
      this.emit('exit', code, signal);
    });
    this.child.stdin?.on('error', () => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  command(command: string, timeoutMs = 10_000): Promise<MiAnswer> {
    if (this.exited) return Promise.reject(new Error('gdb is not running'));
    const token = this.nextToken++;
    return new Promise<MiAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new MiTimeout(`gdb did not answer "${command}" within ${Math.round(timeoutMs / 1000)} s`));
        this.emit('unresponsive', command);
      }, timeoutMs);
      this.pending.set(token, { command, console: '', resolve, reject, timer });
      this.emit('trace', `→ ${token}${command}`);
      this.child.stdin?.write(`${token}${command}\n`);
    });
  }

  /** Like command() but resolves with the answer and rejects ^error with gdb's message. */
  async run(command: string, timeoutMs?: number): Promise<MiAnswer> {
    const answer = await this.command(command, timeoutMs);
    if (answer.resultClass === 'error') throw new MiError(miString(answer.results, 'msg') ?? 'error', command);
    return answer;
  }

  /** A gdb console command (`info symbol …`) and the text it printed. */
  async console(commandLine: string, timeoutMs?: number): Promise<string> {
    return (await this.run(`-interpreter-exec console ${miQuote(commandLine)}`, timeoutMs)).console;
  }

  /** Ends gdb: asks politely, then kills it after a short grace period. */
  async exit(graceMs = 2000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin?.write('-gdb-exit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline).replace(/\r$/, '');
      this.buffered = this.buffered.slice(newline + 1);
      if (line && line !== '(gdb) ') this.emit('trace', `← ${line}`);
      this.handle(parseMiLine(line));
    }
  }

  private handle(record: MiRecord): void {
    switch (record.kind) {
      case 'result': {
        const pending = record.token === undefined ? undefined : this.pending.get(record.token);
        if (!pending) return;
        this.pending.delete(record.token as number);
        clearTimeout(pending.timer);
        pending.resolve({ resultClass: record.resultClass, results: record.results, console: pending.console });
        return;
      }
      case 'exec':
      case 'status':
      case 'notify':
        this.emit('async', record);
        return;
      case 'console':
      case 'target':
      case 'log': {
        // Stream records belong to the oldest command still waiting (gdb runs them in order).
        const oldest = this.pending.values().next().value;
        if (oldest && record.kind === 'console') oldest.console += record.text;
        else if (!oldest) this.emit('output', record.text, record.kind);
        return;
      }
      case 'unparsed':
        // The inferior's output or gdb's own chatter outside MI.
        if (record.text) this.emit('output', `${record.text}\n`, 'target');
        return;
      case 'prompt':
        return;
    }
  }

  private fail(err: Error): void {
    for (const [token, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(err);
      this.pending.delete(token);
    }
  }
}
