// Where an allocation's result is stored: a local variable (`buf = kmalloc(…)`, `u8 *buf =
// kmalloc(…)`) or a struct field (`priv->buf = kmalloc(…)`). Rules that follow the pointer to its
// frees and uses start here; any other shape (passed on, returned) has no target.
import type { Node } from 'web-tree-sitter';
import { enclosingFunction } from '../../parsing/syntax';

/** What the allocation is stored in: a local variable, or a struct field (`priv->buf`). */
export type AllocationTarget = { kind: 'variable'; name: string; scope: Node } | { kind: 'field'; field: string; text: string };

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
  if (left?.type === 'identifier' && fn) return { kind: 'variable', name: left.text, scope: fn };
  if (left?.type === 'field_expression') {
    // The text is kept so a memset(priv->buf, …) can be matched to it.
    const field = left.childForFieldName('field')?.text;
    return field ? { kind: 'field', field, text: left.text } : undefined;
  }
  return undefined;
}
