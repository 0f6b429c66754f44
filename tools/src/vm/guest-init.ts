// The guest's /init (busybox sh) and the scenario steps it understands. Everything variable (module
// file, name, parameters, settle time, steps) is read from files under /kvmtest with `read -r`, so no
// user text is ever parsed as shell code. Progress is printed as "@@KVMTEST <phase> … uptime=<s>"
// markers that summary.ts reads back.

/** Scenario steps, in the words of --scenario. */
export const SCENARIO_STEPS: Readonly<Record<string, string>> = {
  insmod: 'load the module with the parameters',
  settle: 'wait --settle seconds (the kernel frees __init memory asynchronously; without the wait rmmod can win the race)',
  rmmod: 'unload the module',
  'rmmod-retry': 'unload again, only if the module is still loaded',
  lsmod: 'print lsmod and /proc/modules',
};

export const DEFAULT_SCENARIO: readonly string[] = ['insmod', 'settle', 'rmmod', 'rmmod-retry', 'lsmod'];

export const MARKER = '@@KVMTEST';

/** The start of every guest /init (test and debug): busybox applets, /proc, /sys, /dev. */
export const GUEST_PREAMBLE = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
`;

/** Shell function: the state of module $MOD_NAME in /proc/modules (Live, Unloading, …) or "absent". */
export const MODULE_STATE_FUNCTION = `module_state() {
  while read -r name size refs deps state rest; do
    if [ "$name" = "$MOD_NAME" ]; then echo "$state"; return; fi
  done < /proc/modules
  echo absent
}
`;

export const GUEST_INIT_SCRIPT = `${GUEST_PREAMBLE}
mark() {
  read -r up idle < /proc/uptime
  echo "${MARKER} $* uptime=$up"
}
${MODULE_STATE_FUNCTION}unload() {
  rmmod_count=$((rmmod_count + 1))
  mark "rmmod-$rmmod_count" "$MOD_NAME"
  rmmod "$MOD_NAME"
  mark "rmmod-$rmmod_count-done" "rc=$?"
}

read -r MOD_FILE < /kvmtest/module-file
read -r MOD_NAME < /kvmtest/module-name
read -r SETTLE < /kvmtest/settle
set --
while IFS= read -r param; do set -- "$@" "$param"; done < /kvmtest/params
rmmod_count=0

mark init-start "kernel=$(uname -r)"
while IFS= read -r step <&3; do
  case "$step" in
    insmod)
      mark insmod "$MOD_FILE"
      insmod "$MOD_FILE" "$@"
      mark insmod-done "rc=$?" ;;
    settle)
      mark settle "\${SETTLE}s"
      sleep "$SETTLE"
      mark settle-done ;;
    rmmod)
      unload ;;
    rmmod-retry)
      if [ "$(module_state)" = absent ]; then mark rmmod-retry-skipped; else unload; fi ;;
    lsmod)
      mark lsmod
      lsmod
      echo "--- /proc/modules"
      cat /proc/modules
      mark lsmod-done ;;
    *)
      mark unknown-step ;;
  esac
done 3< /kvmtest/scenario

mark end "module=$(module_state)" "tainted=$(cat /proc/sys/kernel/tainted)"
mark poweroff
poweroff -f
reboot -f
`;
