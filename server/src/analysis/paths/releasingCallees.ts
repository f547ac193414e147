// Calls that release a lock their caller holds although the lock analysis cannot see the unlock:
// a function of the file annotated `__releases(x)` (the sparse context annotation,
// include/linux/compiler_types.h 6.1) that is called through an ops pointer
// (`hw->ops->unlock_irqrestore(&priv->lock, &flags)` with `.unlock_irqrestore =
// hermes_unlock_irqrestore` in the file), an ops member declared with the annotation
// (`void (*unlock)(spinlock_t *lock) __releases(lock);`), or a prototype that carries it. After
// such a call the lock is not held: the direction that can only make the analysis quieter.
// Built from file-scope items and function heads, never from a body.
import type { SectionClass } from '../../model/contexts';

/** What one file-scope item says about releasing calls. */
export interface ReleasingItemFacts {
  /** `.field = fn` designated initializers: which functions an ops field may point to. */
  opsTargets: readonly { field: string; target: string }[];
  /** Ops members declared `__releases(x)`: field → the annotation's lock text. */
  annotatedFields: readonly { field: string; lock: string }[];
  /** Prototypes declared `__releases(x)`: name → lock text. */
  annotatedPrototypes: readonly { name: string; lock: string }[];
}

const RELEASES = /__releases\s*\(((?:[^()]|\([^()]*\))*)\)/g;
const MEMBER = /\(\s*\*\s*(\w+)\s*\)\s*\([^;{}]*\)\s*__releases\s*\(((?:[^()]|\([^()]*\))*)\)/g;
const DESIGNATED_FUNCTION = /(?<![\w\]])\.\s*(\w+)\s*=\s*&?\s*([A-Za-z_]\w*)\s*(?=[,}])/g;
const PROTOTYPE = /\b(\w+)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)\s*__releases\s*\(((?:[^()]|\([^()]*\))*)\)/g;

/** `__releases(x)` lock texts of a function definition's head (between its declarator and its body). */
export function releasesAnnotations(head: string): string[] {
  return [...head.matchAll(RELEASES)].map((match) => match[1].trim());
}

/**
 * The releasing facts of one file-scope item, read from its text (`text`: the item's text). The
 * designated initializers are found by a scan of the text rather than a walk of the pairs: big
 * tables (quirk lists) hold thousands of pairs.
 */
export function releasingItemFacts(text: string): ReleasingItemFacts {
  const opsTargets = [...text.matchAll(DESIGNATED_FUNCTION)].map((match) => ({ field: match[1], target: match[2] }));
  const annotated = text.length <= 20000 && text.includes('__releases') ? text : '';
  return {
    opsTargets,
    annotatedFields: [...annotated.matchAll(MEMBER)].map((match) => ({ field: match[1], lock: match[2].trim() })),
    annotatedPrototypes: /^\s*(typedef\s+)?struct\s+\w+\s*\{/.test(annotated) ? [] : [...annotated.matchAll(PROTOTYPE)].map((match) => ({ name: match[1], lock: match[2].trim() })),
  };
}

/** The section classes a `__releases(x)` call drops: RCU for `__releases(RCU)`, else the spinning locks. */
export function releasedClasses(lock: string): readonly SectionClass[] {
  if (/^RCU(_BH|_SCHED)?$/i.test(lock)) return lock.toUpperCase() === 'RCU_BH' ? ['rcu_bh'] : lock.toUpperCase() === 'RCU_SCHED' ? ['rcu_sched'] : ['rcu'];
  return ['spin', 'raw_spin', 'rwlock', 'local_lock'];
}

/** Which names and ops fields of a file release their caller's lock by annotation. */
export interface ReleasingCallees {
  /** The lock text when `name()` is annotated `__releases(x)` in the file; undefined otherwise. */
  byName(name: string): string | undefined;
  /** The lock text when a call through `->field(…)` may release: the member is annotated, or a function stored in `.field` is. */
  byField(field: string): string | undefined;
}

export function releasingCallees(annotatedFunctions: ReadonlyMap<string, string>, items: readonly ReleasingItemFacts[]): ReleasingCallees {
  const byName = new Map(annotatedFunctions);
  const byField = new Map<string, string>();
  for (const item of items) for (const prototype of item.annotatedPrototypes) if (!byName.has(prototype.name)) byName.set(prototype.name, prototype.lock);
  for (const item of items) {
    for (const field of item.annotatedFields) if (!byField.has(field.field)) byField.set(field.field, field.lock);
    for (const target of item.opsTargets) {
      const lock = byName.get(target.target);
      if (lock !== undefined && !byField.has(target.field)) byField.set(target.field, lock);
    }
  }
  return { byName: (name) => byName.get(name), byField: (field) => byField.get(field) };
}
