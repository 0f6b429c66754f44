// The VM console terminal of a debug session: connects the terminal to the debug adapter's console
// socket. Keys go to the guest's shell as typed (raw), the guest's output comes back unchanged.
import * as net from 'node:net';

const socketPath = process.argv[2];
if (!socketPath) {
  process.stderr.write('usage: vm-console SOCKET\n');
  process.exit(2);
}
const socket = net.connect(socketPath);
socket.on('connect', () => {
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.pipe(socket);
});
socket.pipe(process.stdout);
socket.on('error', (err) => {
  process.stderr.write(`The VM console is not available: ${err.message}\n`);
  process.exit(1);
});
socket.on('close', () => process.exit(0));
