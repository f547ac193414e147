// Where a driver hands its functions to the kernel, and in which context the kernel will call
// them: registration calls (`devm_request_irq(dev, irq, handler, …)`), definition macros
// (`DEFINE_TIMER(t, fn)`), designated initializers (`.ndo_start_xmit = fn`) and callback fields
// assigned directly (`timer.function = fn`, `urb->complete = fn`).
import type { Node } from 'web-tree-sitter';
import { CALLBACK_REGISTRATIONS, CallbackContext, CallbackRegistration, FIELD_CALLBACKS, FieldCallback } from '../model/contexts';
import { callArguments, calleeName, unwrapExpression } from '../parsing/syntax';
import type { FileFacts } from './fileFacts';

export interface Registration {
  /** Name of the registered function. */
  callback: string;
  context: CallbackContext;
  role: string;
  /** The registration API, macro or field that registers it. */
  via: string;
  /** The registration call, macro, initializer entry or assignment. */
  site: Node;
  facts: FileFacts;
  source: string;
  /** A check on the callback's definition that must hold for the registration to count. */
  requires?: 'hrtimer-signature' | 'urb-signature';
}

const byApi = new Map<string, CallbackRegistration[]>();
for (const row of CALLBACK_REGISTRATIONS) byApi.set(row.api, [...(byApi.get(row.api) ?? []), row]);
const byField = new Map<string, FieldCallback>(FIELD_CALLBACKS.map((row) => [row.field, row]));

const MACRO_REGISTRATIONS = /\b(DEFINE_TIMER|DECLARE_TASKLET|DECLARE_TASKLET_OLD|DECLARE_TASKLET_DISABLED|DECLARE_WORK|DECLARE_DELAYED_WORK)\s*\(\s*\w+\s*,\s*(\w+)\s*[,)]/g;

/** `fn`, `&fn`, `(irq_handler_t)fn` → "fn"; anything else (NULL, a variable's field) → undefined. */
function functionReference(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  let current = unwrapExpression(node);
  if (current.type === 'pointer_expression' && current.childForFieldName('operator')?.text === '&') {
    current = unwrapExpression(current.childForFieldName('argument')!);
  }
  return current.type === 'identifier' && !/^(NULL|0)$/.test(current.text) ? current.text : undefined;
}

const cache = new WeakMap<FileFacts, Registration[]>();

/** Every registration in one file, computed once per file version. */
export function fileRegistrations(facts: FileFacts): Registration[] {
  const cached = cache.get(facts);
  if (cached) return cached;
  const found: Registration[] = [];
  for (const call of facts.calls) {
    const name = calleeName(call);
    const rows = name ? byApi.get(name) : undefined;
    if (!rows) continue;
    const args = callArguments(call);
    for (const row of rows) {
      const callback = functionReference(args[row.arg]);
      if (callback) found.push({ callback, context: row.context, role: row.role, via: row.api, site: call, facts, source: row.source });
    }
  }
  // Definition macros at file scope parse as odd declarations; read their text.
  for (const top of facts.tree.rootNode.namedChildren) {
    // Short nodes only: a huge table initializer never holds one of these macros, and reading its text is costly.
    if (!top || top.type === 'function_definition' || top.type === 'comment' || top.endIndex - top.startIndex > 1000) continue;
    if (!/DEFINE_TIMER|DECLARE_(TASKLET|WORK|DELAYED_WORK)/.test(top.text)) continue;
    for (const match of top.text.matchAll(MACRO_REGISTRATIONS)) {
      const row = byApi.get(match[1])?.[0];
      if (row) found.push({ callback: match[2], context: row.context, role: row.role, via: row.api, site: top, facts, source: row.source });
    }
  }
  // tree-sitter's own descendantsOfType runs inside the WebAssembly module: much faster on big tables.
  const nodes = facts.tree.rootNode.descendantsOfType(['initializer_pair', 'assignment_expression']).filter((node): node is Node => !!node);
  for (const pair of nodes) {
    if (pair.type !== 'initializer_pair') continue;
    const designator = pair.childForFieldName('designator');
    const field = designator?.type === 'field_designator' ? designator.text.replace(/^\./, '').trim() : undefined;
    const row = field ? byField.get(field) : undefined;
    const callback = row ? functionReference(pair.childForFieldName('value') ?? undefined) : undefined;
    if (row && callback) found.push({ callback, context: row.context, role: row.role, via: `.${row.field}`, site: pair, facts, source: row.source });
  }
  for (const assignment of nodes) {
    if (assignment.type !== 'assignment_expression') continue;
    const left = assignment.childForFieldName('left');
    const field = left?.type === 'field_expression' ? left.childForFieldName('field')?.text : undefined;
    if (field !== 'function' && field !== 'complete') continue;
    const callback = functionReference(assignment.childForFieldName('right') ?? undefined);
    if (!callback) continue;
    if (field === 'function') {
      found.push({ callback, context: 'hardirq', role: 'hrtimer callback (hard IRQ; softirq with HRTIMER_MODE_SOFT)', via: '.function', site: assignment, facts, source: 'include/linux/hrtimer.h (6.1)', requires: 'hrtimer-signature' });
    } else {
      found.push({ callback, context: 'atomic', role: 'URB completion handler', via: 'urb->complete', site: assignment, facts, source: 'include/linux/usb.h (6.1): "NEVER SLEEP IN A COMPLETION HANDLER"', requires: 'urb-signature' });
    }
  }
  cache.set(facts, found);
  return found;
}

/** Whether a definition fits what a registration needs (an hrtimer callback returns enum hrtimer_restart). */
export function signatureFits(requires: Registration['requires'], definition: Node, body: Node): boolean {
  if (!requires) return true;
  const head = definition.text.slice(0, body.startIndex - definition.startIndex);
  if (requires === 'hrtimer-signature') return /enum\s+hrtimer_restart/.test(head);
  return /\(\s*struct\s+urb\s*\*\s*\w*\s*\)/.test(head);
}
