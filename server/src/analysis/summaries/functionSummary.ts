// What one function definition says about locking, context and sleeping, as plain data: names,
// spans and values, never tree nodes. A summary survives the tree it came from (tree.delete()),
// crosses worker_threads by structured clone, and is reused for as long as the function's text and
// the few file-level inputs it records (`dependencies`) stay the same. Composition over a file, a
// driver folder or a kernel tree reads summaries only (analysis/locks/atomicEntry.ts).
//
// Rows of every span are relative to the function's first row (`row 0` = the line of the
// definition's first token), so a function that moves because an earlier one grew keeps its
// summary; `placed()` turns them back into document rows. Columns are absolute.
import type { SectionClass } from '../../model/contexts';
import type { GfpValue } from '../../model/gfp';
import type { Span } from '../../parsing/syntax';
import type { CallbackContext } from '../../model/contexts';
import type { ParameterGuard } from '../paths/parameterGuards';
import type { FieldCall, OpsStore } from '../locks/opsFields';

/**
 * A struct-field test that holds wherever a point runs (analysis/paths/fieldConditions.ts):
 * `key` names the field by struct type and path (`struct foo_priv.use_hrtimer`,
 * `struct foo_priv.flags&FOO_POLL`), `holds` says whether the test is true there.
 */
export interface PathCondition {
  key: string;
  holds: boolean;
}

/** One atomic section held at a point. */
export interface HeldSectionFact {
  /** Class and lock expression: `spin:&priv->lock`; wrappers get ` via foo_lock`. */
  key: string;
  class: SectionClass;
  /** How a message names it: `spin_lock_irqsave(&priv->lock)`. */
  label: string;
  /** The call that opened it, or the definition for `__must_hold`. */
  opener: Span;
}

/** A GFP mask where it is written: the argument itself, or the initializer of the local it names. */
export interface MaskFact {
  value: GfpValue;
  /** The expression's text as written. */
  text: string;
  span: Span;
  /** The local variable the argument named, when it came through one. */
  variable?: string;
  /** Identifiers inside the expression (offset into `text`), for fixes that swap flag tokens. */
  tokens: readonly { text: string; offset: number; span: Span }[];
}

/**
 * A GFP mask chosen by a test of a scalar parameter: `(flags & FOO_NOWAIT) ? GFP_ATOMIC : GFP_KERNEL`,
 * written in the argument or in the initializer of the local it names. The caller's constant
 * decides which mask the allocation gets (analysis/locks/flagMasks.ts).
 */
export interface MaskChoice {
  /** The parameter the condition tests (by index). */
  parameter: number;
  /** The bits tested (`flags & FOO_NOWAIT`); absent when the parameter's truth is tested (`nowait ? … : …`). */
  bits?: number;
  /** The test as written, without the `!`s around it (`flags & FOO_NOWAIT`). */
  test: string;
  /** The masks when the test is nonzero and when it is zero (a `!` in the condition already swapped them). */
  whenSet: MaskFact;
  whenClear: MaskFact;
  api: string;
}

/** Why a call may sleep, from the call alone (the catalogue and the mask at hand). */
export type LocalSleep =
  | { kind: 'allocation'; api: string; mask?: MaskFact }
  /** `irqsOffOnly`: wrong only with IRQs disabled (dma_free_coherent(): WARN_ON(irqs_disabled())), not a sleep. */
  | { kind: 'free'; api: string; outsideInterruptOnly: boolean; irqsOffOnly?: true }
  /** `macros`: the function-like macros whose expansion makes the call, outermost (the call's own name) first. */
  | { kind: 'sleeper'; name: string; macros?: string[] }
  | { kind: 'gfp-call'; name: string; mask: MaskFact };

export interface CallFact {
  /** The callee when it is a plain identifier. */
  name?: string;
  /** The callee expression's text, for messages (`priv->ops->reset`). */
  calleeText: string;
  span: Span;
  /** Sections held on EVERY path to the call; absent = unreachable or not understood. */
  held?: readonly HeldSectionFact[];
  /** Runs only when a scalar parameter (a flag, a mask, a mode) says so. */
  parameterGuarded: boolean;
  /**
   * The tests on this function's parameters every path to the call passes (`if (wait)`, `if (!buf)`),
   * for a caller's constant arguments to decide (analysis/paths/guardVerdict.ts).
   */
  parameterGuard?: ParameterGuard;
  /** Arguments whose truth the call site knows: `false`/`0`/`NULL` → false; `true`, a non-zero constant, `&x`, a fresh allocation → true. */
  argumentTruth?: readonly (boolean | undefined)[];
  /** Runs under a condition that reads like a context flag (`if (priv->can_sleep)`). */
  flagGuarded: boolean;
  /** Why it may sleep by itself, when it may. */
  sleep?: LocalSleep;
  /** A catalogued allocation whose GFP argument is this function's parameter (by index). */
  maskParameter?: { parameter: number; api: string };
  /** Arguments that name a parameter of this function: argument position → parameter index. */
  parameterArguments?: readonly (number | undefined)[];
  /** Arguments whose value is a known mask (constant, or a local assigned once): by position. */
  argumentMasks?: readonly (MaskFact | undefined)[];
  /** Arguments that are integer constants (a literal, a #define), by position, for a callee's MaskChoice. */
  argumentConstants?: readonly ({ value: number; text: string } | undefined)[];
  /** The allocation's mask is chosen by a test of a parameter (absent otherwise). */
  maskChoice?: MaskChoice;
  /** Spans of the arguments, for findings on an argument (a blocking mask passed to a helper). */
  argumentSpans?: readonly Span[];
  /** Field tests that decide whether the call runs; absent when none. */
  conditions?: readonly PathCondition[];
  /** The struct field its result is stored in, named like a PathCondition key (`struct foo_priv.buf`). */
  assignedTo?: string;
  /** A put right after a get of the same object on every path to it: it cannot drop the last reference. */
  afterGet?: boolean;
  /** The timer an hrtimer_start*() or add_timer()/mod_timer() call arms, named like a PathCondition key (`struct foo_priv.timer`). */
  startsTimer?: string;
  /** A call through a struct field (`hw->phy.ops.release(hw)`): its struct type and field path (locks/opsFields.ts). */
  throughField?: FieldCall;
  /** A call of this function's parameter (`cb(p)`), by parameter index: the functions callers pass there are called. */
  calledParameter?: number;
  /** Arguments that may name a function (`run_cb(p, foo_cb)`), by position: no parameter or local of this function. */
  functionArguments?: readonly (string | undefined)[];
}

/** A function handed to the kernel to be called back, and the context it will run in. */
export interface RegistrationFact {
  /** How it registers: a call, a definition macro, a designated initializer or a field assignment. */
  kind: 'call' | 'macro' | 'initializer' | 'assignment';
  callback: string;
  context: CallbackContext;
  role: string;
  /** The registration API, macro or field that registers it. */
  via: string;
  site: Span;
  source: string;
  /** A check on the callback's definition that must hold for the registration to count. */
  requires?: 'hrtimer-signature' | 'urb-signature';
  /** Field tests that decide whether the registration runs (`if (priv->use_hrtimer) hrtimer_init(…)`); absent when none. */
  conditions?: readonly PathCondition[];
  /** For `priv->timer.function = cb`: the timer, named like a PathCondition key; its starts decide when cb runs. */
  timer?: string;
  /** The context holds unless the folder sets this flag field (`nonatomic`: model/contexts.ts OPS_FIELD_CONTEXTS). */
  unlessFlag?: string;
  /** Where else that flag is usually set, outside the folder (`the machine driver's struct snd_soc_dai_link`). */
  flagElsewhere?: string;
}

/** What a summary's lock facts depended on outside the function: checked before it is reused. */
export interface SummaryDependencies {
  /** The file's learned context flags that appear in this function's conditions. */
  learnedFlags: string;
  /** For each name called that is defined once in the file: its lock interface (`lockInterfaceKey`). */
  callees: Readonly<Record<string, string>>;
  /** For each `__must_hold` lock: the spinning opener the file uses for it, if any. */
  mustHold: string;
  /** The macro table (file and included local headers) the masks were evaluated with. */
  macros: string;
  /** Called names the file or its folder declares `__noreturn` (paths/pathConditions.ts noReturnDependency). */
  noReturn: string;
  /** Macros an `#ifdef`/`defined()` in the body looked up in the folder, and whether one of its files defines each. */
  definedMacros: Readonly<Record<string, boolean>>;
  /** For each callee name (`n:foo`) or ops field (`f:unlock`) asked about: the file's `__releases()` lock text, '' for none (`releasingAnswer`). */
  releasing: Readonly<Record<string, string>>;
}

export interface FunctionSummary {
  name: string;
  /** Declared `static`: invisible to the folder's other .c files. */
  isStatic: boolean;
  /** The head declares a `gfp_t` parameter: the caller chooses whether it may sleep. */
  takesMask: boolean;
  /** The head fits an hrtimer callback / a URB completion handler. */
  signature: { hrtimer: boolean; urb: boolean };
  parameters: readonly string[];
  /** False when the body has parse errors the lock analysis cannot read: no lock facts are given. */
  understood: boolean;
  /** A context query (in_interrupt(), gfpflags_allow_blocking(), …) in the body. */
  queriesContext: boolean;
  /** A release of a section it did not open: it drops a lock its caller holds. */
  releasesCallerLock: boolean;
  releasedCallerClasses: readonly SectionClass[];
  /** Sections held on every exit that were not held on entry: a lock wrapper (`foo_lock(p)`). */
  acquiredAtExit: readonly HeldSectionFact[];
  /** Calls in the body, in document order. */
  calls: readonly CallFact[];
  registrations: readonly RegistrationFact[];
  /** Condition names this function teaches the file as context flags (sleep on one branch, spin on the other). */
  learnedFlags: readonly string[];
  /** Every name tested in a condition here (what `learnedFlags` of the file can change). */
  conditionNames: readonly string[];
  /** Lock expressions this function opens with a spinning opener, for `__must_hold` elsewhere. */
  spinningLocks: readonly { lock: string; class: SectionClass; opener: string }[];
  /** `__must_hold(x)` texts of the head. */
  mustHold: readonly string[];
  /** regmap set-up calls (`devm_regmap_init_i2c`, …) and whether the text mentions a lock override. */
  regmapInits: readonly { name: string; span: Span }[];
  regmapLockOverride: boolean;
  mentionsRegmap: boolean;
  /** Functions stored in struct fields by this body (`p->ops.recv_buf = foo_recv`, local initialisers). */
  opsStores: readonly OpsStore[];
  /** Context flag fields this body sets (`pcm->nonatomic = true`), of those model/contexts.ts names. */
  flagsSet: readonly string[];
  dependencies: SummaryDependencies;
}

/** The lock interface other functions of the file see: what a call leaves held or drops. */
export function lockInterfaceKey(summary: FunctionSummary): string {
  if (!summary.understood) return '';
  const acquired = summary.acquiredAtExit.map((held) => `${held.key}|${held.class}|${held.label}`).join(';');
  return `${acquired}/${summary.releasedCallerClasses.join(',')}`;
}

/** A span of a summary moved to document rows. */
export function placed(span: Span, startRow: number): Span {
  return { startLine: span.startLine + startRow, startColumn: span.startColumn, endLine: span.endLine + startRow, endColumn: span.endColumn };
}
