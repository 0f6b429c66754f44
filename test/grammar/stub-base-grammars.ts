/**
 * STUB base grammars for `source.c` and `source.makefile`, used ONLY by the grammar tests.
 *
 * Our C and Makefile grammars are injections: they only run on top of a base grammar. The "stub"
 * test run uses these small, self-contained bases so that the injection rules are tested without any
 * download. They reproduce only what the injections interact with:
 *  - C: comments and strings (the C injection's `-comment -string` exclusion), `#include <…>`, blocks;
 *  - Makefile: the shapes of VS Code's make grammar that compete with the Kbuild injection
 *    (variable assignment from the line start, `$(…)`, recipes ending at `[^\\]$`, and conditionals
 *    whose condition scope ends at the next `^`).
 * The same assertions also run against VS Code's real grammars (base "vscode" in grammar.test.ts).
 */

export const STUB_C_GRAMMAR = {
  name: 'C (test stub)',
  scopeName: 'source.c',
  patterns: [
    { include: '#comments' },
    { include: '#strings' },
    { include: '#include-directive' },
    { include: '#block' },
    { match: '\\b(?:static|const|struct)\\b', name: 'storage.modifier.c' },
    { match: '\\b(?:int|void|char)\\b', name: 'storage.type.built-in.primitive.c' },
    { match: '\\breturn\\b', name: 'keyword.control.c' },
  ],
  repository: {
    comments: {
      patterns: [
        { begin: '/\\*', end: '\\*/', name: 'comment.block.c' },
        { begin: '//', end: '$', name: 'comment.line.double-slash.c' },
      ],
    },
    strings: {
      begin: '"',
      end: '"',
      name: 'string.quoted.double.c',
      patterns: [{ match: '\\\\.', name: 'constant.character.escape.c' }],
    },
    'include-directive': {
      match: '^\\s*(#)\\s*(include)\\s*(<[^>]*>)',
      captures: {
        1: { name: 'keyword.control.directive.include.c' },
        2: { name: 'keyword.control.directive.include.c' },
        3: { name: 'string.quoted.other.lt-gt.include.c' },
      },
    },
    block: { begin: '\\{', end: '\\}', name: 'meta.block.c', patterns: [{ include: '$self' }] },
  },
};

export const STUB_MAKEFILE_GRAMMAR = {
  name: 'Makefile (test stub)',
  scopeName: 'source.makefile',
  patterns: [
    { include: '#comment' },
    { include: '#variables' },
    { include: '#variable-assignment' },
    { include: '#conditional' },
    { include: '#recipe' },
    { include: '#target' },
  ],
  repository: {
    comment: { begin: '#', end: '$', name: 'comment.line.number-sign.makefile' },
    variables: {
      begin: '\\$\\(',
      end: '\\)',
      name: 'string.interpolated.makefile',
      patterns: [{ include: '#variables' }, { match: '[^$()\\s]+', name: 'variable.other.makefile' }],
    },
    'variable-assignment': {
      begin: '(^ *)([^#:=\\s]+)\\s*((?:(?<![!+:?])|[!+:?])=)',
      beginCaptures: {
        2: { name: 'variable.other.makefile' },
        3: { name: 'punctuation.separator.key-value.makefile' },
      },
      end: '\\n',
      patterns: [{ include: '#comment' }, { include: '#variables' }],
    },
    conditional: {
      begin: '^\\s*(ifn?(?:eq|def))(?=\\s)',
      captures: { 1: { name: 'keyword.control.$1.makefile' } },
      end: '^\\s*(endif)\\b',
      name: 'meta.scope.conditional.makefile',
      patterns: [
        { begin: '\\G', end: '^', name: 'meta.scope.condition.makefile', patterns: [{ include: '#variables' }] },
        { match: '^\\s*else\\b', name: 'keyword.control.else.makefile' },
        { include: '$self' },
      ],
    },
    recipe: {
      begin: '^\\t',
      end: '[^\\\\]$',
      name: 'meta.scope.recipe.makefile',
      patterns: [{ include: '#variables' }],
    },
    target: {
      match: '^(?!\\t)([^:=\\s]+)\\s*(:)(?!=)',
      captures: {
        1: { name: 'entity.name.function.target.makefile' },
        2: { name: 'punctuation.separator.key-value.makefile' },
      },
    },
  },
};
