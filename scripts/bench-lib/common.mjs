// Shared helpers of the benchmark: the repo's compiled modules, memory, statistics, formatting.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const require = createRequire(import.meta.url);

/** A module compiled by `npx tsc -b`, e.g. outModule('server/src/engine/project'). */
export function outModule(relative) {
  return require(path.join(REPO_ROOT, 'out', `${relative}.js`));
}

/** Peak resident set size of this process (all its threads) in MiB, from the kernel. */
export function peakRssMiB(pid = 'self') {
  return statusMiB(pid, 'VmHWM');
}

/** Resident memory now (VmRSS), all threads. */
export function rssMiB(pid = 'self') {
  return statusMiB(pid, 'VmRSS');
}

function statusMiB(pid, field) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const CLOCK_TICKS = (() => {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  return Number(result.stdout) || 100;
})();

/**
 * CPU seconds of this process's main thread alone (user + system). Unlike wall time it barely
 * changes when other processes compete for the cores, so it cross-checks the wall-clock ratios.
 */
export function mainThreadCpuSeconds() {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Machine-wide CPU counters (jiffies) from /proc/stat: total and idle (idle + iowait). */
export function machineCpu() {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { total, idle: fields[3] + fields[4] };
  } catch {
    return null;
  }
}

/** Cores busy (all processes) between two machineCpu() readings. */
export function busyCores(before, after) {
  if (!before || !after || after.total === before.total) return null;
  const total = after.total - before.total;
  return ((total - (after.idle - before.idle)) / total) * os.cpus().length;
}

export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Nearest-rank percentile (p in 0..100) of a list of numbers. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const MB = 1e6;

export function fmt(value, digits = 2) {
  return value === null || value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
}

/** "✓" / "✗" next to a number and its target (lower is better). */
export function verdict(value, limit) {
  if (value === null || value === undefined) return '  (not measured)';
  return value <= limit ? `  ✓ target ≤ ${limit}` : `  ✗ target ≤ ${limit}`;
}

/** Classifies FileFacts.unanalyzable reasons: crashes versus deliberate skips. */
export function unanalyzableKind(reason) {
  if (/took longer than|crashed|could not analyze|trap|out of bounds|unreachable/i.test(reason)) return 'crash';
  if (/shutting down/.test(reason)) return 'aborted';
  return 'skipped';
}

/** Writes one progress line to stderr at most every `everyMs`. */
export function progressReporter(label, total, everyMs = 5000) {
  const started = Date.now();
  let last = started;
  return (done, force = false) => {
    const now = Date.now();
    if (!force && now - last < everyMs) return;
    last = now;
    const elapsed = (now - started) / 1000;
    const eta = done > 0 && done < total ? ` ~${Math.round((elapsed / done) * (total - done))} s left` : '';
    process.stderr.write(`[bench ${label}] ${done}/${total} files, ${elapsed.toFixed(0)} s${eta} (load ${loadAverage()})\n`);
  };
}
