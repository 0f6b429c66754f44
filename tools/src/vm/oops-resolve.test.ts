import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSections } from './elf';
import { buildModule } from './module-build';
import { runCommand } from '../../../shared/src/process';
import { REPO_ROOT, functionLineRange, scratchCopy, testKernelBuildDir } from '../../../test/support/vm';
import { resolveOopsLine } from '../../../shared/src/oops/resolve';

// Real kbuild on a scratch copy of examples/hello-3 (needs: bash scripts/setup-system.sh kbuild vm).
describe('resolveOopsLine on a real hello-3.ko', function () {
  this.timeout(120000);
  let moduleDir: string;
  let strippedDir: string;
  let source: string;

  before(async () => {
    moduleDir = scratchCopy(path.join(REPO_ROOT, 'examples', 'hello-3'), 'oops');
    const build = await buildModule(testKernelBuildDir(), moduleDir);
    assert.equal(build.exitCode, 0, build.output);
    source = path.join(moduleDir, 'hello-3.c');
    // The same module without DWARF, as if built without CONFIG_DEBUG_INFO.
    strippedDir = path.join(path.dirname(moduleDir), 'stripped');
    fs.mkdirSync(strippedDir);
    fs.copyFileSync(source, path.join(strippedDir, 'hello-3.c'));
    const strip = await runCommand('objcopy', ['--strip-debug', path.join(moduleDir, 'hello-3.ko'), path.join(strippedDir, 'hello-3.ko')]);
    assert.equal(strip.exitCode, 0, strip.stderr);
  });

  after(() => fs.rmSync(path.dirname(moduleDir), { recursive: true, force: true }));

  it('Debian headers build modules with DWARF (CONFIG_DEBUG_INFO)', () => {
    const sections = readSections(fs.readFileSync(path.join(moduleDir, 'hello-3.ko'))).map((s) => s.name);
    assert.ok(sections.includes('.debug_info') && sections.includes('.debug_line'), sections.join(' '));
  });

  it('maps the oops RIP to a line inside hello_3_exit through addr2line', async () => {
    const resolved = await resolveOopsLine('[    2.807902] RIP: 0010:hello_3_exit+0x0/0x1000 [hello_3]', [moduleDir]);
    const exit = functionLineRange(source, 'static void __exit hello_3_exit(void)');
    assert.ok(resolved, 'resolved');
    assert.equal(resolved.method, 'debug-info');
    assert.equal(resolved.file, source);
    assert.equal(resolved.function, 'hello_3_exit');
    assert.equal(resolved.offset, 0);
    assert.ok(resolved.line >= exit.first && resolved.line <= exit.last, `line ${resolved.line} outside ${exit.first}-${exit.last}`);
  });

  it('maps a call-trace frame inside the init function (return address - 1)', async () => {
    const resolved = await resolveOopsLine(' hello_3_init+0x13/0x1e [hello_3]', [moduleDir]);
    const init = functionLineRange(source, 'static int __init hello_3_init(void)');
    assert.equal(resolved?.method, 'debug-info');
    assert.ok(resolved && resolved.line >= init.first && resolved.line <= init.last, `line ${resolved?.line}`);
  });

  it('falls back to the definition line when the .ko has no debug info', async () => {
    const strippedSource = path.join(strippedDir, 'hello-3.c');
    const exit = functionLineRange(strippedSource, 'static void __exit hello_3_exit(void)');
    assert.deepEqual(await resolveOopsLine('RIP: 0010:hello_3_exit+0x0/0x1000 [hello_3]', [strippedDir]), {
      file: strippedSource,
      line: exit.first,
      function: 'hello_3_exit',
      offset: 0,
      method: 'definition',
      koFile: path.join(strippedDir, 'hello-3.ko'),
    });
    // cleanup_module is kbuild's alias: module_exit(hello_3_exit) names the real function
    assert.equal((await resolveOopsLine('RIP: 0010:cleanup_module+0x0/0x12 [hello_3]', [strippedDir]))?.line, exit.first);
  });

  it('gives up on kernel-image frames and unknown functions', async () => {
    assert.equal(await resolveOopsLine(' __do_sys_delete_module+0x1b9/0x330', [moduleDir]), undefined);
    assert.equal(await resolveOopsLine(' no_such_function+0x4/0x10 [hello_3]', [moduleDir]), undefined);
    assert.equal(await resolveOopsLine('[    2.806264] Oops: 0000 [#1] PREEMPT SMP NOPTI', [moduleDir]), undefined);
  });
});
