// Oops line → source line, for the VM test (tools/src/vm) and the kernel log's links (client/src/oops-links).
export { parseOopsLine, stripPrintkPrefix } from './parse';
export type { OopsLineKind, OopsLocation } from './parse';
export { resolveOopsLine, resolveOopsLocation, findModuleObject, findFunctionDefinition } from './resolve';
export type { ResolvedOopsLine } from './resolve';
