// Worker thread: plans the background index (index-plan.ts), or finds the .c files unlisted ones
// include, and sends the answer back.

import { parentPort, workerData } from 'node:worker_threads';
import { planIndex, type IncludedRequest, type PlanRequest } from './index-plan';
import { lowerThreadPriority } from './thread-priority';
import { includedByText } from './units';

// Only the background index asks: the editor's work goes first.
lowerThreadPriority();

const request = workerData as PlanRequest | IncludedRequest;
if ('includedBy' in request) void includedByText(request.includedBy).then((uris) => parentPort?.postMessage([...uris]));
else parentPort?.postMessage(planIndex(request));
