import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILD_LOGS, REPO_ROOT } from '../../test/support/build-logs';
import { KernelLogFilter, messagePrefixesFromSource } from './log-filter';

const kernelLog = (name: string) =>
  fs
    .readFileSync(path.join(BUILD_LOGS, 'kernel-log', name), 'utf8')
    .trimEnd()
    .split('\n');

function filter(lines: string[], module: string, matches: string[] = []): string[] {
  const f = new KernelLogFilter({ module, matches });
  return lines.flatMap((line) => f.accept(line));
}

describe('module kernel-log filter', () => {
  const oops = kernelLog('hello-3-oops.log');

  it("keeps the module's lines, its printk texts and the whole oops report naming it", () => {
    const kept = filter(oops, 'hello_3', ['Hello, world', 'Goodbye, world']);
    const firstReportLine = oops.findIndex((l) => l.includes('BUG: unable to handle page fault'));
    const endLine = oops.findIndex((l) => l.includes('---[ end trace'));
    assert.deepEqual(kept, [
      ...oops.slice(0, 3),
      ...oops.slice(firstReportLine, endLine + 1),
      oops[endLine + 1], // the repeated "RIP: … [hello_3]"
    ]);
    assert.ok(!kept.some((l) => l.includes('reboot: Power down')));
  });

  it('matches the dashed file name too, and not other modules with the name as a part', () => {
    const f = new KernelLogFilter({ module: 'hello_3', matches: [] });
    assert.deepEqual(f.accept('[ 1.0] hello-3: custom prefix'), ['[ 1.0] hello-3: custom prefix']);
    assert.deepEqual(f.accept('[ 1.0] hello_30: other module'), []);
    assert.deepEqual(f.accept('[ 1.0] xhello_3: other module'), []);
  });

  it('drops reports of other modules but keeps following the module afterwards', () => {
    const lines = kernelLog('unrelated-warning.log');
    assert.deepEqual(filter(lines, 'hello_3'), [lines[lines.length - 1]]);
  });

  it('without the module name an oops report is released as soon as a later line names it', () => {
    const kept = filter(oops, 'hello_3');
    assert.ok(kept.includes(oops.find((l) => l.includes('#PF: supervisor read access'))!));
    assert.ok(!kept.includes('[    1.766443] Hello, world 3'), 'printk text not asked for');
  });

  it('takes the constant printk prefixes from the module source', () => {
    const source = fs.readFileSync(path.join(REPO_ROOT, 'examples/hello-3/hello-3.c'), 'utf8');
    assert.deepEqual(messagePrefixesFromSource(source), ['Hello, world', 'Goodbye, world']);
    assert.deepEqual(
      messagePrefixesFromSource('pr_info("mod: %d\\n", x); dev_err(&pdev->dev, "probe failed: %d\\n", e); pr_warn("%s\\n", s);'),
      ['probe failed:'],
    );
  });
});
