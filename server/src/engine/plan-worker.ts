// Worker thread: plans the background index (index-plan.ts) and sends the plan back.

import { parentPort, workerData } from 'node:worker_threads';
import { planIndex, type PlanRequest } from './index-plan';

parentPort?.postMessage(planIndex(workerData as PlanRequest));
