// Where tests find the repository: they run from out/, compiled beside their sources.
import * as path from 'node:path';

/** The repository root (this file runs as out/test/support/paths.js). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
