#!/usr/bin/env node
// The analyzer benchmark: on Debian's linux-source-6.1 it measures the floor
// (bare tree-sitter parse, one thread), our full index in one thread and with all workers, peak
// RSS, LSP edit → diagnostics and hover latency, crashes, the slowest file and the finding counts.
// The last stdout line is one JSON object. Progress goes to stderr.
//
//   node scripts/bench.mjs [--subset DIR] [--modules-only] [--source DIR] [--profile] …  (--help)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MB, REPO_ROOT, busyCores, fmt, loadAverage, machineCpu, percentile, unanalyzableKind, verdict } from './bench-lib/common.mjs';
import { defaultLspFile, measureLsp } from './bench-lib/lsp.mjs';
import { measureWorkspace } from './bench-lib/workspace.mjs';
import { analyseProfiles, formatProfile } from './bench-lib/profile.mjs';
import { DEFAULT_TREE, SOURCE_PACKAGE, TARBALL, ensureKernelTree, packageVersion, planRun } from './bench-lib/source.mjs';
import { ensureRipgrep, measureRgFloor } from './bench-lib/rg.mjs';
import { TYPING_FILES, measureTyping } from './bench-lib/typing.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PHASE_SCRIPT = path.join(HERE, 'bench-lib', 'phase.mjs');
const KERNEL_VERSION = '6.1.192';
/** Warm-up file (a typical 145 KB driver), the same in every phase and run for comparability. */
const WARMUP_FILE = 'drivers/net/ethernet/intel/e1000/e1000_main.c';
/** The targets of the benchmark table in CONTRIBUTING.md, checked here (not by a test). */
const TARGETS = {
  ratio_1t: 1.15,
  ratio_wall: 0.65,
  peak_rss_mb: 600,
  edit_p95_ms: 30,
  hover_p95_ms: 10,
  crashes: 0,
  warm_index_ratio: 0.1,
  typing_settle_ms: 50,
  typing_cpu_per_key_ms: 8,
};
const PHASES = ['floor', 'rg', '1t', 'pool1', 'wall', 'lsp', 'typing', 'workspace', 'warm'];
/** How long the workspace phase waits after the index for idle background workers to stop (they do after 30 s). */
const IDLE_WAIT_MS = 35_000;

const USAGE = `usage: npm run bench -- [options]        (or: node scripts/bench.mjs [options])

Benchmarks the analyzer on Debian's ${SOURCE_PACKAGE} tarball (${TARBALL}; the package is installed
and the tarball unpacked into ${DEFAULT_TREE} on first use).

options:
  --subset DIR        only this part of the tree (relative to the tree, e.g. drivers/net); quick runs
  --modules-only      only .c files containing module_init( / module_exit( / module_*driver(
  --source DIR        use this unpacked kernel tree instead of the cache
  --workers N         pool size of the "all workers" run (default: os.availableParallelism() = ${os.availableParallelism()})
  --lsp-file FILE     file for the edit/hover latencies (default drivers/scsi/lpfc/lpfc_sli.c of the tree)
  --edits N           number of timed edits (default 40)
  --hovers N          number of timed hovers (default 40)
  --kdir DIR          kernel build dir the server uses for header hovers (default: Debian's 6.1 headers,
                      /usr/src/linux-headers-6.1.*-amd64, matching the corpus)
  --warmup N          untimed warm-up runs of one file per process/worker before timing (default 3;
                      0 = include the WASM cold start in every phase)
  --skip LIST         comma-separated phases to leave out: ${PHASES.join(', ')}
  --phase LIST        only these phases (e.g. --phase typing); rg is ripgrep's text-scan floor,
                      typing replays typing at 30 ms per key on ${TYPING_FILES.map((f) => path.basename(f)).join(' and ')},
                      warm reopens the workspace with the facts cache the workspace phase filled
  --profile           also run the single-thread index and the 1-worker pool under --cpu-prof and print
                      where the time goes (prepass, parse, tree-sitter API, extract, check, clone, …)
  --profile-dir DIR   keep the .cpuprofile files there (open them in Chrome DevTools)
  -h, --help          this text

The whole tree (32,004 .c files, 617 MB) takes about 12 minutes on 2 idle cores; --subset is the
quick path (drivers/net/ethernet/intel: 8.6 MB, about a minute). Timings are wall clock: run it on an
otherwise idle machine. Each phase prints the load average and how many cores the whole machine was
busy, and the single-thread ratio is cross-checked with main-thread CPU time.`;

class UsageError extends Error {}

function parseArgs(argv) {
  const options = {
    subset: undefined,
    modulesOnly: false,
    source: undefined,
    workers: os.availableParallelism(),
    lspFile: undefined,
    edits: 40,
    hovers: 40,
    kdir: undefined,
    skip: new Set(),
    profile: false,
    profileDir: undefined,
    warmup: 3,
  };
  const rest = [...argv];
  const value = (flag) => {
    const next = rest.shift();
    if (next === undefined) throw new UsageError(`${flag} needs a value`);
    return next;
  };
  const count = (flag) => {
    const n = Number(value(flag));
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer`);
    return n;
  };
  while (rest.length > 0) {
    const arg = rest.shift();
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--subset':
        options.subset = value(arg);
        break;
      case '--modules-only':
        options.modulesOnly = true;
        break;
      case '--source':
        options.source = value(arg);
        break;
      case '--workers':
        options.workers = count(arg);
        break;
      case '--lsp-file':
        options.lspFile = value(arg);
        break;
      case '--edits':
        options.edits = count(arg);
        break;
      case '--hovers':
        options.hovers = count(arg);
        break;
      case '--kdir':
        options.kdir = value(arg);
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--warmup': {
        const n = Number(value(arg));
        if (!Number.isInteger(n) || n < 0) throw new UsageError('--warmup needs a count (0 or more)');
        options.warmup = n;
        break;
      }
      case '--profile-dir':
        options.profile = true;
        options.profileDir = path.resolve(value(arg));
        break;
      case '--phase': {
        const only = value(arg).split(',').filter(Boolean);
        for (const phase of only)
          if (!PHASES.includes(phase)) throw new UsageError(`--phase: unknown phase '${phase}' (${PHASES.join(', ')})`);
        for (const phase of PHASES) if (!only.includes(phase)) options.skip.add(phase);
        break;
      }
      case '--skip':
        for (const phase of value(arg).split(',').filter(Boolean)) {
          if (!PHASES.includes(phase)) throw new UsageError(`--skip: unknown phase '${phase}' (${PHASES.join(', ')})`);
          options.skip.add(phase);
        }
        break;
      default:
        throw new UsageError(`unknown argument '${arg}'`);
    }
  }
  return options;
}

const log = (message) => process.stderr.write(`[bench] ${message}\n`);

/** The compiled engine (out/) and the server bundle (dist/) must exist; warn when sources are newer. */
function checkBuild() {
  const needed = [path.join(REPO_ROOT, 'out', 'server', 'src', 'engine', 'project.js'), path.join(REPO_ROOT, 'dist', 'server.js')];
  if (needed.some((file) => !fs.existsSync(file))) {
    log('out/ or dist/ is missing: running npm run build');
    const build = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 2, 2] });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  // tsc -b re-emits only what changed, so each source is compared with its own output; the
  // bundle is rebuilt whole, so it must be newer than every source.
  let stale = false;
  let newestSource = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        const mtime = fs.statSync(full).mtimeMs;
        newestSource = Math.max(newestSource, mtime);
        const emitted = path.join(REPO_ROOT, 'out', path.relative(REPO_ROOT, full)).replace(/\.ts$/, '.js');
        if (!fs.existsSync(emitted) || fs.statSync(emitted).mtimeMs < mtime) stale = true;
      }
    }
  };
  walk(path.join(REPO_ROOT, 'server', 'src'));
  return stale || newestSource > fs.statSync(path.join(REPO_ROOT, 'dist', 'server.js')).mtimeMs;
}

/** Newest mtime under out/server and of the server bundle: a rebuild during the run changes it. */
function buildStamp() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.js')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  walk(path.join(REPO_ROOT, 'out', 'server'));
  return Math.max(newest, fs.statSync(path.join(REPO_ROOT, 'dist', 'server.js')).mtimeMs);
}

function commitOf() {
  const result = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** Debian's 6.1 headers, matching the 6.1 corpus (whatever newer headers are installed); else none. */
function defaultKdir() {
  const debian = fs.existsSync('/usr/src')
    ? fs
        .readdirSync('/usr/src')
        .filter((name) => /^linux-headers-6\.1\.\d+-\d+-amd64$/.test(name))
        .sort()
    : [];
  return debian.length ? path.join('/usr/src', debian[debian.length - 1]) : undefined;
}

function addCounts(into, from) {
  for (const [key, n] of Object.entries(from ?? {})) into[key] = (into[key] ?? 0) + n;
}

/** Sums the results of one phase's processes (more than one only after a parser crash). */
function merge(total, part) {
  if (!total) return { ...part, restarts: 0 };
  const sum = (key) => (total[key] ?? 0) + (part[key] ?? 0);
  const partsMs = { ...total.partsMs };
  addCounts(partsMs, part.partsMs);
  const findingsByCode = { ...total.findingsByCode };
  addCounts(findingsByCode, part.findingsByCode);
  return {
    ...part,
    wallMs: sum('wallMs'),
    threadCpuSeconds: sum('threadCpuSeconds'),
    parseMs: sum('parseMs'),
    readMs: sum('readMs'),
    bytes: sum('bytes'),
    files: sum('files'),
    cpuSeconds: sum('cpuSeconds'),
    partsMs,
    findingsByCode,
    perFileMs: { ...total.perFileMs, ...part.perFileMs },
    unanalyzable: [...(total.unanalyzable ?? []), ...(part.unanalyzable ?? [])],
    crashes: [...(total.crashes ?? []), ...(part.crashes ?? [])],
    peakRssMiB: Math.max(total.peakRssMiB ?? 0, part.peakRssMiB ?? 0),
    loadBefore: total.loadBefore,
    warmupMs: total.warmupMs,
    restarts: total.restarts + 1,
  };
}

function runProcess(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 2, 'inherit'] });
    const forward = (signal) => child.kill(signal);
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve({ code, signal });
    });
  });
}

/** Runs one phase in fresh processes until it has covered the plan (resuming after parser crashes). */
async function runPhase(workDir, phase, extra = {}, nodeArgs = []) {
  let total;
  let resumeAt = 0;
  const crashedFiles = [];
  for (;;) {
    const jobPath = path.join(workDir, `${phase}-job.json`);
    const resultPath = path.join(workDir, `${phase}-result.json`);
    fs.rmSync(resultPath, { force: true });
    fs.writeFileSync(
      jobPath,
      JSON.stringify({
        phase,
        planPath: path.join(workDir, 'plan.json'),
        resultPath,
        resumeAt,
        crashedFiles,
        filesBefore: total?.files ?? 0,
        kernelVersion: KERNEL_VERSION,
        ...extra,
      }),
    );
    const cpuBefore = machineCpu();
    const exit = await runProcess([...nodeArgs, PHASE_SCRIPT, jobPath]);
    const machineBusyCores = busyCores(cpuBefore, machineCpu());
    if (!fs.existsSync(resultPath)) throw new Error(`phase ${phase} died without a result (exit ${exit.code ?? exit.signal})`);
    const part = { ...JSON.parse(fs.readFileSync(resultPath, 'utf8')), machineBusyCores };
    total = merge(total, part);
    if (part.done) return total;
    const crashed = part.crashes.at(-1)?.file;
    if (!crashed || crashedFiles.includes(crashed)) throw new Error(`phase ${phase} stopped without progress`);
    crashedFiles.push(crashed);
    log(`phase ${phase}: the parser crashed on ${crashed}; resuming in a new process`);
    resumeAt = part.resumeAt;
  }
}

const seconds = (ms) => (ms === undefined || ms === null ? null : ms / 1000);
const ratio = (a, b) => (a === null || b === null || !b ? null : a / b);
const relative = (tree, file) => (file.startsWith(tree + path.sep) ? path.relative(tree, file) : file);

function row(label, s, bytes, files, floorS, extraCols = '') {
  const mbps = s ? bytes / MB / s : null;
  const fps = s ? files / s : null;
  return `  ${label.padEnd(38)} ${fmt(s, 2).padStart(9)} s ${fmt(mbps, 2).padStart(7)} MB/s ${fmt(fps, 0).padStart(6)} files/s  ${fmt(ratio(s, floorS), 2).padStart(5)}× floor${extraCols}`;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const buildStale = checkBuild();
  const buildAtStart = buildStamp();
  if (buildStale) log('warning: server/src has .ts files newer than out/ or dist/: run `npm run build` to measure the current code');
  const tree = ensureKernelTree(options.source, log);
  log(`planning the run over ${tree}${options.subset ? `/${options.subset}` : ''}${options.modulesOnly ? ' (module sources only)' : ''}`);
  const plan = planRun(tree, options.subset, options.modulesOnly);
  if (plan.analyzed.length === 0) throw new Error('no .c files selected');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-bench-'));
  const print = (line = '') => process.stdout.write(`${line}\n`);
  try {
    const fixedWarmup = path.join(tree, WARMUP_FILE);
    plan.warmupFile = fs.existsSync(fixedWarmup) ? fixedWarmup : plan.analyzed[0];
    fs.writeFileSync(path.join(workDir, 'plan.json'), JSON.stringify(plan));
    const cpu = os.cpus();
    print(`kmod-tools benchmark  ${new Date().toISOString()}`);
    print(
      `machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, commit ${commitOf() ?? '?'}${buildStale ? ' (WARNING: build older than server/src)' : ''}`,
    );
    print(`corpus: ${SOURCE_PACKAGE} ${packageVersion(SOURCE_PACKAGE) ?? '(package not installed)'} unpacked at ${tree}`);
    const selection = `${options.subset ?? 'whole tree'}${options.modulesOnly ? ', module sources only' : ', all .c files'}`;
    const requestedSet = new Set(plan.requested);
    const siblings = plan.analyzed.filter((f) => !requestedSet.has(f)).length;
    print(
      `selection: ${selection}: ${plan.requested.length} requested files → ${plan.analyzed.length} analyzed (${siblings} not selected themselves but sources of the same Kbuild modules) in ${plan.modules.length} modules, ${(plan.bytes / MB).toFixed(1)} MB`,
    );
    if (plan.errors.length) print(`selection errors: ${plan.errors.slice(0, 5).join('; ')}`);
    const loadStart = loadAverage();
    print(`load average at start: ${loadStart} (other processes on this machine share the CPUs)`);
    print('');

    const skip = options.skip;
    const run = (phase, extra = {}, nodeArgs = []) => runPhase(workDir, phase, { warmup: options.warmup, ...extra }, nodeArgs);
    log(`floor: bare tree-sitter parse of ${plan.analyzed.length} files`);
    const floor = skip.has('floor') ? undefined : await run('floor');
    let rg;
    if (!skip.has('rg')) {
      ensureRipgrep(log);
      log(`text-scan floor: rg -j1 '__init|__exit' over the same ${plan.analyzed.length} files`);
      rg = measureRgFloor(plan.analyzed);
    }
    log('index in one thread (analyzeFile + checkModule)');
    const oneThread = skip.has('1t') ? undefined : await run('index1t');
    log('index with analyzePaths and a pool of 1 worker');
    const pool1 = skip.has('pool1') ? undefined : await run('pool', { workers: 1 });
    log(`index with analyzePaths and a pool of ${options.workers} workers`);
    const wall = skip.has('wall') ? undefined : await run('pool', { workers: options.workers });
    let lspFile = options.lspFile ? path.resolve(tree, options.lspFile) : defaultLspFile(tree);
    if (!options.lspFile && !fs.existsSync(lspFile)) {
      lspFile = plan.analyzed.reduce((a, b) => (fs.statSync(b).size > fs.statSync(a).size ? b : a));
      log(`${defaultLspFile(tree)} is not in this tree: using the largest selected file for the LSP latencies`);
    }
    const kdir = options.kdir ?? defaultKdir();
    let lsp;
    if (!skip.has('lsp')) {
      log(`LSP latencies on ${lspFile}`);
      lsp = await measureLsp({ file: lspFile, kdir, kernelVersion: KERNEL_VERSION, edits: options.edits, hovers: options.hovers, log });
    }
    let typing;
    if (!skip.has('typing')) {
      log(`typing at 30 ms per key on ${TYPING_FILES.join(', ')}`);
      typing = await measureTyping({
        tree,
        kdir,
        kernelVersion: KERNEL_VERSION,
        factsCacheDir: fs.mkdtempSync(path.join(workDir, 'facts-')),
        log,
      });
    }
    let workspace;
    let warmWorkspace;
    // The workspace phase starts with an empty facts cache (cold); the warm phase reopens with it.
    const workspaceCache = fs.mkdtempSync(path.join(workDir, 'facts-'));
    if (!skip.has('workspace') || !skip.has('warm')) {
      const root = options.subset ? path.join(tree, options.subset) : tree;
      const openFile = lspFile.startsWith(`${root}${path.sep}`)
        ? lspFile
        : plan.analyzed.reduce((a, b) => (fs.statSync(b).size > fs.statSync(a).size ? b : a));
      log(`the selection as an LSP workspace, with ${relative(tree, openFile)} open`);
      // Opened half-way through the index: another driver, not the file opened at the start.
      const warmupFile = path.join(tree, WARMUP_FILE);
      const midFile =
        warmupFile.startsWith(`${root}${path.sep}`) && warmupFile !== openFile ? warmupFile : plan.analyzed.find((f) => f !== openFile);
      workspace = await measureWorkspace({
        root,
        file: openFile,
        midFile,
        kdir,
        kernelVersion: KERNEL_VERSION,
        idleWaitMs: skip.has('workspace') ? 0 : IDLE_WAIT_MS,
        factsCacheDir: workspaceCache,
        log,
      });
      if (!skip.has('warm')) {
        log('the same workspace reopened: facts from the cache the first run filled');
        warmWorkspace = await measureWorkspace({
          root,
          file: openFile,
          kdir,
          kernelVersion: KERNEL_VERSION,
          idleWaitMs: 0,
          factsCacheDir: workspaceCache,
          log,
        });
      }
    }
    let profile;
    if (options.profile) {
      const profileDir = options.profileDir ?? path.join(workDir, 'profiles');
      fs.mkdirSync(profileDir, { recursive: true });
      const cpuProf = (name) => ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`];
      log('profile: single-thread index under --cpu-prof');
      await run('index1t', {}, cpuProf('index1t'));
      log('profile: pool of 1 worker under --cpu-prof');
      await run('pool', { workers: 1 }, cpuProf('pool1'));
      profile = {
        dir: options.profileDir ?? null,
        oneThread: analyseProfiles(path.join(profileDir, 'index1t')),
        pool1: analyseProfiles(path.join(profileDir, 'pool1')),
      };
    }

    // ---- report
    const floorS = seconds(floor?.parseMs);
    const floorWallS = seconds(floor?.wallMs);
    const oneThreadS = seconds(oneThread?.wallMs);
    const pool1S = seconds(pool1?.wallMs);
    const wallS = seconds(wall?.wallMs);
    const bytes = plan.bytes;
    const files = plan.analyzed.length;
    // Cores: ours = the phase process's CPU time over its lifetime's share; machine = all processes.
    const rss = (phase) =>
      phase
        ? `  RSS ${fmt(phase.peakRssMiB, 0)} MiB  CPU ${fmt(phase.cpuSeconds, 1)} s  machine busy ${fmt(phase.machineBusyCores, 2)}/${os.cpus().length} cores  load ${phase.loadBefore} → ${phase.loadAfter}`
        : '  (skipped)';
    print('throughput (MB = 10^6 bytes; floor = bare web-tree-sitter parse, no pre-pass, one thread):');
    print(row('floor: parse only', floorS, bytes, files, floorS, rss(floor)));
    print(row('floor: incl. reading files', floorWallS, bytes, files, floorS));
    const rgS = rg?.seconds ?? null;
    print(
      rg
        ? `  text-scan floor: rg -j1 '__init|__exit' over the same files: ${fmt(rgS, 2)} s (${rg.matches} matches; load ${loadAverage()}); the index in one thread is ${fmt(ratio(oneThreadS, rgS), 1)}× it, with all workers ${fmt(ratio(wallS, rgS), 1)}×`
        : '  text-scan floor (rg): skipped',
    );
    print(
      row(
        'index, 1 thread (analyzeFile+check)',
        oneThreadS,
        bytes,
        files,
        floorS,
        rss(oneThread) + verdict(ratio(oneThreadS, floorS), TARGETS.ratio_1t),
      ),
    );
    if (oneThread) {
      const parts = oneThread.partsMs;
      const accounted = parts.prepass + (parts.skeleton ?? 0) + parts.parse + parts.extract + parts.check + oneThread.readMs;
      print(
        `    of which: prepass ${fmt(seconds(parts.prepass))} s, skeleton ${fmt(seconds(parts.skeleton))} s, parse ${fmt(seconds(parts.parse))} s (${fmt(ratio(parts.parse, floor?.parseMs), 2)}× floor), extract ${fmt(seconds(parts.extract))} s, check ${fmt(seconds(parts.check))} s, read ${fmt(seconds(oneThread.readMs))} s, other ${fmt(seconds(oneThread.wallMs - accounted))} s`,
      );
      if (floor?.threadCpuSeconds && oneThread.threadCpuSeconds) {
        print(
          `    main-thread CPU: floor ${fmt(floor.threadCpuSeconds)} s, index ${fmt(oneThread.threadCpuSeconds)} s → ${fmt(oneThread.threadCpuSeconds / floor.threadCpuSeconds)}× (insensitive to other load; 10 ms ticks)`,
        );
      }
      const missing = Object.entries(oneThread.instrumented)
        .filter(([, ok]) => !ok)
        .map(([name]) => name);
      if (missing.length) print(`    (could not time ${missing.join(', ')}: the export moved)`);
    }
    print(row('index, analyzePaths, pool of 1', pool1S, bytes, files, floorS, rss(pool1)));
    print(
      row(
        `index, analyzePaths, pool of ${options.workers} (wall)`,
        wallS,
        bytes,
        files,
        floorS,
        rss(wall) + verdict(ratio(wallS, floorS), TARGETS.ratio_wall),
      ),
    );
    for (const [name, phase, s] of [
      ['pool of 1', pool1, pool1S],
      [`pool of ${options.workers}`, wall, wallS],
    ]) {
      if (!phase?.timedCpuSeconds || !s) continue;
      const ours = phase.timedCpuSeconds / s;
      print(
        `    ${name}: ${fmt(ours)} cores busy in our process while timed; whole machine ${fmt(phase.machineBusyCores)} of ${os.cpus().length} (other processes ≈ ${fmt(Math.max(0, (phase.machineBusyCores ?? 0) - ours))})`,
      );
    }
    if (options.warmup > 0) {
      const list = (ms) => (ms?.length ? ms.map((t) => t.toFixed(0)).join('/') : 'n/a');
      print(
        `  warm-up, untimed (${options.warmup}× ${relative(tree, plan.warmupFile)}, ms per pass; the first is the WASM cold start): floor ${list(floor?.warmupMs)}, index 1 thread ${list(oneThread?.warmupMs)}, pool of 1 ${list(pool1?.warmupMs)}, pool of ${options.workers} ${list(wall?.warmupMs)}`,
      );
    } else {
      print('  no warm-up: every phase includes its WASM cold start');
    }
    const indexRss = [oneThread, pool1, wall].map((p) => p?.peakRssMiB).filter((v) => typeof v === 'number');
    const serverRss = [lsp?.serverRssMiB, workspace?.peakRssMiB].filter((v) => typeof v === 'number');
    const peakRss = indexRss.length || serverRss.length ? Math.max(...indexRss, ...serverRss) : null;
    print(
      `peak RSS of our processes (index runs, LSP servers): ${fmt(peakRss, 0)} MiB${verdict(peakRss, TARGETS.peak_rss_mb)}  (floor process: ${fmt(floor?.peakRssMiB, 0)} MiB)`,
    );
    print('');

    if (lsp) {
      print(
        `LSP (dist/server.js over stdio, ${relative(tree, lsp.file)}, ${(lsp.bytes / 1024).toFixed(0)} KB, server pool of ${os.availableParallelism()} workers, kdir ${lsp.kdir ?? 'none'}):`,
      );
      print(`  open → first diagnostics (cold, whole module): ${fmt(lsp.openMs, 0)} ms, ${lsp.findingsOnOpen} diagnostics`);
      print(
        `  edit → diagnostics of that version: p50 ${fmt(lsp.edits.p50, 1)} ms, p95 ${fmt(lsp.edits.p95, 1)} ms, max ${fmt(lsp.edits.max, 1)} ms (n=${lsp.edits.n})${verdict(lsp.edits.p95, TARGETS.edit_p95_ms)}`,
      );
      const cost = lsp.inProcess;
      if (cost && !cost.error) {
        print(
          `    in-process, warm, median of 5: analyzeFile ${fmt(cost.analyzeMs, 1)} ms (pre-pass ${fmt(cost.prepassMs, 1)}, skeleton ${fmt(cost.skeletonMs, 1)}, parse of the skeleton ${fmt(cost.parseMs, 1)}, extract ${fmt(cost.analyzeMs - cost.prepassMs - cost.skeletonMs - cost.parseMs, 1)}), checkModule over its ${cost.moduleFiles}-file module ${fmt(cost.checkMs, 1)} ms;`,
        );
        // Edits inside a body skip the parser (body-edit.ts): that path is what an edit costs.
        print(
          `    an edit inside a body, redone from the previous facts (editWithinBody): ${fmt(cost.bodyEditMs, 1)} ms; the rest of the p50 (≈ ${fmt(lsp.edits.p50 - cost.bodyEditMs - cost.checkMs, 0)} ms) is document sync, messaging and publishing`,
        );
      } else if (cost?.error) print(`    (in-process cost not measured: ${cost.error})`);
      print(
        `  hover: p50 ${fmt(lsp.hovers.p50, 1)} ms, p95 ${fmt(lsp.hovers.p95, 1)} ms, max ${fmt(lsp.hovers.max, 1)} ms (n=${lsp.hovers.n}, ${lsp.hovers.answered} with content)${verdict(lsp.hovers.p95, TARGETS.hover_p95_ms)}`,
      );
      for (const [kind, s] of Object.entries(lsp.hovers.byKind))
        print(
          `    ${kind.padEnd(17)} n=${String(s.n).padStart(2)}  p50 ${fmt(s.p50, 1)} ms  p95 ${fmt(s.p95, 1)} ms  max ${fmt(s.max, 1)} ms`,
        );
      print(
        `  first hover needing the header index (${lsp.coldHover.name}; builds the index, not in the percentiles): ${fmt(lsp.coldHover.ms, 0)} ms`,
      );
      print(`  server peak RSS: ${fmt(lsp.serverRssMiB, 0)} MiB`);
      print('');
    }

    // Crashes over the tree (exceptions out of the parser in-thread, crash/trap/timeout facts in the pools).
    const crashList = [
      ...(oneThread?.crashes ?? []).map((c) => ({ ...c, run: '1 thread' })),
      ...(pool1?.crashes ?? []).map((c) => ({ ...c, run: 'pool 1' })),
      ...(wall?.crashes ?? []).map((c) => ({ ...c, run: `pool ${options.workers}` })),
    ];
    const crashFiles = new Set(crashList.map((c) => c.file));
    const poolCrashes = Math.max(pool1?.poolCrashes ?? 0, wall?.poolCrashes ?? 0);
    const crashes = oneThread || pool1 || wall ? Math.max(crashFiles.size, poolCrashes) : null;
    if (workspace) {
      print(
        `workspace over LSP (dist/server.js, workspace folder ${workspace.root === tree ? 'the whole tree' : relative(tree, workspace.root)}, ${relative(tree, workspace.file)} open while it indexes):`,
      );
      print(
        `  background index: ${fmt(workspace.indexS, 1)} s to its progress end (${workspace.progressReports} progress reports, last "${workspace.lastReport}")`,
      );
      print(
        `  open file's first diagnostics during the index: ${fmt(workspace.openMs, 0)} ms at its start, ${fmt(workspace.openMidIndexMs, 0)} ms half-way (${relative(tree, workspace.midFile ?? '')}); hovers during the index: p50 ${fmt(workspace.hovers.p50, 1)} ms, p95 ${fmt(workspace.hovers.p95, 1)} ms, max ${fmt(workspace.hovers.max, 0)} ms (n=${workspace.hovers.n})`,
      );
      print(
        `  slowest hovers (ms at s since the server started): ${workspace.hovers.slowest.map((h) => `${h.ms} at ${h.atS}`).join(', ')}`,
      );
      print(
        `  server RSS: peak ${fmt(workspace.peakRssMiB, 0)} MiB, when the index ended ${fmt(workspace.rssEndMiB, 0)} MiB, ${workspace.idleWaitMs / 1000} s later ${fmt(workspace.rssIdleMiB, 0)} MiB (idle background workers stop after 30 s)`,
      );
      print('');
    }
    if (warmWorkspace && workspace) {
      print(
        `workspace reopened with the facts cache the first run filled: index ${fmt(warmWorkspace.indexS, 1)} s to its progress end, ${fmt(ratio(warmWorkspace.indexS, workspace.indexS), 3)}× the cold ${fmt(workspace.indexS, 1)} s${verdict(ratio(warmWorkspace.indexS, workspace.indexS), TARGETS.warm_index_ratio)}`,
      );
      print(
        `  findings: ${warmWorkspace.digest === workspace.digest ? 'identical' : 'DIFFERENT'} (${workspace.findings} cold, ${warmWorkspace.findings} warm); open file's first diagnostics ${fmt(warmWorkspace.openMs, 0)} ms; server RSS peak ${fmt(warmWorkspace.peakRssMiB, 0)} MiB; load ${loadAverage()}`,
      );
      print('');
    }
    if (typing?.length) {
      print(
        'typing at 30 ms per key over LSP (codeAction after each key, documentSymbol every 4th, an unanswered one cancelled by the next as VS Code does; fresh server per file; median of 3 bursts of each kind, each one listed as settle/CPU):',
      );
      for (const result of typing) {
        for (const [name, b] of [
          ['new function at file scope', result.fileScope],
          ['call inside a body', result.inBody],
        ]) {
          print(
            `  ${result.relative} (${(result.bytes / 1024).toFixed(0)} KB), ${name}: ${b.keys} keys; settle ${fmt(b.settleMs, 0)} ms after the last key; server CPU ${fmt(b.cpuPerKeyMs, 1)} ms/key [${b.repeats.map((r) => `${fmt(r.settleMs, 0)}/${fmt(r.cpuPerKeyMs, 1)}`).join(', ')}]; intermediate versions published: ${b.intermediatePublished}; requests answered p50 ${fmt(b.requests.p50, 1)} ms, p95 ${fmt(b.requests.p95, 1)} ms (n=${b.requests.n}, ${b.requests.cancelled} cancelled by the next of their kind)`,
          );
        }
      }
      print(`  (load ${loadAverage()})`);
      print('');
    }
    print(
      `crashes: ${crashes ?? 'n/a'} files${verdict(crashes, TARGETS.crashes)}  (1 thread: ${oneThread?.crashes.length ?? 'n/a'} parser exceptions, ${oneThread?.restarts ?? 0} restarts; pools: FactsPool.crashes ${pool1?.poolCrashes ?? 'n/a'} / ${wall?.poolCrashes ?? 'n/a'})`,
    );
    for (const [name, phase] of [
      ['pool of 1', pool1],
      [`pool of ${options.workers}`, wall],
    ]) {
      if (phase && phase.observed < phase.files)
        print(
          `    WARNING: ${name}: only ${phase.observed} of ${phase.files} files passed FactsPool.analyze, so crash/skip reasons may be missing (did analyzePaths change?)`,
        );
    }
    for (const c of crashList.slice(0, 20)) print(`    ${c.run}: ${relative(tree, c.file)}: ${c.reason}`);
    if (floor?.crashes.length) {
      print(`bare tree-sitter (floor) crashed on ${floor.crashes.length} files (resumed in a new process each time):`);
      for (const c of floor.crashes.slice(0, 10)) print(`    ${relative(tree, c.file)}: ${c.reason}`);
    }
    const skipped = (wall ?? pool1 ?? oneThread)?.unanalyzable.filter((u) => unanalyzableKind(u.reason) !== 'crash') ?? [];
    print(`not analyzed on purpose (oversize / binary): ${skipped.length}`);
    for (const s of skipped.slice(0, 10)) print(`    ${relative(tree, s.file)}: ${s.reason}`);
    if (oneThread) {
      const slowest = Object.entries(oneThread.perFileMs)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5);
      print('slowest files (index, 1 thread; floor parse of the same file):');
      for (const [file, ms] of slowest) {
        const floorMs = floor?.perFileMs[file];
        print(
          `    ${fmt(ms, 0).padStart(6)} ms  floor ${fmt(floorMs, 0).padStart(5)} ms  ${fmt(ratio(ms, floorMs), 2)}×  ${(fs.statSync(file).size / 1024).toFixed(0).padStart(5)} KB  ${relative(tree, file)}`,
        );
      }
      const perFileRatios = Object.entries(oneThread.perFileMs)
        .filter(([file]) => floor?.perFileMs[file] > 0)
        .map(([file, ms]) => ms / floor.perFileMs[file]);
      if (perFileRatios.length)
        print(
          `per-file ratio index/floor: p50 ${fmt(percentile(perFileRatios, 50))}×, p90 ${fmt(percentile(perFileRatios, 90))}×, p99 ${fmt(percentile(perFileRatios, 99))}×`,
        );
    }
    print('');

    const findings = wall?.findingsByCode ?? pool1?.findingsByCode ?? oneThread?.findingsByCode ?? null;
    if (findings) {
      const total = Object.values(findings).reduce((a, b) => a + b, 0);
      print(
        `findings by code over the selection (${wall ? `pool of ${options.workers}` : pool1 ? 'pool of 1' : '1 thread'} run): ${total} in all`,
      );
      for (const [code, n] of Object.entries(findings).sort((a, b) => b[1] - a[1])) print(`    ${String(n).padStart(7)}  ${code}`);
      const runs = [
        ['1 thread', oneThread],
        ['pool of 1', pool1],
        [`pool of ${options.workers}`, wall],
      ].filter(([, r]) => r);
      const keyOf = (counts) => JSON.stringify(Object.entries(counts).sort());
      const agree = runs.every(([, r]) => keyOf(r.findingsByCode) === keyOf(findings));
      print(
        `    runs agree on the counts: ${agree ? 'yes' : `NO (${runs.map(([name, r]) => `${name}: ${JSON.stringify(r.findingsByCode)}`).join('; ')})`}`,
      );
      print('');
    }

    if (profile) {
      print(formatProfile('single-thread index (one process, one thread)', profile.oneThread));
      print(formatProfile('analyzePaths with a pool of 1 worker (main thread + worker)', profile.pool1));
      if (profile.dir) print(`(profiles kept in ${profile.dir})`);
      print('');
    }

    const buildChanged = buildStamp() !== buildAtStart;
    if (buildChanged) print('WARNING: out/ or dist/ was rebuilt during the run: phases may have measured different code');
    const slowestEntry = oneThread ? Object.entries(oneThread.perFileMs).sort((a, b) => b[1] - a[1])[0] : undefined;
    const round = (v, d = 3) => (v === null || v === undefined ? null : Number(v.toFixed(d)));
    // Typing: the worst settle over the bursts on lpfc_sli.c, and its file-scope burst's CPU per key.
    const lpfcTyping = typing?.find((result) => result.relative === TYPING_FILES[0]);
    const typingSettle = lpfcTyping ? Math.max(lpfcTyping.fileScope.settleMs, lpfcTyping.inBody.settleMs) : null;
    const typingCpu = lpfcTyping?.fileScope.cpuPerKeyMs ?? null;
    const warmRatio = warmWorkspace && workspace ? ratio(warmWorkspace.indexS, workspace.indexS) : null;
    const summary = {
      floor_s: round(floorS),
      floor_wall_s: round(floorWallS),
      index_1t_s: round(oneThreadS),
      index_pool1_s: round(pool1S),
      index_wall_s: round(wallS),
      workers: options.workers,
      ratio_1t: round(ratio(oneThreadS, floorS)),
      ratio_wall: round(ratio(wallS, floorS)),
      ratio_1t_thread_cpu: round(ratio(oneThread?.threadCpuSeconds ?? null, floor?.threadCpuSeconds ?? null)),
      warmup_passes: options.warmup,
      mb_per_s_floor: round(floorS && bytes / MB / floorS),
      mb_per_s_1t: round(oneThreadS && bytes / MB / oneThreadS),
      mb_per_s_wall: round(wallS && bytes / MB / wallS),
      files_per_s_floor: round(floorS && files / floorS, 1),
      files_per_s_1t: round(oneThreadS && files / oneThreadS, 1),
      files_per_s_wall: round(wallS && files / wallS, 1),
      peak_rss_mb: round(peakRss, 0),
      rss_mb: {
        floor: round(floor?.peakRssMiB, 0),
        index_1t: round(oneThread?.peakRssMiB, 0),
        pool1: round(pool1?.peakRssMiB, 0),
        wall: round(wall?.peakRssMiB, 0),
        lsp_server: round(lsp?.serverRssMiB, 0),
        workspace_server: round(workspace?.peakRssMiB, 0),
      },
      workspace: workspace
        ? {
            index_s: round(workspace.indexS, 1),
            open_ms: round(workspace.openMs, 0),
            hover_p50_ms: round(workspace.hovers.p50, 1),
            hover_p95_ms: round(workspace.hovers.p95, 1),
            hover_max_ms: round(workspace.hovers.max, 0),
            hover_slowest: workspace.hovers.slowest,
            rss_end_mb: round(workspace.rssEndMiB, 0),
            rss_idle_mb: round(workspace.rssIdleMiB, 0),
            progress_reports: workspace.progressReports,
          }
        : null,
      rg_floor_s: round(rgS),
      ratio_1t_rg: round(ratio(oneThreadS, rgS)),
      ratio_wall_rg: round(ratio(wallS, rgS)),
      ratio_workspace_index_rg: round(ratio(workspace?.indexS ?? null, rgS)),
      warm_index_ratio: round(warmRatio),
      warm_index_s: round(warmWorkspace?.indexS, 1),
      warm_findings_identical: warmWorkspace && workspace ? warmWorkspace.digest === workspace.digest : null,
      typing_settle_ms: round(typingSettle, 0),
      typing_cpu_per_key_ms: round(typingCpu, 1),
      typing: typing
        ? typing.map((result) => ({
            file: result.relative,
            ...Object.fromEntries(
              ['fileScope', 'inBody'].map((name) => [
                name,
                {
                  keys: result[name].keys,
                  settle_ms: round(result[name].settleMs, 0),
                  cpu_per_key_ms: round(result[name].cpuPerKeyMs, 1),
                  intermediate_published: result[name].intermediatePublished,
                  request_p95_ms: round(result[name].requests.p95, 1),
                  repeats: result[name].repeats.map((r) => ({ settle_ms: round(r.settleMs, 0), cpu_per_key_ms: round(r.cpuPerKeyMs, 1) })),
                },
              ]),
            ),
          }))
        : null,
      open_mid_index_ms: round(workspace?.openMidIndexMs, 0),
      edit_p50_ms: round(lsp?.edits.p50, 1),
      edit_p95_ms: round(lsp?.edits.p95, 1),
      hover_p50_ms: round(lsp?.hovers.p50, 1),
      hover_p95_ms: round(lsp?.hovers.p95, 1),
      open_ms: round(lsp?.openMs, 0),
      lsp_file: lsp ? relative(tree, lsp.file) : null,
      lsp_in_process_ms:
        lsp?.inProcess && !lsp.inProcess.error
          ? {
              analyze: round(lsp.inProcess.analyzeMs, 1),
              prepass: round(lsp.inProcess.prepassMs, 1),
              parse: round(lsp.inProcess.parseMs, 1),
              check: round(lsp.inProcess.checkMs, 1),
            }
          : null,
      files,
      requested_files: plan.requested.length,
      modules: plan.modules.length,
      bytes,
      crashes,
      skipped_files: skipped.length,
      slowest_file: slowestEntry
        ? { path: relative(tree, slowestEntry[0]), ms: round(slowestEntry[1], 1), floor_ms: round(floor?.perFileMs[slowestEntry[0]], 1) }
        : null,
      findings,
      targets_met: {
        ratio_1t: floorS && oneThreadS ? oneThreadS / floorS <= TARGETS.ratio_1t : null,
        ratio_wall: floorS && wallS ? wallS / floorS <= TARGETS.ratio_wall : null,
        peak_rss_mb: peakRss === null ? null : peakRss <= TARGETS.peak_rss_mb,
        edit_p95_ms: lsp ? lsp.edits.p95 <= TARGETS.edit_p95_ms : null,
        hover_p95_ms: lsp ? lsp.hovers.p95 <= TARGETS.hover_p95_ms : null,
        crashes: crashes === null ? null : crashes <= TARGETS.crashes,
        warm_index_ratio: warmRatio === null ? null : warmRatio <= TARGETS.warm_index_ratio,
        typing_settle_ms: typingSettle === null ? null : typingSettle <= TARGETS.typing_settle_ms,
        typing_cpu_per_key_ms: typingCpu === null ? null : typingCpu <= TARGETS.typing_cpu_per_key_ms,
      },
      subset: options.subset ?? null,
      modules_only: options.modulesOnly,
      load_start: loadStart,
      load_end: loadAverage(),
      commit: commitOf(),
      build_stale: buildStale,
      build_changed_during_run: buildChanged,
      node: process.version,
      cpus: os.availableParallelism(),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    // Profiles asked for with --profile-dir live outside workDir and are kept.
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`bench: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
