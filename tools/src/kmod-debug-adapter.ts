// kmod-debug-adapter: the `kmod-vm` debug adapter, speaking DAP on stdin/stdout. When the editor
// goes away (stdin closes) the VM and gdb go with it; on a signal the session's termination
// cleanups kill them.
import { KmodVmDebugSession } from './vm/debug/session';

const session = new KmodVmDebugSession();
process.stdin.on('close', () => void session.endSession().finally(() => process.exit(0)));
session.start(process.stdin, process.stdout);
