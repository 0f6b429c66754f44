// Oops line → source line, for the VM test (client/src/vm) and the kernel-log view (issue 4).
export { parseOopsLine, stripPrintkPrefix } from './parse';
export type { OopsLineKind, OopsLocation } from './parse';
export { resolveOopsLine, resolveOopsLocation, findModuleObject, findFunctionDefinition } from './resolve';
export type { ResolvedOopsLine } from './resolve';
