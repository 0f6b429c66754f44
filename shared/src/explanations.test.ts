import * as assert from 'node:assert/strict';
import { EXPLANATIONS, Explainer, missingProgramText, type ExplanationTopic } from './explanations';
import { fixtureLog, fixtureLogNames } from '../../test/support/build-logs';

/** Which explanations each real 6.1 build log must trigger (in order). */
const BUILD_LOGS: Readonly<Record<string, string[]>> = {
  'hello-3': ['btf-skipped'],
  'hello-3-strict': ['mismatch-fatal'],
  'hello-3-makefile-strategy': ['kdir-missing'],
  'no-license': ['license-missing'],
  'undefined-symbol': ['undefined-symbol'],
  'export-init': ['btf-skipped'],
  'gcc-error': [],
  'section-conflict': ['section-type-conflict'],
  'gpl-only': ['gpl-only'],
  namespace: ['namespace-import'],
  'multi-object': ['btf-skipped'],
  'mismatch-kinds': ['btf-skipped'],
  'no-description': ['btf-skipped'],
  'no-makefile': ['no-makefile-kbuild'],
  'no-obj-m': [],
  'makefile-strategy-no-makefile': ['no-makefile'],
  'kdir-not-kernel': ['no-modules-target'],
  'compiler-missing': ['compiler-missing'],
  secmm: ['btf-skipped'],
  'secmm-w1': ['btf-skipped'],
  'link-clean': ['btf-skipped'],
  'link-export-dup': [],
  'link-export-static': [],
  'link-export-undef': [],
  'link-gpl': ['gpl-only'],
  'link-import-module-ns': ['btf-skipped'],
  'link-long-symbol': [],
  'link-many-undefined': ['undefined-symbol'],
  'link-many-undefined-mw1': ['undefined-symbol', 'btf-skipped'],
  'link-name-too-long': [],
  'link-namespace': ['namespace-import'],
  'link-namespace-ok': ['btf-skipped'],
  'link-nodesc': ['btf-skipped'],
  'link-nodesc-w1': ['btf-skipped'],
  'link-nolicense': ['license-missing'],
  'link-undefined': ['undefined-symbol'],
  'link-undefined-mw1': ['undefined-symbol', 'btf-skipped'],
};

function explained(topic: ExplanationTopic, text: string, context = {}): { id: string; text: string }[] {
  const explainer = new Explainer(topic, context);
  return text.split('\n').flatMap((line) => explainer.explain(line) ?? []);
}

describe('explanations', () => {
  it('covers every captured 6.1 log', () => {
    assert.deepEqual(Object.keys(BUILD_LOGS).sort(), fixtureLogNames('6.1'));
  });

  for (const [name, ids] of Object.entries(BUILD_LOGS)) {
    it(`build log ${name}: ${ids.join(', ') || 'nothing to explain'}`, () => {
      const found = explained('build', fixtureLog('6.1', name, '/m'), {
        runningRelease: '6.18.44-fc-v669',
        buildRelease: '6.1.0-56-amd64',
      });
      assert.deepEqual(
        found.map((e) => e.id),
        ids,
      );
      for (const e of found) assert.doesNotMatch(e.text, /\{\w+\}|unknown/, `unfilled template: ${e.text}`);
    });
  }

  it('fills the templates from the line and the context', () => {
    const [kdir] = explained('build', fixtureLog('6.1', 'hello-3-makefile-strategy'), { runningRelease: '6.18.44-fc-v669' });
    assert.match(
      kdir.text,
      /^The kernel build directory \/lib\/modules\/6\.18\.44-fc-v669\/build does not exist\..*linux-headers-6\.18\.44-fc-v669/,
    );
    const [ns] = explained('build', fixtureLog('6.1', 'namespace'));
    assert.match(ns.text, /MODULE_IMPORT_NS\(CRYPTO_INTERNAL\);.*MODULE_IMPORT_NS\("CRYPTO_INTERNAL"\);.*crypto_cipher_setkey/);
    const [cc] = explained('build', fixtureLog('6.1', 'compiler-missing'));
    assert.match(cc.text, /not installed: gcc-99\./);
  });

  // Real lines: this machine's insmod/rmmod/dmesg/journalctl (kernel without module support,
  // dmesg_restrict=1, no journald) and a VM run of the buggy hello-3.
  const RUNTIME: [ExplanationTopic, string, string][] = [
    ['load', 'insmod: ERROR: could not insert module h3/hello-3.ko: Function not implemented', 'insmod-no-modules'],
    ['load', 'insmod: ERROR: could not load module /tmp/nonexist.ko: No such file or directory', 'insmod-no-file'],
    ['load', "insmod: can't insert '/modules/hello-3.ko': Key was rejected by service", 'insmod-key-rejected'],
    ['unload', 'rmmod: ERROR: Module hello_3 is not currently loaded', 'rmmod-not-loaded'],
    ['unload', "rmmod: can't unload module 'hello_3': Device or resource busy", 'rmmod-in-use'],
    ['log', 'dmesg: read kernel buffer failed: Operation not permitted', 'dmesg-restricted'],
    ['log', 'No journal files were found.', 'journal-missing'],
  ];
  for (const [topic, line, id] of RUNTIME) {
    it(`${topic}: ${line}`, () => {
      assert.deepEqual(
        explained(topic, line, { module: 'hello_3', privilegeHelper: 'sudo', runningRelease: 'r', buildRelease: 'b' }).map((e) => e.id),
        [id],
      );
    });
  }

  it('explains each problem once per run and only for its topic', () => {
    const twice = 'rmmod: ERROR: Module hello_3 is in use\nrmmod: ERROR: Module hello_3 is in use';
    assert.equal(explained('unload', twice, { module: 'hello_3' }).length, 1);
    assert.equal(explained('build', twice).length, 0);
    assert.equal(new Set(EXPLANATIONS.map((e) => e.id)).size, EXPLANATIONS.length, 'ids are unique');
  });

  it('names the package of a missing program', () => {
    assert.match(missingProgramText('make'), /"make" was not found\. Install it: sudo apt-get install make/);
    assert.match(missingProgramText('insmod', 'EACCES'), /could not be started \(EACCES.*\/usr\/sbin.*apt-get install kmod/);
  });
});
