// Bus driver registration helpers (module_platform_driver, module_i2c_driver, …) and the built-in-only
// platform/PCI forms, from the bus headers (include/linux/platform_device.h, include/linux/pci.h, …).

import type { MacroDoc } from './types';
import { paragraphs } from './wording';

interface DriverHelperRow {
  name: string;
  signature: string;
  header: string;
  /** What is being registered. */
  object: string;
  register: string;
  unregister: string;
  note?: string;
}

const DRIVER_HELPERS: DriverHelperRow[] = [
  {
    name: 'module_platform_driver',
    signature: 'module_platform_driver(drv)',
    header: 'linux/platform_device.h',
    object: 'a `struct platform_driver`',
    register: 'platform_driver_register',
    unregister: 'platform_driver_unregister',
  },
  {
    name: 'module_i2c_driver',
    signature: 'module_i2c_driver(drv)',
    header: 'linux/i2c.h',
    object: 'a `struct i2c_driver`',
    register: 'i2c_add_driver',
    unregister: 'i2c_del_driver',
  },
  {
    name: 'module_pci_driver',
    signature: 'module_pci_driver(drv)',
    header: 'linux/pci.h',
    object: 'a `struct pci_driver`',
    register: 'pci_register_driver',
    unregister: 'pci_unregister_driver',
  },
  {
    name: 'module_spi_driver',
    signature: 'module_spi_driver(drv)',
    header: 'linux/spi/spi.h',
    object: 'a `struct spi_driver`',
    register: 'spi_register_driver',
    unregister: 'spi_unregister_driver',
  },
  {
    name: 'module_usb_driver',
    signature: 'module_usb_driver(drv)',
    header: 'linux/usb.h',
    object: 'a `struct usb_driver`',
    register: 'usb_register',
    unregister: 'usb_deregister',
  },
  {
    name: 'module_hid_driver',
    signature: 'module_hid_driver(drv)',
    header: 'linux/hid.h',
    object: 'a `struct hid_driver`',
    register: 'hid_register_driver',
    unregister: 'hid_unregister_driver',
  },
  {
    name: 'module_serio_driver',
    signature: 'module_serio_driver(drv)',
    header: 'linux/serio.h',
    object: 'a `struct serio_driver`',
    register: 'serio_register_driver',
    unregister: 'serio_unregister_driver',
  },
  {
    name: 'module_amba_driver',
    signature: 'module_amba_driver(drv)',
    header: 'linux/amba/bus.h',
    object: 'a `struct amba_driver`',
    register: 'amba_driver_register',
    unregister: 'amba_driver_unregister',
  },
  {
    name: 'mdio_module_driver',
    signature: 'mdio_module_driver(drv)',
    header: 'linux/mdio.h',
    object: 'a `struct mdio_driver`',
    register: 'mdio_driver_register',
    unregister: 'mdio_driver_unregister',
    note: 'Its generated functions are called `mdio_module_init`/`mdio_module_exit`, so only one per module.',
  },
  {
    name: 'module_phy_driver',
    signature: 'module_phy_driver(drivers)',
    header: 'linux/phy.h',
    object: 'an **array** of `struct phy_driver` (its length is taken with `ARRAY_SIZE()`)',
    register: 'phy_drivers_register',
    unregister: 'phy_drivers_unregister',
    note: 'Pass the array itself, not a pointer, or `ARRAY_SIZE()` fails to compile.',
  },
  {
    name: 'module_usb_serial_driver',
    signature: 'module_usb_serial_driver(serial_drivers, id_table)',
    header: 'linux/usb/serial.h',
    object: 'a NULL-terminated array of `struct usb_serial_driver *` plus the USB id table',
    register: 'usb_serial_register_drivers',
    unregister: 'usb_serial_deregister_drivers',
    note: 'The module name (`KBUILD_MODNAME`) is used as the name of the generated USB driver.',
  },
  {
    name: 'module_virtio_driver',
    signature: 'module_virtio_driver(drv)',
    header: 'linux/virtio.h',
    object: 'a `struct virtio_driver`',
    register: 'register_virtio_driver',
    unregister: 'unregister_virtio_driver',
  },
  {
    name: 'module_sdio_driver',
    signature: 'module_sdio_driver(drv)',
    header: 'linux/mmc/sdio_func.h',
    object: 'a `struct sdio_driver`',
    register: 'sdio_register_driver',
    unregister: 'sdio_unregister_driver',
  },
  {
    name: 'module_auxiliary_driver',
    signature: 'module_auxiliary_driver(drv)',
    header: 'linux/auxiliary_bus.h',
    object: 'a `struct auxiliary_driver`',
    register: 'auxiliary_driver_register',
    unregister: 'auxiliary_driver_unregister',
  },
  {
    name: 'module_pnp_driver',
    signature: 'module_pnp_driver(drv)',
    header: 'linux/pnp.h',
    object: 'a `struct pnp_driver`',
    register: 'pnp_register_driver',
    unregister: 'pnp_unregister_driver',
  },
  {
    name: 'module_serdev_device_driver',
    signature: 'module_serdev_device_driver(drv)',
    header: 'linux/serdev.h',
    object: 'a `struct serdev_device_driver`',
    register: 'serdev_device_driver_register',
    unregister: 'serdev_device_driver_unregister',
  },
  {
    name: 'module_gameport_driver',
    signature: 'module_gameport_driver(drv)',
    header: 'linux/gameport.h',
    object: 'a `struct gameport_driver`',
    register: 'gameport_register_driver',
    unregister: 'gameport_unregister_driver',
  },
  {
    name: 'module_i3c_driver',
    signature: 'module_i3c_driver(drv)',
    header: 'linux/i3c/device.h',
    object: 'a `struct i3c_driver`',
    register: 'i3c_driver_register',
    unregister: 'i3c_driver_unregister',
  },
  {
    name: 'module_spi_mem_driver',
    signature: 'module_spi_mem_driver(drv)',
    header: 'linux/spi/spi-mem.h',
    object: 'a `struct spi_mem_driver`',
    register: 'spi_mem_driver_register',
    unregister: 'spi_mem_driver_unregister',
  },
  {
    name: 'module_rpmsg_driver',
    signature: 'module_rpmsg_driver(drv)',
    header: 'linux/rpmsg.h',
    object: 'a `struct rpmsg_driver`',
    register: 'register_rpmsg_driver',
    unregister: 'unregister_rpmsg_driver',
  },
  {
    name: 'module_misc_device',
    signature: 'module_misc_device(miscdev)',
    header: 'linux/miscdevice.h',
    object: 'a `struct miscdevice` (a device node, not a driver)',
    register: 'misc_register',
    unregister: 'misc_deregister',
    note: 'Set `.fops` with `.owner = THIS_MODULE` in the `file_operations`.',
  },
];

const DRIVER_HELPER_MISTAKES = [
  'Marking the probe callback `__init`: devices can bind after init (hot-plug, deferred probe, manual bind through sysfs). modpost reports the driver struct → `.init.text` reference.',
  'Marking `.remove` `__exit` and using `__exit_p()`: unbinding a built-in device then skips cleanup, and 6.12+ modpost warns about the reference to `.exit.text`.',
  'Using the helper and also writing `module_init()`/`module_exit()` in the same module.',
  'Forgetting `MODULE_DEVICE_TABLE()` for the id/of_match table: the driver works when loaded by hand but is not auto-loaded.',
];

export function driverHelpers(): MacroDoc[] {
  return DRIVER_HELPERS.map((row) => ({
    name: row.name,
    category: 'module-macro' as const,
    signature: row.signature,
    summary: `Replaces the module_init/module_exit boilerplate for ${row.object}: registers it with \`${row.register}()\` on load and calls \`${row.unregister}()\` on unload.`,
    builtinVsModule:
      'Module: registered at load, unregistered at rmmod. Built-in: registered at device initcall level; the generated exit function is dropped.',
    details: paragraphs(
      `Declared in \`<${row.header}>\`. It generates a \`static int __init\` function that calls \`${row.register}()\` and a \`static void __exit\` function that calls \`${row.unregister}()\`, and passes them to \`module_init()\` and \`module_exit()\`. Use it once per module, when the module does nothing else at load time.`,
      ...(row.note ? [row.note] : []),
    ),
    mistakes: DRIVER_HELPER_MISTAKES,
    versionNotes:
      row.name === 'module_platform_driver'
        ? 'Macro unchanged 6.1–7.x. The platform `.remove` callback returned `int` in 6.1 and returns `void` from about 6.11 (the transitional `.remove_new` field existed in between).'
        : 'Unchanged from 6.1 to 7.x.',
  }));
}

export const PLATFORM_EXTRA: MacroDoc[] = [
  {
    name: 'builtin_platform_driver',
    category: 'module-macro',
    signature: 'builtin_platform_driver(drv)',
    summary: 'Registers a platform driver from built-in-only code via `device_initcall()`; there is no unregister path.',
    section: '.initcall6.init',
    builtinVsModule: 'For drivers that can only be built in (`bool` Kconfig). The driver can never be unregistered.',
    details: paragraphs(
      'Expands to `builtin_driver(drv, platform_driver_register)`: an `__init` function that registers the driver, run at device initcall level (pointer in `.initcall6.init`).',
      'Because there is no remove path, such drivers usually set `.suppress_bind_attrs = true` so that nobody can unbind the device through sysfs.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_platform_driver_probe',
    category: 'module-macro',
    signature: 'module_platform_driver_probe(drv, probe)',
    summary:
      'Registers a platform driver with `platform_driver_probe()`, which binds only devices that already exist and allows the probe function to be `__init`.',
    builtinVsModule: 'Module: probes once at load, unregisters at rmmod. Built-in: probes once at boot.',
    details: paragraphs(
      'The generated init function calls `platform_driver_probe(&drv, probe)`: the probe pointer is handed over from `__init` code instead of being stored in the driver struct, so `probe` may be `__init` without a section mismatch.',
      'The price: devices registered later are never bound, and deferred probing (`-EPROBE_DEFER`) is not possible.',
    ),
    mistakes: ['Using it for hot-pluggable devices or for drivers whose resources may not be ready yet (no deferred probe).'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'builtin_platform_driver_probe',
    category: 'module-macro',
    signature: 'builtin_platform_driver_probe(drv, probe)',
    summary: 'Built-in-only form of `module_platform_driver_probe()`: probes existing devices once at device initcall level.',
    section: '.initcall6.init',
    details: paragraphs(
      'Generates an `__init` function calling `platform_driver_probe()` and registers it with `device_initcall()` (`.initcall6.init`). No unregister path.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'builtin_pci_driver',
    category: 'module-macro',
    signature: 'builtin_pci_driver(drv)',
    summary: 'Registers a PCI driver from built-in-only code via `device_initcall()`; no unregister path.',
    section: '.initcall6.init',
    details: paragraphs(
      'Expands to `builtin_driver(drv, pci_register_driver)`; the register function runs at device initcall level (`.initcall6.init`).',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
];
