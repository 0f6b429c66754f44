// The text-scan floor: ripgrep (Debian's `ripgrep`) counting `__init|__exit` over the same files
// the index reads, on one thread. It reads every byte and matches a regex, nothing more, so an
// index ratio against it says what our parsing and checking cost over plain text scanning.
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT } from './common.mjs';

/** ripgrep has no --files-from; this many paths per call stays far below ARG_MAX. */
const FILES_PER_CALL = 2000;

const hasRg = () => spawnSync('rg', ['--version'], { stdio: 'ignore' }).status === 0;

/** rg on PATH, installed through setup-system.sh's bench group when it is not. */
export function ensureRipgrep(log) {
  if (hasRg()) return;
  log('ripgrep is missing: installing it (scripts/setup-system.sh bench)');
  const setup = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'setup-system.sh'), 'bench'], { stdio: ['ignore', 2, 2] });
  if (setup.status !== 0 || !hasRg()) throw new Error('cannot install Debian package ripgrep (scripts/setup-system.sh bench)');
}

/**
 * Wall time of `rg -j1 --count-matches '__init|__exit'` over `files` (summed over the calls the
 * list needs), with the number of matches as a check that it read them all. The first pass warms
 * the page cache like the index phases' warm-up; the second is timed.
 */
export function measureRgFloor(files) {
  const args = ['-j1', '--no-config', '--count-matches', '--no-filename', '--no-messages', '-e', '__init|__exit', '--'];
  const pass = () => {
    let ms = 0;
    let matches = 0;
    for (let i = 0; i < files.length; i += FILES_PER_CALL) {
      const chunk = files.slice(i, i + FILES_PER_CALL);
      const started = performance.now();
      const result = spawnSync('rg', [...args, ...chunk], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      ms += performance.now() - started;
      // 1 is "no match" for rg; 2 an error (an unreadable file still leaves the others counted).
      if (result.status === null || result.error) throw new Error(`rg failed: ${result.error?.message ?? result.signal}`);
      for (const line of result.stdout.split('\n')) if (line) matches += Number(line);
    }
    return { ms, matches };
  };
  pass();
  const { ms, matches } = pass();
  return { seconds: ms / 1000, matches, files: files.length };
}
