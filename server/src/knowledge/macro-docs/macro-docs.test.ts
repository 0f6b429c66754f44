import * as assert from 'node:assert/strict';
import { MACRO_DOCS, MacroDoc, lookupMacroDoc } from './index';

// Names the hover table must cover. Kept as a literal list so that
// dropping an entry from the table makes this test fail.
const REQUIRED_NAMES: readonly string[] = [
  // init.h and relatives
  '__init',
  '__initdata',
  '__initconst',
  '__exit',
  '__exitdata',
  '__exit_call',
  '__exit_p',
  '__exitused',
  '__ref',
  '__refdata',
  '__refconst',
  '__meminit',
  '__meminitdata',
  '__meminitconst',
  '__init_or_module',
  '__initdata_or_module',
  '__initconst_or_module',
  '__init_memblock',
  '__initdata_memblock',
  '__nosavedata',
  '__sched',
  'noinstr',
  '__cpuidle',
  '__kprobes',
  '__irq_entry',
  '__softirq_entry',
  '__net_init',
  '__net_exit',
  '__net_initdata',
  '__ro_after_init',
  '__read_mostly',
  '__section',
  // removed families
  '__devinit',
  '__devinitdata',
  '__devinitconst',
  '__devexit',
  '__devexitdata',
  '__devexitconst',
  '__devexit_p',
  '__cpuinit',
  '__cpuinitdata',
  '__cpuinitconst',
  '__cpuexit',
  '__cpuexitdata',
  '__cpuexitconst',
  '__memexit',
  '__memexitdata',
  '__memexitconst',
  // module_init/exit and initcalls
  'module_init',
  'module_exit',
  'early_initcall',
  'pure_initcall',
  'core_initcall',
  'core_initcall_sync',
  'postcore_initcall',
  'postcore_initcall_sync',
  'arch_initcall',
  'arch_initcall_sync',
  'subsys_initcall',
  'subsys_initcall_sync',
  'fs_initcall',
  'fs_initcall_sync',
  'rootfs_initcall',
  'device_initcall',
  'device_initcall_sync',
  'late_initcall',
  'late_initcall_sync',
  '__initcall',
  'console_initcall',
  '__setup',
  'early_param',
  // driver helpers
  'module_driver',
  'builtin_platform_driver',
  'module_platform_driver',
  'module_i2c_driver',
  'module_pci_driver',
  'module_spi_driver',
  'module_usb_driver',
  'module_hid_driver',
  'module_serio_driver',
  'module_amba_driver',
  'mdio_module_driver',
  'module_phy_driver',
  'module_usb_serial_driver',
  'module_virtio_driver',
  'module_sdio_driver',
  // module info
  'MODULE_LICENSE',
  'MODULE_AUTHOR',
  'MODULE_DESCRIPTION',
  'MODULE_VERSION',
  'MODULE_ALIAS',
  'MODULE_DEVICE_TABLE',
  'MODULE_FIRMWARE',
  'MODULE_IMPORT_NS',
  'MODULE_SOFTDEP',
  'THIS_MODULE',
  'KBUILD_MODNAME',
  // parameters
  'module_param',
  'module_param_named',
  'module_param_array',
  'module_param_string',
  'module_param_cb',
  'module_param_unsafe',
  'module_param_hw',
  'module_param_hw_named',
  'module_param_hw_array',
  'MODULE_PARM_DESC',
  // exports
  'EXPORT_SYMBOL',
  'EXPORT_SYMBOL_GPL',
  'EXPORT_SYMBOL_NS',
  'EXPORT_SYMBOL_NS_GPL',
  'EXPORT_SYMBOL_GPL_FOR_MODULES',
  // printk
  'printk',
  'pr_fmt',
  'KERN_EMERG',
  'KERN_ALERT',
  'KERN_CRIT',
  'KERN_ERR',
  'KERN_WARNING',
  'KERN_NOTICE',
  'KERN_INFO',
  'KERN_DEBUG',
  'KERN_DEFAULT',
  'KERN_CONT',
  'pr_emerg',
  'pr_alert',
  'pr_crit',
  'pr_err',
  'pr_warn',
  'pr_notice',
  'pr_info',
  'pr_debug',
  'pr_cont',
  'pr_devel',
  'pr_info_once',
  'pr_warn_once',
  'pr_err_once',
  'pr_err_ratelimited',
  'pr_warn_ratelimited',
  'pr_info_ratelimited',
  'dev_emerg',
  'dev_alert',
  'dev_crit',
  'dev_err',
  'dev_warn',
  'dev_notice',
  'dev_info',
  'dev_dbg',
  'dev_err_probe',
  // sparse and helpers
  '__user',
  '__iomem',
  '__rcu',
  '__percpu',
  '__force',
  '__bitwise',
  '__must_check',
  '__maybe_unused',
  '__always_inline',
  'noinline',
  'likely',
  'unlikely',
  'container_of',
  'ARRAY_SIZE',
];

/** Section names in a `section` field, e.g. ".meminit.text (6.1–6.6); .init.text or none (6.12+)". */
function sectionNames(section: string): string[] {
  return section.match(/(?<![\w.])[._][\w.]*[A-Za-z_]/g) ?? [];
}

function docOf(name: string): MacroDoc {
  const doc = lookupMacroDoc(name);
  assert.ok(doc, `no entry for ${name}`);
  return doc;
}

describe('macro knowledge table', () => {
  it('covers every required name', () => {
    const missing = REQUIRED_NAMES.filter((name) => lookupMacroDoc(name) === undefined);
    assert.deepEqual(missing, []);
  });

  it('has unique names, and aliases do not collide with names or each other', () => {
    const seen = new Set<string>();
    for (const doc of MACRO_DOCS) {
      for (const name of [doc.name, ...(doc.aliases ?? [])]) {
        assert.ok(!seen.has(name), `duplicate name or alias: ${name}`);
        seen.add(name);
      }
    }
  });

  it('gives every entry a non-empty summary and details', () => {
    for (const doc of MACRO_DOCS) {
      assert.ok(doc.summary.trim().length > 10, `summary of ${doc.name}`);
      assert.ok(doc.details.trim().length > 20, `details of ${doc.name}`);
    }
  });

  it('mentions every section of an entry in its summary or details', () => {
    const problems: string[] = [];
    for (const doc of MACRO_DOCS) {
      if (!doc.section) continue;
      const names = sectionNames(doc.section);
      if (names.length === 0) problems.push(`${doc.name}: section field names no section: ${doc.section}`);
      const text = `${doc.summary}\n${doc.details}`;
      for (const section of names) {
        if (!text.includes(section)) problems.push(`${doc.name}: ${section}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('gives annotations that place things in a section the expected section', () => {
    const expected: Record<string, string> = {
      __init: '.init.text',
      __initdata: '.init.data',
      __initconst: '.init.rodata',
      __exit: '.exit.text',
      __exitdata: '.exit.data',
      __exit_call: '.exitcall.exit',
      __ref: '.ref.text',
      __refdata: '.ref.data',
      __refconst: '.ref.rodata',
      __ro_after_init: '.data..ro_after_init',
      __sched: '.sched.text',
      noinstr: '.noinstr.text',
      __nosavedata: '.data..nosave',
      early_initcall: '.initcallearly.init',
      pure_initcall: '.initcall0.init',
      subsys_initcall_sync: '.initcall4s.init',
      rootfs_initcall: '.initcallrootfs.init',
      device_initcall: '.initcall6.init',
      late_initcall_sync: '.initcall7s.init',
      console_initcall: '.con_initcall.init',
      module_param: '__param',
      MODULE_LICENSE: '.modinfo',
    };
    for (const [name, section] of Object.entries(expected)) {
      assert.ok(sectionNames(docOf(name).section ?? '').includes(section), `${name} should be in ${section}`);
    }
  });

  it('pairs data annotations with their const twins', () => {
    assert.equal(docOf('__initdata').constTwin, '__initconst');
    assert.equal(docOf('__refdata').constTwin, '__refconst');
    assert.equal(docOf('__meminitdata').constTwin, '__meminitconst');
    // Removed annotations must not recommend another removed annotation.
    assert.equal(docOf('__devinitdata').constTwin, undefined);
    assert.equal(docOf('__exitdata').constTwin, undefined);
    for (const doc of MACRO_DOCS) {
      if (doc.constTwin) assert.ok(lookupMacroDoc(doc.constTwin), `${doc.name}: const twin ${doc.constTwin} has no entry`);
    }
  });

  it('numbers the KERN_* levels 0 to 7', () => {
    const levels = ['EMERG', 'ALERT', 'CRIT', 'ERR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'];
    levels.forEach((level, number) => {
      const doc = docOf(`KERN_${level}`);
      assert.match(doc.summary, new RegExp(`level ${number}\\b`));
      assert.ok(doc.details.includes(`\\001${number}`), `KERN_${level} should show its prefix bytes`);
    });
  });

  it('lists the licence strings and their GPL compatibility under MODULE_LICENSE', () => {
    const doc = docOf('MODULE_LICENSE');
    for (const license of ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL', 'Proprietary']) {
      assert.ok(doc.details.includes(`"${license}"`), `licence ${license} missing`);
    }
    assert.match(doc.details, /GPL-compatible/);
    assert.match(doc.details, /taint/);
  });

  it('carries the version notes of annotations whose meaning changed', () => {
    assert.match(docOf('__devinit').versionNotes ?? '', /3\.8/);
    assert.match(docOf('__devexit_p').versionNotes ?? '', /3\.8/);
    assert.match(docOf('__meminit').versionNotes ?? '', /6\.12/);
    assert.match(docOf('__meminit').versionNotes ?? '', /MEMORY_HOTPLUG/);
    assert.match(docOf('MODULE_IMPORT_NS').versionNotes ?? '', /6\.13/);
    for (const doc of MACRO_DOCS.filter((d) => d.category === 'removed-annotation')) {
      assert.ok(doc.versionNotes, `${doc.name} needs a version note`);
    }
  });

  it('explains dynamic debug under pr_debug and dev_dbg', () => {
    for (const name of ['pr_debug', 'dev_dbg']) {
      const details = docOf(name).details;
      assert.match(details, /dynamic_debug\/control/);
      assert.match(details, /DEBUG/);
    }
  });

  it('gives each initcall level its own entry with its own section', () => {
    // __initcall is the old spelling of device_initcall and shares its section.
    const initcalls = MACRO_DOCS.filter((d) => d.category === 'initcall' && d.name.endsWith('_initcall') && !d.name.startsWith('__'));
    const sections = new Set(initcalls.map((d) => d.section));
    assert.equal(sections.size, initcalls.length);
  });

  it('looks names up exactly, including aliases', () => {
    assert.equal(lookupMacroDoc('EXPORT_SYMBOL_GPL_FOR_MODULES')?.name, 'EXPORT_SYMBOL_FOR_MODULES');
    assert.equal(lookupMacroDoc('__initdata')?.name, '__initdata');
    assert.equal(lookupMacroDoc('__INITDATA'), undefined);
    assert.equal(lookupMacroDoc('not_a_kernel_macro'), undefined);
  });
});
