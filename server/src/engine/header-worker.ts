// Worker thread: scans a build dir's headers (header-symbols.ts, header-names.ts), or reads the
// tables from their cache (header-cache.ts), and sends back the compact result; the text it read
// dies with the thread.

import { parentPort, workerData } from 'node:worker_threads';
import { namesTable } from './header-names';
import { symbolsTable, type HeaderScanRequest } from './header-symbols';

/** The typed arrays' memory, moved to the other thread rather than copied (made here: never shared). */
const buffersOf = (...arrays: ArrayBufferView[]): ArrayBuffer[] => arrays.map((array) => array.buffer as ArrayBuffer);

async function run(request: HeaderScanRequest): Promise<void> {
  if (request.task === 'names') {
    const parts = await namesTable(request);
    parentPort?.postMessage(parts, buffersOf(parts.index.starts, parts.index.slots, parts.fileOf, parts.lineOf));
  } else {
    const parts = await symbolsTable(request);
    parentPort?.postMessage(parts, buffersOf(parts.index.starts, parts.index.slots, parts.kinds, parts.externAt));
  }
}

void run(workerData as HeaderScanRequest);
