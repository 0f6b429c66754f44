// "Build for all installed kernels": the kbuild-run wrapper builds one module against 6.1 and 6.12
// in separate copies and prints each problem once, on the source line, with the kernels it occurs on.

import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testKernel } from '../support/kernels';
import { REPO_ROOT } from '../support/paths';

const WRAPPER = path.join(REPO_ROOT, 'out/tools/src/kbuild-run.js');

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRAPPER, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('Build for all installed kernels (real kbuild, 6.1 and 6.12)', function () {
  this.timeout(180_000);
  const temp: string[] = [];
  after(() => temp.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('builds each kernel in its own copy and shows each problem once with its kernels', async () => {
    const kernels = [testKernel('6.1'), testKernel('6.12')];
    const moduleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-build-all-'));
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-build-all-cache-'));
    temp.push(moduleDir, cache);
    fs.cpSync(path.join(REPO_ROOT, 'examples/hello-3'), moduleDir, { recursive: true });
    // With a description, 6.12 (W=1 only) and 6.1 print just the section mismatch.
    const source = path.join(moduleDir, 'hello-3.c');
    fs.writeFileSync(
      source,
      fs
        .readFileSync(source, 'utf8')
        .replace('MODULE_LICENSE("GPL");', 'MODULE_LICENSE("GPL");\nMODULE_DESCRIPTION("hello-3 for every kernel");'),
    );
    const args = ['--module-dir', moduleDir, ...kernels.flatMap((kernel) => ['--each-kdir', kernel.kdir]), '--', 'make'];
    const { code, output } = await run(args, { XDG_CACHE_HOME: cache });
    assert.equal(code, 0, output);
    const problems = output.split('\n').filter((line) => line.startsWith(`${source}:`));
    assert.equal(problems.length, 1, output);
    assert.match(
      problems[0],
      /^.*hello-3\.c:22:\d+: warning: .*section mismatch.* \(on every kernel built 6\.1\.\d+, 6\.12\.\d+\) \[modpost\]$/,
    );
    // make's own lines carry the release in front, where no problem matcher takes them.
    assert.ok(
      output.split('\n').some((line) => /^\[6\.1\.0-\d+-amd64\] WARNING: modpost: /.test(line)),
      output,
    );
    assert.ok(!output.includes(`${cache}/kmod-tools/builds`) || !problems[0].includes(cache), 'problems name the sources, not the copies');
    const copies = fs.readdirSync(path.join(cache, 'kmod-tools/builds'));
    assert.equal(copies.length, 1);
    const perKernel = fs.readdirSync(path.join(cache, 'kmod-tools/builds', copies[0])).sort();
    assert.equal(perKernel.length, 2);
    for (const dir of perKernel) assert.ok(fs.existsSync(path.join(cache, 'kmod-tools/builds', copies[0], dir, 'hello-3.ko')), dir);
    assert.ok(!fs.existsSync(path.join(moduleDir, 'hello-3.o')), 'the module directory itself stays clean');

    // A duplicate export only the 6.1 build compiles is reported for 6.1 only.
    fs.writeFileSync(
      source,
      fs
        .readFileSync(source, 'utf8')
        .replace(
          'MODULE_LICENSE("GPL");',
          'MODULE_LICENSE("GPL");\n#include <linux/version.h>\n#include <linux/delay.h>\n#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)\nEXPORT_SYMBOL(msleep);\n#endif',
        ),
    );
    const second = await run(args, { XDG_CACHE_HOME: cache });
    assert.equal(second.code, 1, second.output);
    const duplicate = second.output.split('\n').filter((line) => line.startsWith(`${source}:`) && line.includes('msleep'));
    assert.equal(duplicate.length, 1, second.output);
    assert.match(duplicate[0], /\(only on 6\.1\.\d+\) \[modpost\]$/);
    assert.match(second.output, /kmod: 6\.1\.\d+: failed \(exit status 2\)/);
    assert.match(second.output, /kmod: 6\.12\.\d+: built in /);
  });
});
