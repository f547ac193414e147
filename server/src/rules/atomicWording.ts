// How the atomic-context rules and the context hover say why a point is atomic: the sentences
// and the related-location chain, worded from the composition's evidence (analysis/locks/atomicEntry.ts).
import type { AtomicView } from '../analysis/database';
import { CallContext, EntryReason, FunctionRef, RegistrationRef, earliestHeld, registrationAt, spanIn, summaryAt } from '../analysis/locks/atomicEntry';
import type { DerivedOpsContext } from '../analysis/index/opsContexts';
import type { UnseenState } from '../analysis/paths/unseenState';
import type { Span } from '../parsing/syntax';
import type { RelatedLocation } from './rule';

function line(span: Span): number {
  return span.startLine + 1;
}

/** `struct fx_ops.start` → "`.start` of struct fx_ops". */
function slotWords(slot: string): string {
  const dot = slot.lastIndexOf('.');
  return `\`.${slot.slice(dot + 1)}\` of ${slot.slice(0, dot)}`;
}

/** Where the tree's witness call is: `core/fxcore/fx_core.c:40`. */
function treePlace(view: AtomicView, derived: DerivedOpsContext): string {
  const file = view.kernel?.lookup.facts.files[derived.file];
  return file ? `${file}:${derived.line}` : `line ${derived.line} of the kernel tree`;
}

/**
 * How the tree's witness call of an ops field is atomic: "entered with `spin_lock(&core->lock)`
 * held: core/fxcore/fx_core.c:40 calls `core->ops->start` in fx_core_kick()".
 */
function treeContextWords(view: AtomicView, derived: DerivedOpsContext): string {
  const calls = `${treePlace(view, derived)} calls \`${derived.callee}\` in ${derived.fn}()`;
  if (derived.context === 'held') return `entered with \`${derived.lock}\` held: ${calls}`;
  if (derived.context === 'caller-held') return `entered with \`${derived.lock}\` held: ${calls}, whose every caller holds it`;
  return `entered atomic: ${calls}, a callback registered by ${derived.lock} that nothing else calls`;
}

/**
 * A registration as the sentences say it: "PCM .trigger (…) registered by snd_pcm_set_ops at line
 * 12", and for a store into a field the tree calls atomic only, "`.start` of struct fx_ops stored
 * at line 12, which the kernel tree calls only in atomic context (entered with …)". `title` is the
 * code lens's form ("timer callback (…), registered by timer_setup at line 97").
 */
function registeredAs(view: AtomicView, ref: RegistrationRef): { phrase: string; title: string } {
  const registration = registrationAt(view, ref);
  const at = `at line ${line(registration.site)}${fileLabel(view, ref.file)}`;
  if (ref.derived) {
    const derived = ref.derived.kernelOps;
    const phrase = `${slotWords(derived.slot)} stored ${at}, which the kernel tree calls only in atomic context (${treeContextWords(view, derived)})`;
    return { phrase, title: phrase };
  }
  return { phrase: `${registration.role} registered by ${registration.via} ${at}`, title: `${registration.role}, registered by ${registration.via} ${at}` };
}

function fileLabel(view: AtomicView, file: number): string {
  return file === view.self ? '' : ` of ${view.files[file].path.split(/[\\/]/).pop()}`;
}

function nameOf(view: AtomicView, ref: FunctionRef): string {
  return view.files[ref.file].functions[ref.fn].name;
}

/** The call of a function, in document rows. */
function callSpan(view: AtomicView, ref: FunctionRef, call: number): Span {
  return spanIn(view, ref, summaryAt(view, ref).calls[call].span);
}

/** How a call reached its callee when not by name: " through `hw->phy.ops.release`" (a struct field), " through parameter `cb`". */
function throughWords(view: AtomicView, ref: FunctionRef, call: number): string {
  const fact = summaryAt(view, ref).calls[call];
  if (fact.calledParameter !== undefined) return ` through parameter \`${fact.calleeText.replace(/^\(\s*\*\s*|\s*\)$/g, '')}\``;
  return fact.throughField ? ` through \`${fact.calleeText}\`` : '';
}

/** The section a context cites (held at the call, or at the caller's call), in document rows. */
function heldAt(view: AtomicView, ref: FunctionRef, call: number): { label: string; opener: Span; since: string; taken: string } {
  const section = earliestHeld(summaryAt(view, ref).calls[call].held ?? []);
  const opener = spanIn(view, ref, section.opener);
  // An FPU section is opened, not held: kernel_fpu_begin() and friends keep preemption off (model/contexts.ts FPU_SECTIONS).
  const label = section.class === 'fpu' ? `the FPU section of ${section.label}` : section.label;
  const since = section.class === 'fpu' ? `${label} (preemption disabled) is open since line ${line(opener)}` : `${label} is held since line ${line(opener)}`;
  return { label, opener, since, taken: section.class === 'fpu' ? `${label} opened here; still open on every path to the call` : `${label} taken here; still held on every path to the call` };
}

/** One sentence saying why a context is atomic: "spin_lock(&p->lock) is held since line 42". */
export function describeContext(view: AtomicView, context: CallContext): string {
  if (context.kind === 'held') {
    return heldAt(view, context.fn, context.call).since;
  }
  return describeEntry(view, context.fn, context.reason);
}

/** Short form for hovers: "spin_lock(&p->lock) held since line 42", "hard-IRQ handler registered by devm_request_irq at line 97". */
export function contextSummary(view: AtomicView, context: CallContext): string {
  if (context.kind === 'held') {
    const held = heldAt(view, context.fn, context.call);
    return `${held.label} held since line ${line(held.opener)}`;
  }
  const reason = context.reason;
  if (reason.kind === 'callback') {
    return registeredAs(view, reason.registration).phrase;
  }
  return describeEntry(view, context.fn, reason);
}

function describeEntry(view: AtomicView, fn: FunctionRef, reason: EntryReason): string {
  if (reason.kind === 'callback') {
    return `${nameOf(view, fn)}() is a ${registeredAs(view, reason.registration).phrase}`;
  }
  const called = `${nameOf(view, fn)}() is called${throughWords(view, reason.caller, reason.call)} from ${nameOf(view, reason.caller)}() at line ${line(callSpan(view, reason.caller, reason.call))}${fileLabel(view, reason.caller.file)}`;
  // analysis/locks/atomicEntry.ts interruptContextThroughUnlock(): the callee's unlock ends the lock, not the interrupt.
  const where = reason.interrupt ? `${called} (dropping the caller's lock there does not leave interrupt context)` : called;
  if (reason.held) {
    const held = heldAt(view, reason.caller, reason.call);
    return `${where}, where ${held.since}`;
  }
  return reason.parent ? `${where}; ${describeEntry(view, reason.caller, reason.parent)}` : where;
}

function related(view: AtomicView, file: number, span: Span, message: string): RelatedLocation {
  return file === view.self ? { span, message } : { file: view.files[file].path, span, message };
}

/** The chain from a call back to the lock acquisition or registration that makes it atomic. */
export function contextChain(view: AtomicView, context: CallContext): RelatedLocation[] {
  if (context.kind === 'held') {
    const held = heldAt(view, context.fn, context.call);
    return [related(view, context.fn.file, held.opener, held.taken)];
  }
  const chain: RelatedLocation[] = [];
  let fn = context.fn;
  let reason: EntryReason | undefined = context.reason;
  for (let guard = 0; reason && guard < 64; guard++) {
    if (reason.kind === 'callback') {
      const registration = registrationAt(view, reason.registration);
      const derived = reason.registration.derived?.kernelOps;
      if (!derived) {
        chain.push(related(view, reason.registration.file, registration.site, `${nameOf(view, fn)}() registered here as a ${registration.role}`));
        break;
      }
      chain.push(related(view, reason.registration.file, registration.site, `${nameOf(view, fn)}() stored here in ${slotWords(derived.slot)}`));
      const file = view.kernel?.lookup.facts.files[derived.file];
      if (file) {
        const root = view.kernel!.lookup.facts.root.replace(/[\\/]+$/, '');
        const held = derived.context === 'registered' ? `from a callback registered by ${derived.lock}` : `with \`${derived.lock}\` held`;
        chain.push({
          file: `${root}/${file}`,
          span: { startLine: derived.line - 1, startColumn: 0, endLine: derived.line - 1, endColumn: 0 },
          message: `\`${derived.callee}\` called here ${held}, in ${derived.fn}()`,
        });
      }
      break;
    }
    const message = `${nameOf(view, fn)}() called here${throughWords(view, reason.caller, reason.call)} from ${nameOf(view, reason.caller)}()`;
    chain.push(related(view, reason.caller.file, callSpan(view, reason.caller, reason.call), message));
    if (reason.held) {
      const held = heldAt(view, reason.caller, reason.call);
      chain.push(related(view, reason.caller.file, held.opener, `${held.label} taken here`));
      break;
    }
    fn = reason.caller;
    reason = reason.parent;
  }
  return chain;
}

/** Where an atomic chain starts: the registration, or the caller that holds a section. */
function chainRoot(view: AtomicView, fn: FunctionRef, reason: EntryReason): string {
  let current = reason;
  let callee = fn;
  for (let guard = 0; current.kind === 'caller' && !current.held && current.parent && guard < 64; guard++) {
    callee = current.caller;
    current = current.parent;
  }
  if (current.kind === 'callback') {
    return `${nameOf(view, callee)}() is a ${registeredAs(view, current.registration).phrase}`;
  }
  if (current.held) {
    const held = heldAt(view, current.caller, current.call);
    return `${held.label} held in ${nameOf(view, current.caller)}() at line ${line(callSpan(view, current.caller, current.call))}${fileLabel(view, current.caller.file)}`;
  }
  return `${nameOf(view, current.caller)}() is entered atomically`;
}

/**
 * The code lens above a function the kernel enters in atomic context: "atomic: timer callback
 * (timer softirq), registered by timer_setup at line 97", "atomic: called from foo_update() at
 * line 12 with spin_lock(&p->lock) held", "atomic: called from foo_irq() at line 30; foo_irq() is
 * a hard-IRQ handler registered by devm_request_irq at line 97".
 */
export function entryTitle(view: AtomicView, fn: FunctionRef, reason: EntryReason): string {
  if (reason.kind === 'callback') {
    return `atomic: ${registeredAs(view, reason.registration).title}`;
  }
  const where = `atomic: called${throughWords(view, reason.caller, reason.call)} from ${nameOf(view, reason.caller)}() at line ${line(callSpan(view, reason.caller, reason.call))}${fileLabel(view, reason.caller.file)}`;
  if (reason.held) return `${where} with ${heldAt(view, reason.caller, reason.call).label} held`;
  return reason.parent ? `${where}; ${chainRoot(view, reason.caller, reason.parent)}` : where;
}

/** `struct foo_priv.ops.read` → "`ops->read` of struct foo_priv". */
function fieldWords(key: string): string {
  const dot = key.indexOf('.');
  return `\`${key.slice(dot + 1).replace(/\./g, '->')}\` of ${key.slice(0, dot)}`;
}

/** The sentence a finding gets when its path depends on state the analysis cannot see (it is then information). */
export function unseenStateNote(view: AtomicView, state: UnseenState): string {
  if (state.kind === 'ops-fallback') {
    return ` Reported as information: this runs only when ${fieldWords(state.field)} is NULL, and which ops a device gets is decided at run time, which this analysis cannot see.`;
  }
  const where = line(callSpan(view, state.allocation.fn, state.allocation.call));
  return ` Reported as information: this runs only while ${fieldWords(state.field)} is NULL, and ${nameOf(view, state.allocation.fn)}() already stores a ${state.allocation.api}() allocation in it at line ${where}${fileLabel(view, state.allocation.fn.file)}; it sleeps only if something clears the pointer again, which this analysis cannot see.`;
}

/** The sentence a finding gets when a flag set outside the folder may make its context process context (then it is information). */
export function flagElsewhereNote(lifted: { flag: string; where: string }): string {
  return ` Reported as information: the core takes a mutex instead when \`${lifted.flag}\` is set, and ${lifted.where}, which this folder does not show, may set it.`;
}

/** The sentence a finding gets when its chain goes through an ops field the folder fills with several functions (then it is information). */
export function variantFieldNote(variant: { call: { calleeText: string }; targets: number }): string {
  return ` Reported as information: \`${variant.call.calleeText}\` holds one of ${variant.targets} functions of this driver, chosen at run time (per device or hardware type), which this analysis cannot see.`;
}
