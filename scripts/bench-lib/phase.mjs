// One measured phase, run in its own process so its peak RSS (VmHWM, all threads) is its own:
//   floor  – bare tree-sitter parse of every analyzed file (no pre-pass), single thread;
//   index1t – the analyzer in this one thread: analyzeFile per file + checkModule per module,
//            in analyzePaths' order (timed parts: prepass, skeleton, parse, extract, check);
//   pool    – analyzePaths() itself with a FactsPool of job.workers workers.
// Usage: node phase.mjs <job.json>. Writes the result JSON to job.resultPath. A JS exception out of
// the parser (a WASM trap leaves the runtime unusable) ends the process after saving the progress;
// the parent resumes in a fresh process at job.resumeAt (index1t: redoing the module without the
// crashed file, so that module's files before it are timed twice).
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadAverage, mainThreadCpuSeconds, outModule, peakRssMiB, progressReporter, unanalyzableKind } from './common.mjs';

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const plan = JSON.parse(fs.readFileSync(job.planPath, 'utf8'));
const now = () => performance.now();
// The heap policy kmodcheck runs with (its peak memory depends on it).
outModule('shared/src/memory').boundHeapGrowth();

/**
 * The WASM code is compiled lazily and tiered up while it runs: a fresh process (or worker) parses
 * several times slower at first. Unless job.warmup is 0, each phase first runs the same file
 * job.warmup times untimed, so all phases are compared in steady state; the cold cost is reported.
 */
function warmUp(run) {
  const times = [];
  for (let i = 0; i < job.warmup; i++) {
    const t0 = now();
    run();
    times.push(now() - t0);
  }
  return times;
}

function save(result) {
  const cpu = process.cpuUsage();
  fs.writeFileSync(
    job.resultPath,
    JSON.stringify({
      ...result,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMiB: peakRssMiB(),
      loadAfter: loadAverage(),
    }),
  );
}

async function floor() {
  const { createCParser } = outModule('server/src/parsing/parser');
  const parser = await createCParser();
  const warmText = fs.readFileSync(plan.warmupFile, 'utf8');
  const warmupMs = warmUp(() => parser.parse(warmText)?.delete());
  const files = plan.analyzed;
  const perFileMs = {};
  const crashes = [];
  let parseMs = 0;
  let readMs = 0;
  let bytes = 0;
  const progress = progressReporter('floor', files.length);
  const cpuStart = mainThreadCpuSeconds();
  const started = now();
  let index = job.resumeAt;
  for (; index < files.length; index++) {
    const file = files[index];
    const t0 = now();
    const text = fs.readFileSync(file, 'utf8');
    const t1 = now();
    try {
      const tree = parser.parse(text);
      const t2 = now();
      tree?.delete();
      parseMs += t2 - t1;
      perFileMs[file] = t2 - t1;
    } catch (error) {
      crashes.push({ file, reason: String(error?.message ?? error) });
      index++;
      break;
    }
    readMs += t1 - t0;
    bytes += fs.statSync(file).size;
    progress(index + 1);
  }
  const wallMs = now() - started;
  return {
    wallMs,
    threadCpuSeconds: mainThreadCpuSeconds() - cpuStart,
    warmupMs,
    parseMs,
    readMs,
    bytes,
    perFileMs,
    crashes,
    resumeAt: index,
    done: index >= files.length,
  };
}

/** Times calls to `object[name]` into `timer.ms`; returns false when the export is gone. */
function timeExport(object, name, timer) {
  const original = object?.[name];
  if (typeof original !== 'function') return false;
  object[name] = function timed(...args) {
    const t0 = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      timer.ms += performance.now() - t0;
    }
  };
  return true;
}

async function index1t() {
  const { createCParser } = outModule('server/src/parsing/parser');
  const { analyzeFile } = outModule('server/src/engine/analyze-file');
  const { checkModule } = outModule('server/src/engine/check');
  const { resolveContext, fileUri } = outModule('server/src/engine/project');
  const { VmlinuxTable } = outModule('server/src/engine/vmlinux');
  const { translationUnits, IncludeResolution, IncludedFactsCache } = outModule('server/src/engine/units');
  const includedFacts = new IncludedFactsCache();
  const resolution = new IncludeResolution();
  const parts = { prepass: { ms: 0 }, skeleton: { ms: 0 }, parse: { ms: 0 }, extract: { ms: 0 }, check: { ms: 0 } };
  // analyze-file.js calls the exports through their module objects, so wrapping them times the real
  // code paths with two clock reads per call.
  const instrumented = {
    prepass: timeExport(outModule('server/src/parsing/prepass'), 'prepass', parts.prepass),
    skeleton: timeExport(outModule('server/src/parsing/skeleton'), 'skeleton', parts.skeleton),
    extract: timeExport(outModule('server/src/parsing/extract'), 'extractFacts', parts.extract),
  };
  const parser = await createCParser();
  const context = resolveContext({ kernelVersion: job.kernelVersion });
  const warmText = fs.readFileSync(plan.warmupFile, 'utf8');
  const warmupMs = warmUp(() => analyzeFile(parser, fileUri(plan.warmupFile), warmText, { ...context.extract, builtin: false }));
  for (const timer of Object.values(parts)) timer.ms = 0;
  instrumented.parse = timeExport(parser, 'parse', parts.parse);
  const requestedUris = new Set(plan.requested.map(fileUri));
  const findingsByCode = {};
  const perFileMs = {};
  const unanalyzable = [];
  const crashes = [];
  let readMs = 0;
  let files = 0;
  const progress = progressReporter('index 1 thread', plan.analyzedJobs);
  // As analyzePaths: built-in modules are checked again at the end against every built-in object
  // (modpost on vmlinux.o). A resumed process only knows the modules it checked itself.
  const vmlinux = new VmlinuxTable();
  const countsOf = new Map();
  const count = (module, findings, sign) => {
    for (const finding of findings) {
      if (requestedUris.has(finding.uri)) findingsByCode[finding.code] = (findingsByCode[finding.code] ?? 0) + sign;
    }
    if (sign > 0) countsOf.set(module, findings);
  };
  const cpuStart = mainThreadCpuSeconds();
  const started = now();
  let moduleIndex = job.resumeAt;
  modules: for (; moduleIndex < plan.modules.length; moduleIndex++) {
    const module = plan.modules[moduleIndex];
    const facts = [];
    const analyzed = [];
    for (const source of module.sources) {
      // A file that crashed an earlier process is left out, as the pool leaves it out of the check.
      if (job.crashedFiles?.includes(source)) continue;
      const uri = fileUri(source);
      const t0 = now();
      let text;
      try {
        text = fs.readFileSync(source, 'utf8');
      } catch (error) {
        unanalyzable.push({ file: source, reason: `cannot read: ${error.message}` });
        continue;
      }
      const t1 = now();
      readMs += t1 - t0;
      try {
        const result = analyzeFile(parser, uri, text, { ...context.extract, builtin: module.builtin });
        perFileMs[source] = now() - t1;
        if (result.unanalyzable) unanalyzable.push({ file: source, reason: result.unanalyzable });
        facts.push(result);
        analyzed.push(source);
      } catch (error) {
        // The WASM runtime is dead after a trap: save and let the parent redo this module without
        // the file in a new process.
        crashes.push({ file: source, reason: String(error?.message ?? error) });
        break modules;
      }
      files++;
    }
    // The module files the sources include join their units, as in analyzePaths (headers shared
    // by modules analyzed once, deferred ones again with the module's init/exit names).
    const { units } = await translationUnits(
      { ...module, sources: analyzed },
      facts,
      async (file, mentions) => {
        const analyze = async () => {
          const t3 = now();
          let result;
          try {
            result = analyzeFile(parser, fileUri(file), fs.readFileSync(file, 'utf8'), {
              ...context.extract,
              builtin: module.builtin,
              included: mentions ? { mentions } : true,
            });
          } catch {
            return undefined;
          }
          perFileMs[file] = (perFileMs[file] ?? 0) + now() - t3;
          return result;
        };
        return mentions ? analyze() : includedFacts.get(`${module.builtin}:${file}`, analyze);
      },
      resolution,
    );
    const t2 = now();
    const findings = checkModule(units, { profile: context.profile, builtin: module.builtin, disabledCodes: new Set() });
    vmlinux.add(module, units);
    parts.check.ms += now() - t2;
    count(module, findings, 1);
    progress(files + job.filesBefore);
  }
  if (moduleIndex >= plan.modules.length) {
    for (const module of vmlinux.modulesToRecheck()) {
      const sources = module.sources.filter((source) => !job.crashedFiles?.includes(source));
      const analyze = (source, included) =>
        analyzeFile(parser, fileUri(source), fs.readFileSync(source, 'utf8'), {
          ...context.extract,
          builtin: true,
          ...(included ? { included } : {}),
        });
      const { units } = await translationUnits(
        { ...module, sources },
        sources.map((source) => analyze(source)),
        async (file, mentions) => analyze(file, mentions ? { mentions } : true),
        resolution,
      );
      const t3 = now();
      const findings = checkModule(units, { profile: context.profile, builtin: true, disabledCodes: new Set(), vmlinux });
      parts.check.ms += now() - t3;
      count(module, countsOf.get(module) ?? [], -1);
      count(module, findings, 1);
    }
  }
  const wallMs = now() - started;
  return {
    wallMs,
    threadCpuSeconds: mainThreadCpuSeconds() - cpuStart,
    warmupMs,
    readMs,
    partsMs: Object.fromEntries(Object.entries(parts).map(([name, timer]) => [name, timer.ms])),
    instrumented,
    files,
    perFileMs,
    findingsByCode,
    unanalyzable,
    crashes,
    resumeAt: moduleIndex,
    done: moduleIndex >= plan.modules.length,
  };
}

async function pool() {
  const { FactsPool } = outModule('server/src/engine/facts-pool');
  const { analyzePaths } = outModule('server/src/engine/project');
  const factsPool = new FactsPool({ size: job.workers });
  const unanalyzable = [];
  let observed = 0;
  // Every file's facts pass through here, so crashes and skips are seen even with keepFacts false.
  const analyze = factsPool.analyze.bind(factsPool);
  factsPool.analyze = async (uri, filePath, options, text) => {
    const facts = await analyze(uri, filePath, options, text);
    observed++;
    if (facts.unanalyzable) unanalyzable.push({ file: filePath, reason: facts.unanalyzable });
    return facts;
  };
  // Warm every worker: `workers` requests at a time land on distinct idle workers.
  const { resolveContext, fileUri } = outModule('server/src/engine/project');
  const extract = { ...resolveContext({ kernelVersion: job.kernelVersion }).extract, builtin: false };
  const warmupMs = [];
  for (let round = 0; round < job.warmup; round++) {
    const t0 = now();
    await Promise.all(Array.from({ length: job.workers }, () => analyze(fileUri(plan.warmupFile), plan.warmupFile, extract)));
    warmupMs.push(now() - t0);
  }
  const cpuBefore = process.cpuUsage();
  let files = 0;
  const progress = progressReporter(`index ${job.workers} worker${job.workers === 1 ? '' : 's'}`, plan.analyzedJobs);
  const started = now();
  const analysis = await analyzePaths(
    plan.requested,
    {
      kernelVersion: job.kernelVersion,
      keepFacts: false,
      onProgress: (count) => {
        files += count;
        progress(files);
      },
    },
    factsPool,
  );
  const wallMs = now() - started;
  const findingsByCode = {};
  for (const finding of analysis.findings) findingsByCode[finding.code] = (findingsByCode[finding.code] ?? 0) + 1;
  const crashes = unanalyzable.filter((u) => unanalyzableKind(u.reason) === 'crash');
  const cpu = process.cpuUsage(cpuBefore);
  const result = {
    wallMs,
    timedCpuSeconds: (cpu.user + cpu.system) / 1e6,
    warmupMs,
    files,
    observed,
    findingsByCode,
    unanalyzable,
    crashes,
    poolCrashes: factsPool.crashes,
    errors: analysis.errors.length,
    done: true,
  };
  await factsPool.dispose();
  return result;
}

const phases = { floor, index1t, pool };
const loadBefore = loadAverage();
const result = await phases[job.phase]();
save({ ...result, loadBefore });
process.exit(result.done ? 0 : 3);
