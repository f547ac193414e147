// Sleeping calls whose path depends on state this analysis cannot see, as evidence for the rules
// (only rules/ words it):
// - lazy initialisation: `if (!priv->buf) priv->buf = kmalloc(…, GFP_KERNEL);` on an atomic path,
//   where another function of the folder (probe) already stores an allocation in the same field
//   of the same struct type: the branch runs only if something clears the pointer again;
// - an ops-pointer fallback: a call that runs only when an ops member is NULL
//   (`if (bus->ops->read_atomic) return bus->ops->read_atomic(…); return slow_read(…);`): which
//   ops table a device has is decided at run time.
// Read from summaries only (CallFact.conditions and assignedTo).
import { allocApi } from '../../model/apis';
import type { ModelConfig } from '../../model/config';
import type { FileSummary } from '../summaries/fileSummary';
import type { FunctionRef } from '../locks/atomicEntry';

export type UnseenState =
  /** `field` (a PathCondition key) is NULL here, and `allocation` stores an allocation in it elsewhere. */
  | { kind: 'lazy-init'; field: string; allocation: { fn: FunctionRef; call: number; api: string } }
  /** The call runs only when the ops member `field` (a PathCondition key) is NULL. */
  | { kind: 'ops-fallback'; field: string };

/** The unseen state a call's path depends on, if any. */
export function unseenStateAt(view: { files: readonly FileSummary[] }, ref: FunctionRef, callIndex: number, config: ModelConfig): UnseenState | undefined {
  const summary = view.files[ref.file].functions[ref.fn].summary;
  const call = summary.calls[callIndex];
  const nullTests = (call.conditions ?? []).filter((condition) => !condition.holds && !condition.key.includes('&'));
  if (nullTests.length === 0) return undefined;
  if (call.assignedTo && nullTests.some((condition) => condition.key === call.assignedTo)) {
    const field = call.assignedTo;
    for (let file = 0; file < view.files.length; file++) {
      const functions = view.files[file].functions;
      for (let fn = 0; fn < functions.length; fn++) {
        if (file === ref.file && fn === ref.fn) continue;
        const calls = functions[fn].summary.calls;
        for (let index = 0; index < calls.length; index++) {
          const other = calls[index];
          const api = other.name && other.assignedTo === field ? allocApi(other.name, config) : undefined;
          // An allocation stored unconditionally (not itself a lazy initialisation of the field).
          if (api && !(other.conditions ?? []).some((condition) => condition.key === field)) return { kind: 'lazy-init', field, allocation: { fn: { file, fn }, call: index, api: api.name } };
        }
      }
    }
  }
  // `struct foo_priv.ops.read_atomic` NULL, with the function calling through `->read_atomic` elsewhere.
  for (const condition of nullTests) {
    const path = condition.key.slice(condition.key.indexOf('.') + 1).split('.');
    if (path.length < 2) continue;
    const member = path[path.length - 1];
    if (summary.calls.some((other) => !other.name && new RegExp(`(->|\\.)\\s*${member}$`).test(other.calleeText))) return { kind: 'ops-fallback', field: condition.key };
  }
  return undefined;
}
