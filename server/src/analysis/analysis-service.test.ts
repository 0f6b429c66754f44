import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AnalysisService } from './analysis-service';
import { writeModule } from '../../../test/support/modules';

describe('AnalysisService: one module analysis per text', () => {
  const source = 'static int __initdata x = 1;\nstatic void __exit bye(void) { (void)x; }\nmodule_exit(bye);\n';

  it('gives requests for a text whose analysis is under way that analysis, and a new one once anything else changed', async () => {
    const dir = writeModule({ Kbuild: 'obj-m += m.o\n', 'm.c': source });
    const service = new AnalysisService();
    try {
      service.configure({});
      const uri = pathToFileURL(path.join(dir, 'm.c')).href;
      // The publisher and two requests that waited for the end of a burst of keys, all in one turn.
      const runs = [service.analyzeModule(uri, 1, source), service.analyzeModule(uri, 1, source), service.analyzeModule(uri, 1, source)];
      const [first, ...others] = await Promise.all(runs);
      for (const other of others) assert.equal(other, first, 'the same analysis');
      assert.deepEqual(
        first.findings.map((f) => f.code),
        ['section-mismatch'],
      );
      // Settings changed while an analysis was under way: a request after that gets a fresh one.
      const before = service.analyzeModule(uri, 2, `${source}\n`);
      service.configure({ extraWarn: true });
      const after = service.analyzeModule(uri, 2, `${source}\n`);
      assert.notEqual(await after, await before);
      assert.notEqual(await service.analyzeModule(uri, 3, source), first, 'another version is analyzed');
    } finally {
      await service.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sees a sibling changed on disk once the watcher says so, without a stat of every file per keystroke', async () => {
    const exitSource = 'static void __exit bye(void) { (void)x; }\nmodule_exit(bye);\n';
    const dir = writeModule({ Kbuild: 'obj-m += m.o\nm-y := a.o b.o\n', 'a.c': exitSource, 'b.c': 'int x = 1;\n' });
    const service = new AnalysisService();
    try {
      service.configure({});
      const uri = pathToFileURL(path.join(dir, 'a.c')).href;
      assert.deepEqual((await service.analyzeModule(uri, 1, exitSource)).findings, []);
      fs.writeFileSync(path.join(dir, 'b.c'), 'int x __initdata = 1;\n');
      service.diskChanged();
      const codes = (await service.analyzeModule(uri, 2, `${exitSource}\n`)).findings.map((f) => f.code);
      assert.deepEqual(codes, ['section-mismatch'], 'the sibling as it is on disk now');
    } finally {
      await service.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
