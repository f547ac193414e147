// Where an allocation's result is stored: a local variable (`buf = kmalloc(…)`, `u8 *buf =
// kmalloc(…)`) or a struct field (`priv->buf = kmalloc(…)`). Rules that follow the pointer to its
// frees and uses start here; any other shape (passed on, returned) has no target.
import type { Node } from 'web-tree-sitter';
import { descendantsOfType, enclosingFunction } from '../../parsing/syntax';

/**
 * What the allocation is stored in: a local variable, or a struct field (`priv->buf`). A variable
 * the function does not declare is the file's (`static char *h323_buffer;`, freed in the module's
 * exit function): its scope is the whole file, and `fileScope` says whether it is `static` (else
 * other translation units may use and free it).
 */
export type AllocationTarget = { kind: 'variable'; name: string; scope: Node; fileScope?: { isStatic: boolean } } | { kind: 'field'; field: string; text: string };

const DECLARATOR_WRAPPERS = new Set(['pointer_declarator', 'array_declarator', 'parenthesized_declarator', 'attributed_declarator']);

/** Whether `name` is declared inside `scope` (a parameter or a local declaration). */
function declaresName(scope: Node, name: string): boolean {
  return descendantsOfType(scope, new Set(['identifier'])).some((node) => {
    if (node.text !== name) return false;
    let declarator = node;
    while (declarator.parent && DECLARATOR_WRAPPERS.has(declarator.parent.type)) declarator = declarator.parent;
    const parent = declarator.parent;
    if (!parent) return false;
    if (parent.type === 'init_declarator') return parent.childForFieldName('declarator')?.id === declarator.id;
    // `void *a, *b;`: every declarator of the declaration, not only the first.
    return (parent.type === 'declaration' || parent.type === 'parameter_declaration') && parent.childrenForFieldName('declarator').some((child) => child?.id === declarator.id);
  });
}

/** The file-scope declaration of `name`: whether it is `static`. Undefined when the file has none. */
function fileScopeOf(root: Node, name: string): { isStatic: boolean } | undefined {
  for (const child of root.namedChildren) {
    if (child?.type !== 'declaration' || !declaresName(child, name)) continue;
    return { isStatic: child.namedChildren.some((part) => part?.type === 'storage_class_specifier' && part.text === 'static') };
  }
  return undefined;
}

export function allocationTarget(call: Node): AllocationTarget | undefined {
  let node = call;
  while (node.parent && (node.parent.type === 'parenthesized_expression' || node.parent.type === 'cast_expression')) node = node.parent;
  const parent = node.parent;
  if (!parent) return undefined;
  let left: Node | null = null;
  if (parent.type === 'assignment_expression' && parent.childForFieldName('right')?.id === node.id && parent.child(1)?.text === '=') left = parent.childForFieldName('left');
  else if (parent.type === 'init_declarator' && parent.childForFieldName('value')?.id === node.id) {
    left = parent.childForFieldName('declarator');
    while (left?.type === 'pointer_declarator') left = left.childForFieldName('declarator');
  }
  const fn = enclosingFunction(call);
  if (left?.type === 'identifier' && fn) {
    if (declaresName(fn, left.text)) return { kind: 'variable', name: left.text, scope: fn };
    let root = fn;
    while (root.parent) root = root.parent;
    return { kind: 'variable', name: left.text, scope: root, fileScope: fileScopeOf(root, left.text) ?? { isStatic: false } };
  }
  if (left?.type === 'field_expression') {
    // The text is kept so a memset(priv->buf, …) can be matched to it.
    const field = left.childForFieldName('field')?.text;
    return field ? { kind: 'field', field, text: left.text } : undefined;
  }
  return undefined;
}
