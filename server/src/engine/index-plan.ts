// What the background index has to do: the workspace's C files (a walk of its folders) grouped
// into modules by their Kbuild files. On a kernel tree that is 32,000 files and 15,000 Makefiles
// read, about a second of work, done in a worker thread of its own so that the editor's first
// requests (an opened file's diagnostics, hovers) are answered meanwhile.

import * as path from 'node:path';
import { inWorker } from './in-worker';
import type { KbuildModule } from '../../../shared/src/kbuild';
import { findCSources, groupIntoModules } from './project';
import { includedByText } from './units';

export interface IndexPlan {
  /** The C files to index, at most `maxFiles` of them. */
  files: string[];
  modules: KbuildModule[];
  /** Folders and files that could not be read, for the log. */
  errors: string[];
  /** How many C files the folders hold (more than `files` when the limit cut them). */
  found: number;
}

/** Which .c files other (unlisted) .c files include: the reading of thousands of files, off the server's thread. */
export interface IncludedRequest {
  includedBy: readonly string[];
}

export interface PlanRequest {
  folders: readonly string[];
  /** Directory names never entered. */
  excludedDirs: readonly string[];
  maxFiles: number;
}

/** Plans the index in this thread. */
export function planIndex(request: PlanRequest): IndexPlan {
  const errors: string[] = [];
  const excluded = new Set(request.excludedDirs);
  const all = request.folders.flatMap((folder) => findCSources(folder, errors, excluded));
  const files = all.length > request.maxFiles ? all.slice(0, request.maxFiles) : all;
  return { files, modules: groupIntoModules(files), errors, found: all.length };
}

/**
 * Plans the index in a worker thread (`script`: plan-worker.js beside this file, bundled or
 * not); in this thread if the worker cannot start or dies.
 */
export function planIndexInWorker(request: PlanRequest, script = path.join(__dirname, 'plan-worker.js')): Promise<IndexPlan> {
  return inWorker(
    script,
    request,
    (plan) => plan as IndexPlan,
    () => planIndex(request),
  );
}

/**
 * includedByText in a worker thread (the plan's script: the awaits of thousands of reads took the
 * server's thread for a second and more on a kernel tree); in this thread if the worker cannot start.
 */
export function includedInWorker(files: readonly string[], script = path.join(__dirname, 'plan-worker.js')): Promise<Set<string>> {
  const request: IncludedRequest = { includedBy: files };
  return inWorker(
    script,
    request,
    (uris) => new Set(uris as string[]),
    () => includedByText(files),
  );
}
