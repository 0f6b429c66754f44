// kmod-lsp: the language server for VS Code (dist/server.js) and any other LSP client.
import { startServer } from '../../server/src/server';

startServer();
