// Where a driver hands its functions to the kernel, and in which context the kernel will call
// them: registration calls (`devm_request_irq(dev, irq, handler, …)`), definition macros
// (`DEFINE_TIMER(t, fn)`), designated initializers (`.ndo_start_xmit = fn`) and callback fields
// assigned directly (`timer.function = fn`, `urb->complete = fn`). Answers are data (spans), read
// from the nodes of one function or one file-scope item.
import type { Node } from 'web-tree-sitter';
import { CALLBACK_REGISTRATIONS, CallbackRegistration, FIELD_CALLBACKS, FieldCallback, OPS_FIELD_CONTEXTS, OpsFieldContext } from '../../model/contexts';
import { Span, callArguments, calleeName, spanOf, unwrapExpression } from '../../parsing/syntax';
import type { PathCondition, RegistrationFact } from '../summaries/functionSummary';
import { initializerField } from './opsFields';

/** Registration tables by API and by field, built once per engine from model/contexts.ts. */
export interface RegistrationTables {
  byApi: ReadonlyMap<string, readonly CallbackRegistration[]>;
  byField: ReadonlyMap<string, FieldCallback>;
  /** Core-called ops by struct type and field (`struct snd_pcm_ops.trigger`). */
  byStructField: ReadonlyMap<string, OpsFieldContext>;
  /** The flag fields that can lift an ops context (`nonatomic`): summaries record where they are set. */
  contextFlags: ReadonlySet<string>;
}

export function registrationTables(): RegistrationTables {
  const byApi = new Map<string, CallbackRegistration[]>();
  for (const row of CALLBACK_REGISTRATIONS) byApi.set(row.api, [...(byApi.get(row.api) ?? []), row]);
  const ops: readonly OpsFieldContext[] = OPS_FIELD_CONTEXTS;
  return {
    byApi,
    byField: new Map<string, FieldCallback>(FIELD_CALLBACKS.map((row) => [row.field, row])),
    byStructField: new Map(ops.map((row) => [`${row.struct}.${row.field}`, row])),
    contextFlags: new Set(ops.flatMap((row) => (row.unlessFlag ? [row.unlessFlag] : []))),
  };
}

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

/**
 * Registrations made by some nodes of a file: `calls` (call expressions), `pairs` (initializer
 * pairs and assignment expressions). `span` places a node (rows relative to a function, or absolute);
 * `conditionsAt` gives the field tests that decide whether a registration inside a function runs.
 */
export function registrationsIn(
  tables: RegistrationTables,
  calls: readonly Node[],
  pairs: readonly Node[],
  span: (node: Node) => Span,
  conditionsAt?: (node: Node) => readonly PathCondition[],
  fieldKey?: (node: Node) => string | undefined,
): RegistrationFact[] {
  const found: RegistrationFact[] = [];
  const at = (node: Node): { site: Span; conditions?: readonly PathCondition[] } => {
    const conditions = conditionsAt?.(node) ?? [];
    return conditions.length > 0 ? { site: span(node), conditions } : { site: span(node) };
  };
  for (const call of calls) {
    const name = calleeName(call);
    const rows = name ? tables.byApi.get(name) : undefined;
    if (!rows) continue;
    const args = callArguments(call);
    for (const row of rows) {
      const callback = functionReference(args[row.arg]);
      const timer = 'timerArg' in row && row.timerArg !== undefined && args[row.timerArg] ? fieldKey?.(args[row.timerArg]) : undefined;
      if (callback) found.push({ ...(timer ? { timer } : {}), kind: 'call', callback, context: row.context, role: row.role, via: row.api, ...at(call), source: row.source });
    }
  }
  for (const pair of pairs) {
    if (pair.type !== 'initializer_pair') continue;
    // A core-called op of a known struct (`.trigger` of a `struct snd_pcm_ops`) first.
    const typed = opsFieldRegistration(tables, pair);
    if (typed) {
      found.push({ ...typed, ...at(pair) });
      continue;
    }
    const designator = pair.childForFieldName('designator');
    const field = designator?.type === 'field_designator' ? designator.text.replace(/^\./, '').trim() : undefined;
    const row = field ? tables.byField.get(field) : undefined;
    const callback = row ? functionReference(pair.childForFieldName('value') ?? undefined) : undefined;
    if (row && callback) found.push({ kind: 'initializer', callback, context: row.context, role: row.role, via: `.${row.field}`, ...at(pair), source: row.source });
  }
  for (const assignment of pairs) {
    if (assignment.type !== 'assignment_expression') continue;
    const left = assignment.childForFieldName('left');
    const field = left?.type === 'field_expression' ? left.childForFieldName('field')?.text : undefined;
    if (field !== 'function' && field !== 'complete') continue;
    const callback = functionReference(assignment.childForFieldName('right') ?? undefined);
    if (!callback) continue;
    if (field === 'function') {
      const timer = fieldKey?.(left!.childForFieldName('argument')!);
      found.push({
        ...(timer ? { timer } : {}),
        kind: 'assignment',
        callback,
        context: 'hardirq',
        role: 'hrtimer callback (hard IRQ; softirq with HRTIMER_MODE_SOFT)',
        via: '.function',
        ...at(assignment),
        source: 'include/linux/hrtimer.h (6.1)',
        requires: 'hrtimer-signature',
      });
    } else {
      found.push({
        kind: 'assignment',
        callback,
        context: 'atomic',
        role: 'URB completion handler',
        via: 'urb->complete',
        ...at(assignment),
        source: 'include/linux/usb.h (6.1): "NEVER SLEEP IN A COMPLETION HANDLER"',
        requires: 'urb-signature',
      });
    }
  }
  return found;
}

/** `.trigger = foo_trigger` in an initialiser of a struct that model/contexts.ts OPS_FIELD_CONTEXTS names. */
function opsFieldRegistration(tables: RegistrationTables, pair: Node): Omit<RegistrationFact, 'site'> | undefined {
  if (tables.byStructField.size === 0) return undefined;
  const named = initializerField(pair);
  const row = named?.key ? tables.byStructField.get(named.key) : undefined;
  const callback = row ? functionReference(pair.childForFieldName('value') ?? undefined) : undefined;
  if (!row || !callback) return undefined;
  return {
    kind: 'initializer',
    callback,
    context: row.context,
    role: row.role,
    via: `.${row.field} of ${row.struct}`,
    source: row.source,
    ...(row.unlessFlag ? { unlessFlag: row.unlessFlag } : {}),
    ...(row.flagElsewhere ? { flagElsewhere: row.flagElsewhere } : {}),
  };
}

/**
 * Definition macros at file scope (`DEFINE_TIMER(t, fn);`) parse as odd declarations; their text
 * is read. Short items only: a huge table initializer never holds one of these macros.
 */
export function macroRegistrations(tables: RegistrationTables, item: Node): RegistrationFact[] {
  if (item.type === 'comment' || item.endIndex - item.startIndex > 1000) return [];
  const text = item.text;
  if (!/DEFINE_TIMER|DECLARE_(TASKLET|WORK|DELAYED_WORK)/.test(text)) return [];
  const found: RegistrationFact[] = [];
  for (const match of text.matchAll(MACRO_REGISTRATIONS)) {
    const row = tables.byApi.get(match[1])?.[0];
    if (row) found.push({ kind: 'macro', callback: match[2], context: row.context, role: row.role, via: row.api, site: spanOf(item), source: row.source });
  }
  return found;
}

/** Whether a definition head fits what a registration needs (an hrtimer callback returns enum hrtimer_restart). */
export function signatureOf(head: string): { hrtimer: boolean; urb: boolean } {
  return { hrtimer: /enum\s+hrtimer_restart/.test(head), urb: /\(\s*struct\s+urb\s*\*\s*\w*\s*\)/.test(head) };
}
