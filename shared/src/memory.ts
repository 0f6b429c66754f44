// Gives garbage back to the system after a burst (a header scan reads a few hundred MB of text;
// an index run makes the facts of thousands of files). V8 collects on its own schedule and keeps
// the pages it grew into for a while; a full collection when the burst is over returns them.

import * as v8 from 'node:v8';
import * as vm from 'node:vm';

let collect: (() => void) | undefined;

/** A full garbage collection now (no-op where the runtime refuses). */
export function releaseGarbage(): void {
  try {
    if (!collect) {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    }
    collect();
  } catch {
    collect = () => undefined;
  }
}
