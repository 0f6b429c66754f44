/**
 * Kernel log text used by the grammar tests.
 *
 * VM_RUN_BUGGY_HELLO_3 is copied verbatim from a real run of the VM loop on the buggy hello-3: the serial
 * console of the VM loop (host time `[+ …s]`, guest printk time `[…]`, `@@KVMTEST` markers) while the
 * buggy hello-3 module oopses on rmmod. The "… (registers) …" lines are elisions in that document.
 */
export const VM_RUN_BUGGY_HELLO_3 = `
[+   1.933s] @@KVMTEST init-start kernel=6.1.0-56-amd64 lockdown=[none] integrity confidentiality uptime=1.72
[+   1.937s] @@KVMTEST insmod /modules/hello-3.ko uptime=1.73
[+   1.943s] [    1.761210] hello_3: loading out-of-tree module taints kernel.
[+   1.943s] [    1.762491] hello_3: module verification failed: signature and/or required key missing - tainting kernel
[+   1.945s] [    1.766443] Hello, world 3
[+   1.960s] @@KVMTEST insmod-done rc=0 uptime=1.75
[+   1.960s] --- lsmod after insmod
[+   1.965s] Module                  Size  Used by    Tainted: G
[+   1.966s] hello_3                16384  0
[+   1.970s] @@KVMTEST settle 1s uptime=1.77
[+   2.984s] @@KVMTEST rmmod-1 hello_3 uptime=2.78
[+   2.984s] [    2.804964] BUG: unable to handle page fault for address: ffffffffc0207008
[+   2.984s] [    2.805161] #PF: supervisor read access in kernel mode
[+   2.984s] [    2.805205] #PF: error_code(0x0000) - not-present page
[+   2.985s] [    2.805601] PGD 2a15067 P4D 2a15067 PUD 2a17067 PMD 61e9067 PTE 0
[+   2.985s] [    2.806264] Oops: 0000 [#1] PREEMPT SMP NOPTI
[+   2.986s] [    2.806629] CPU: 0 PID: 96 Comm: rmmod Tainted: G           OE      6.1.0-56-amd64 #1  Debian 6.1.192-2
[+   2.987s] [    2.807282] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
[+   2.987s] [    2.807902] RIP: 0010:hello_3_exit+0x0/0x1000 [hello_3]
[+   2.991s] [    2.808572] Code: Unable to access opcode bytes at 0xffffffffc0200fd6.
[+   2.991s] [    2.808688] RSP: 0018:ffffc90000593d40 EFLAGS: 00000286
        … (registers) …
[+   2.991s] [    2.809304] Call Trace:
[+   2.991s] [    2.809759]  <TASK>
[+   2.991s] [    2.809851]  __do_sys_delete_module+0x1b9/0x330
[+   2.991s] [    2.810156]  do_syscall_64+0x5d/0xb0
[+   2.991s] [    2.810209]  ? __handle_mm_fault+0x660/0xfa0
[+   2.991s] [    2.810252]  ? handle_mm_fault+0xdb/0x2d0
[+   2.991s] [    2.810279]  ? do_user_addr_fault+0x1b0/0x570
[+   2.991s] [    2.810311]  ? exit_to_user_mode_prepare+0x44/0x240
[+   2.991s] [    2.810342]  entry_SYSCALL_64_after_hwframe+0x6e/0xd8
        … (user RIP/registers) …
[+   2.991s] [    2.811012]  </TASK>
[+   2.991s] [    2.811080] Modules linked in: hello_3(OE-)
[+   2.991s] [    2.811258] CR2: ffffffffc0207008
[+   2.991s] [    2.811444] ---[ end trace 0000000000000000 ]---
[+   2.991s] [    2.811495] RIP: 0010:hello_3_exit+0x0/0x1000 [hello_3]
        … (register dump repeated) …
[+   2.991s] [    2.811998] note: rmmod[96] exited with irqs disabled
[+   2.993s] Killed
[+   2.997s] @@KVMTEST rmmod-1-done rc=137 uptime=2.79
[+   3.000s] @@KVMTEST rmmod-2 hello_3 uptime=2.79
[+   3.002s] rmmod: can't unload module 'hello_3': Device or resource busy
[+   3.006s] @@KVMTEST rmmod-2-done rc=1 uptime=2.80
[+   3.006s] --- lsmod
[+   3.008s] Module                  Size  Used by    Tainted: G
[+   3.009s] hello_3                16384 -1
[+   3.010s] --- /proc/modules
[+   3.015s] hello_3 16384 -1 - Unloading 0xffffffffc0201000 (OE-)
[+   3.022s] --- tainted=12416
[+   3.025s] @@KVMTEST dmesg uptime=2.82
   … full dmesg …
[+   3.084s] @@KVMTEST poweroff uptime=2.88
[+   3.100s] [    2.920183] ACPI: PM: Preparing to enter system sleep state S5
[+   3.100s] [    2.921192] reboot: Power down
qemu rc=0 wall=3.407880710 s
`.slice(1, -1);

/**
 * Real `dmesg` output of this project's Debian 12 host (util-linux 2.38.1, 2026-11-25), one line per
 * output format: plain, -x/--decode, -T/--ctime, --time-format reltime (what -H/--human shows),
 * -r/--raw, --time-format iso, -d/--show-delta.
 */
export const HOST_DMESG_FORMATS = {
  plain: "[    0.000000] [Firmware Bug]: TSC doesn't count with P0 frequency!",
  decodeWarn: "kern  :warn  : [    0.000000] [Firmware Bug]: TSC doesn't count with P0 frequency!",
  decodeInfo:
    'kern  :info  : [    0.248268] clocksource: jiffies: mask: 0xffffffff max_cycles: 0xffffffff, max_idle_ns: 7645041785100000 ns',
  decodeNotice:
    'kern  :notice: [    0.000000] Linux version 6.18.44-fc-v669 (builder@sandboxing) (gcc (GCC) 15.3.0, GNU ld (GNU Binutils) 2.46) #1 SMP PREEMPT_DYNAMIC @0',
  ctime: "[Wed Nov 25 20:21:29 2026] [Firmware Bug]: TSC doesn't count with P0 frequency!",
  humanMinute:
    '[Nov25 20:21] Linux version 6.18.44-fc-v669 (builder@sandboxing) (gcc (GCC) 15.3.0, GNU ld (GNU Binutils) 2.46) #1 SMP PREEMPT_DYNAMIC @0',
  humanDelta: "[  +0.000000] [Firmware Bug]: TSC doesn't count with P0 frequency!",
  raw: "<4>[    0.000000] [Firmware Bug]: TSC doesn't count with P0 frequency!",
  iso: "2026-11-25T20:21:29,000000+00:00 [Firmware Bug]: TSC doesn't count with P0 frequency!",
  showDelta: "[    0.000000 <    0.000000>] [Firmware Bug]: TSC doesn't count with P0 frequency!",
  devicePrefix: '[    0.294568] acpi PNP0A08:00: _OSC: OS supports [ExtendedConfig ASPM ClockPM Segments MSI HPX-Type3]',
  subsystemPrefix: "[    0.250581] x86/fpu: Supporting XSAVE feature 0x001: 'x87 floating point registers'",
} as const;

/**
 * Crash headlines the VM run above does not contain. NOT captured output: each line is the kernel's own
 * format string with example values filled in (source file in the key's comment).
 */
export const KERNEL_FORMAT_LINES = {
  cutHere: '[   12.345678] ------------[ cut here ]------------', // include/asm-generic/bug.h CUT_HERE
  warning: '[   12.345679] WARNING: CPU: 0 PID: 96 at lib/refcount.c:25 refcount_warn_saturate+0x97/0x110', // kernel/panic.c __warn()
  kernelBug: '[   12.345680] kernel BUG at mm/slub.c:379!', // lib/bug.c report_bug()
  gpf: '[   12.345681] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI', // arch/x86/kernel/traps.c + dumpstack.c
  panic: '[   12.345682] Kernel panic - not syncing: Fatal exception', // kernel/panic.c panic()
  panicEnd: '[   12.345683] ---[ end Kernel panic - not syncing: Fatal exception ]---', // kernel/panic.c panic()
  nullDeref: '[   12.345684] BUG: kernel NULL pointer dereference, address: 0000000000000008', // arch/x86/mm/fault.c
  netdevPrefix: '[   12.345685] e1000e 0000:00:19.0 eth0: NIC Link is Up', // dev_printk/netdev_printk prefix
  codeBytes: '[   12.345686] Code: 48 8b 05 f9 5f 00 00 <8b> 04 25 00 00 00 00 c3', // arch/x86/kernel/dumpstack.c show_opcodes()
} as const;
