// The corpus: Debian's linux-source-6.1 tarball unpacked once into a cache dir, and the list of .c
// files a run covers (the whole tree, a --subset, or only module sources), grouped into modules
// exactly as the analyzer's analyzePaths() groups them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT, outModule } from './common.mjs';

export const TARBALL = '/usr/src/linux-source-6.1.tar.xz';
export const SOURCE_PACKAGE = 'linux-source-6.1';
export const DEFAULT_TREE = path.join(os.homedir(), '.cache', 'kmod-tools', 'linux-source-6.1');
/** Written after a complete unpack, so an interrupted one is redone rather than half used. */
const COMPLETE_STAMP = '.kmod-bench-unpacked';

const looksLikeKernelTree = (dir) => ['Makefile', 'drivers', 'include'].every((entry) => fs.existsSync(path.join(dir, entry)));

export function packageVersion(pkg) {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

/** An unpacked kernel tree: --source DIR, else the cache, unpacking the apt tarball (installed if needed). */
export function ensureKernelTree(sourceOption, log) {
  if (sourceOption) {
    const dir = path.resolve(sourceOption);
    if (!looksLikeKernelTree(dir)) throw new Error(`--source ${dir} is not an unpacked kernel tree (no Makefile, drivers/, include/)`);
    return dir;
  }
  if (fs.existsSync(path.join(DEFAULT_TREE, COMPLETE_STAMP))) return DEFAULT_TREE;
  if (!fs.existsSync(TARBALL)) {
    log(`${TARBALL} is missing: installing Debian package ${SOURCE_PACKAGE}`);
    const setup = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'setup-system.sh'), 'source'], { stdio: 'inherit' });
    if (setup.status !== 0 || !fs.existsSync(TARBALL))
      throw new Error(`cannot install Debian package ${SOURCE_PACKAGE} (needed for ${TARBALL})`);
  }
  const parent = path.dirname(DEFAULT_TREE);
  fs.mkdirSync(parent, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(parent, '.unpack-'));
  log(`unpacking ${TARBALL} into ${DEFAULT_TREE} (once; about 1.3 GB, a minute or two)`);
  const tar = spawnSync('tar', ['-xf', TARBALL, '-C', scratch], { stdio: 'inherit' });
  if (tar.status !== 0) {
    fs.rmSync(scratch, { recursive: true, force: true });
    throw new Error(`tar -xf ${TARBALL} failed (exit ${tar.status})`);
  }
  const unpacked = path.join(scratch, 'linux-source-6.1');
  if (!looksLikeKernelTree(unpacked)) throw new Error(`${TARBALL} did not contain linux-source-6.1/`);
  fs.rmSync(DEFAULT_TREE, { recursive: true, force: true });
  fs.renameSync(unpacked, DEFAULT_TREE);
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.writeFileSync(path.join(DEFAULT_TREE, COMPLETE_STAMP), `${TARBALL}\n`);
  return DEFAULT_TREE;
}

/** What makes a .c file a module source for the benchmark: it registers an init, exit or driver. */
const MODULE_SOURCE = /\b(module_init|module_exit|module_driver|module_[a-z0-9_]*driver)\s*\(/;

/**
 * Plan of a run: the requested .c files, and the modules analyzePaths() will check for them with
 * the files it will analyze (module siblings outside the selection included), in its order.
 */
export function planRun(tree, subset, modulesOnly) {
  const project = outModule('server/src/engine/project');
  const base = subset ? path.resolve(tree, subset) : tree;
  if (!base.startsWith(tree)) throw new Error(`--subset ${subset} is outside ${tree}`);
  if (!fs.existsSync(base)) throw new Error(`--subset ${subset}: no such file or directory in ${tree}`);
  const errors = [];
  let requested = fs.statSync(base).isDirectory() ? project.findCSources(base, errors) : [base];
  if (modulesOnly) requested = requested.filter((file) => MODULE_SOURCE.test(fs.readFileSync(file, 'latin1')));
  const requestedSet = new Set(requested);
  const modules = project.groupIntoModules(requested).map((module) => ({
    name: module.name,
    builtin: module.builtin,
    // As analyzePaths: requested files always, other sources only when they exist.
    sources: module.sources.filter((source) => requestedSet.has(source) || fs.existsSync(source)),
  }));
  const analyzed = [...new Set(modules.flatMap((module) => module.sources))];
  let bytes = 0;
  for (const file of analyzed) bytes += fs.statSync(file).size;
  const analyzedJobs = modules.reduce((sum, module) => sum + module.sources.length, 0);
  return { tree, subset: subset ?? null, modulesOnly, requested, modules, analyzed, bytes, analyzedJobs, errors };
}
