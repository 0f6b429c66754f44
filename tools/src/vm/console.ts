// Turns the raw serial byte stream into clean text lines. SeaBIOS and the boot code send terminal
// resets (ESC c) and CSI sequences (ESC [ … final byte) that would garble a log or an output panel.

/* eslint-disable no-control-regex -- terminal escape sequences are made of control characters */
const TERMINAL_CONTROLS: readonly RegExp[] = [
  /\x1b\[[0-?]*[ -/]*[@-~]/g, // CSI: ESC [ params intermediates final
  /\x1b[ -/]*[0-~]/g, // other escapes: ESC c (reset), ESC 7, ESC ( B …
  /[\x00-\x08\x0b-\x1f\x7f]/g, // remaining control characters except tab and newline (\r too)
];
/* eslint-enable no-control-regex */

export function stripTerminalControls(text: string): string {
  return TERMINAL_CONTROLS.reduce((result, pattern) => result.replace(pattern, ''), text);
}

export interface ConsoleLine {
  text: string;
  /** Seconds since qemu started when the line was complete. */
  at: number;
}

/** Accumulates chunks and emits complete, cleaned lines. An escape split across chunks is kept whole. */
export class LineSplitter {
  private pending = '';

  constructor(private readonly emit: (text: string) => void) {}

  push(chunk: string): void {
    this.pending += chunk;
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      this.emit(stripTerminalControls(this.pending.slice(0, newline)));
      this.pending = this.pending.slice(newline + 1);
    }
  }

  flush(): void {
    if (this.pending) this.emit(stripTerminalControls(this.pending));
    this.pending = '';
  }
}
