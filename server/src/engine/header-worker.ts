// Worker thread: scans a build dir's headers (header-symbols.ts, header-names.ts) and sends back
// the compact result; the text it read dies with the thread.

import { parentPort, workerData } from 'node:worker_threads';
import { scanHeaderNames } from './header-names';
import { scanHeaderSymbols, type HeaderScanRequest } from './header-symbols';

/** The typed arrays' memory, moved to the other thread rather than copied (made here: never shared). */
const buffersOf = (...arrays: ArrayBufferView[]): ArrayBuffer[] => arrays.map((array) => array.buffer as ArrayBuffer);

async function run(request: HeaderScanRequest): Promise<void> {
  if (request.task === 'names') {
    const parts = (await scanHeaderNames(request.kdir)).parts;
    parentPort?.postMessage(parts, buffersOf(parts.index.starts, parts.index.slots, parts.fileOf, parts.lineOf));
  } else {
    const parts = (await scanHeaderSymbols(request.kdir, request.config)).parts;
    parentPort?.postMessage(parts, buffersOf(parts.index.starts, parts.index.slots, parts.kinds, parts.externAt));
  }
}

void run(workerData as HeaderScanRequest);
