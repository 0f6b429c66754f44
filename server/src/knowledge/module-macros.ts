// File-scope macros that create or use symbols, as data: module_init/module_exit and the initcall
// levels, module_*_driver(X) (which generates X_init/X_exit), EXPORT_SYMBOL*.

export type MacroRole = 'module-init' | 'module-exit' | 'driver' | 'export';

export interface GeneratedSymbol {
  name: string;
  section: string;
}

export interface ModuleMacro {
  role: MacroRole;
  /** Symbols the macro defines from its argument (module_platform_driver(X) → X_init, X_exit). */
  generates?: (argument: string) => GeneratedSymbol[];
}

const driverPair = (argument: string): GeneratedSymbol[] => [
  { name: `${argument}_init`, section: '.init.text' },
  { name: `${argument}_exit`, section: '.exit.text' },
];
const fixedPair = (init: string, exit: string) => (): GeneratedSymbol[] => [
  { name: init, section: '.init.text' },
  { name: exit, section: '.exit.text' },
];

const EXACT: Readonly<Record<string, ModuleMacro>> = {
  module_init: { role: 'module-init' },
  module_exit: { role: 'module-exit' },
  __initcall: { role: 'module-init' },
  console_initcall: { role: 'module-init' },
  module_driver: { role: 'driver', generates: driverPair },
  module_usb_serial_driver: { role: 'driver', generates: fixedPair('usb_serial_module_init', 'usb_serial_module_exit') },
  module_phy_driver: { role: 'driver', generates: fixedPair('phy_module_init', 'phy_module_exit') },
  builtin_platform_driver: { role: 'driver', generates: (argument) => [{ name: `${argument}_init`, section: '.init.text' }] },
  builtin_driver: { role: 'driver', generates: (argument) => [{ name: `${argument}_init`, section: '.init.text' }] },
  EXPORT_SYMBOL: { role: 'export' },
  EXPORT_SYMBOL_GPL: { role: 'export' },
  EXPORT_SYMBOL_NS: { role: 'export' },
  EXPORT_SYMBOL_NS_GPL: { role: 'export' },
  EXPORT_SYMBOL_GPL_FOR_MODULES: { role: 'export' },
  EXPORT_SYMBOL_FOR_MODULES: { role: 'export' },
};

const PATTERNS: readonly [RegExp, ModuleMacro][] = [
  // core_initcall, subsys_initcall_sync, late_initcall, …: module_init() when built as a module.
  [/^(early|pure|core|postcore|arch|subsys|fs|rootfs|device|late)_initcall(_sync)?$/, { role: 'module-init' }],
  // module_platform_driver(X), module_i2c_driver(X), …: X_init and X_exit.
  [/^module_[a-z0-9_]+_driver$/, { role: 'driver', generates: driverPair }],
];

export function moduleMacro(name: string): ModuleMacro | undefined {
  return EXACT[name] ?? PATTERNS.find(([re]) => re.test(name))?.[1];
}
