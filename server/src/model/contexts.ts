// Where kernel code runs atomically (../shared/kernel-alloc-facts.md §4): the calls that open and
// close an atomic section, and the registration APIs whose callbacks the kernel runs in atomic or
// in process context. Plain data; analysis/locks/lockRegions.ts and analysis/locks/callbacks.ts read it.

/**
 * What a section disables. The class and the lock argument together name one held lock:
 * `spin_lock(&a)` is released by `spin_unlock_irqrestore(&a, f)` but not by `spin_unlock(&b)`.
 */
export type SectionClass = 'spin' | 'raw_spin' | 'rwlock' | 'rcu' | 'rcu_bh' | 'rcu_sched' | 'preempt' | 'irq' | 'bh' | 'local_lock' | 'fpu';

import type { Arch } from './config';

export interface SectionCall {
  name: string;
  class: SectionClass;
  /** Argument naming the lock; absent for per-CPU state (preempt, irq, bh, rcu). */
  lockArg?: number;
  /** Trylocks hold the lock only where their result was nonzero. */
  conditional?: boolean;
  /** The argument is the address of the lock pointer (`&ptl`), which the call sets: the lock is `*arg`. */
  lockThroughPointer?: boolean;
}

/**
 * Kernel-mode FPU/SIMD sections: preemption (or BHs) stay off from the opener to the closer, so
 * nothing between them may sleep. Each exists, or disables preemption, only on the architectures
 * listed; elsewhere the call is not compiled (kernel_fpu_begin()) or does not disable preemption
 * (DC_FP_START() on arm64), and the section is not applied (model/config.ts Arch).
 */
export interface FpuSection {
  opener: string;
  closer: string;
  arches: readonly Arch[];
  /** What it disables and where that is written, with the release read. */
  source: string;
}

export const FPU_SECTIONS = [
  {
    opener: 'kernel_fpu_begin',
    closer: 'kernel_fpu_end',
    arches: ['x86_64'],
    source: 'arch/x86/include/asm/fpu/api.h kernel_fpu_begin() → arch/x86/kernel/fpu/core.c kernel_fpu_begin_mask(): preempt_disable(); kernel_fpu_end(): preempt_enable() (6.1)',
  },
  { opener: 'kernel_fpu_begin_mask', closer: 'kernel_fpu_end', arches: ['x86_64'], source: 'arch/x86/kernel/fpu/core.c kernel_fpu_begin_mask(): preempt_disable() (6.1)' },
  {
    opener: 'kernel_neon_begin',
    closer: 'kernel_neon_end',
    arches: ['arm64', 'arm'],
    source: 'arch/arm64/kernel/fpsimd.c get_cpu_fpsimd_context(): local_bh_disable(), preempt_disable() on PREEMPT_RT; arch/arm/vfp/vfpmodule.c kernel_neon_begin(): get_cpu() (6.1)',
  },
  // `#define DC_FP_START() dc_fpu_begin(__func__, __LINE__)` (drivers/gpu/drm/amd/display/dc/os_types.h):
  // kernel_fpu_begin() on x86, preempt_disable() + enable_kernel_vsx()/altivec()/fp() on PPC64 (not
  // modelled), only the get_cpu_ptr()/put_cpu_ptr() of the depth counter on arm64.
  { opener: 'DC_FP_START', closer: 'DC_FP_END', arches: ['x86_64'], source: 'drivers/gpu/drm/amd/display/amdgpu_dm/dc_fpu.c dc_fpu_begin(), dc_fpu_end() (6.1)' },
  { opener: 'dc_fpu_begin', closer: 'dc_fpu_end', arches: ['x86_64'], source: 'drivers/gpu/drm/amd/display/amdgpu_dm/dc_fpu.c (6.1)' },
] as const satisfies readonly FpuSection[];

const fpuOpeners = new Map<string, FpuSection>(FPU_SECTIONS.map((row) => [row.opener, row]));

/** The FPU section a call opens, if it opens one. */
export function fpuSection(opener: string): FpuSection | undefined {
  return fpuOpeners.get(opener);
}

/** Calls that open an atomic section (§4.1, include/linux/spinlock.h, rwlock.h, preempt.h, irqflags.h, bottom_half.h, rcupdate.h, smp.h, percpu-defs.h, local_lock.h; 6.1). */
export const SECTION_OPENERS = [
  ...['spin_lock', 'spin_lock_bh', 'spin_lock_irq', 'spin_lock_irqsave', 'spin_lock_nested', 'spin_lock_irqsave_nested', 'spin_lock_nest_lock', 'spin_lock_bh_nested'].map((name) => ({ name, class: 'spin' as const, lockArg: 0 })),
  ...['spin_trylock', 'spin_trylock_bh', 'spin_trylock_irq', 'spin_trylock_irqsave'].map((name) => ({ name, class: 'spin' as const, lockArg: 0, conditional: true })),
  ...['raw_spin_lock', 'raw_spin_lock_bh', 'raw_spin_lock_irq', 'raw_spin_lock_irqsave', 'raw_spin_lock_nested', 'raw_spin_lock_irqsave_nested'].map((name) => ({ name, class: 'raw_spin' as const, lockArg: 0 })),
  ...['raw_spin_trylock', 'raw_spin_trylock_bh', 'raw_spin_trylock_irq', 'raw_spin_trylock_irqsave'].map((name) => ({ name, class: 'raw_spin' as const, lockArg: 0, conditional: true })),
  ...['read_lock', 'read_lock_bh', 'read_lock_irq', 'read_lock_irqsave', 'write_lock', 'write_lock_bh', 'write_lock_irq', 'write_lock_irqsave', 'write_lock_nested'].map((name) => ({ name, class: 'rwlock' as const, lockArg: 0 })),
  ...['read_trylock', 'write_trylock', 'write_trylock_irqsave'].map((name) => ({ name, class: 'rwlock' as const, lockArg: 0, conditional: true })),
  { name: 'rcu_read_lock', class: 'rcu' },
  { name: 'rcu_read_lock_bh', class: 'rcu_bh' },
  { name: 'rcu_read_lock_sched', class: 'rcu_sched' },
  { name: 'preempt_disable', class: 'preempt' },
  { name: 'preempt_disable_notrace', class: 'preempt' },
  // What preempt_disable() expands to with CONFIG_PREEMPT_COUNT (include/linux/preempt.h, 6.1).
  { name: 'preempt_count_inc', class: 'preempt' },
  { name: '__preempt_count_inc', class: 'preempt' },
  { name: 'get_cpu', class: 'preempt' },
  { name: 'get_cpu_var', class: 'preempt' },
  { name: 'get_cpu_ptr', class: 'preempt' },
  { name: 'local_irq_disable', class: 'irq' },
  { name: 'local_irq_save', class: 'irq' },
  { name: 'local_bh_disable', class: 'bh' },
  { name: 'local_lock', class: 'local_lock', lockArg: 0 },
  { name: 'local_lock_irq', class: 'local_lock', lockArg: 0 },
  { name: 'local_lock_irqsave', class: 'local_lock', lockArg: 0 },
  ...FPU_SECTIONS.map((row) => ({ name: row.opener, class: 'fpu' as const })),
  // Kernel-header macros that hide a spinlock: `pte_offset_map_lock(mm, pmd, address, ptlp)` sets
  // `*(ptlp) = pte_lockptr(mm, pmd)` and does `spin_lock(*ptlp)`; pte_alloc_map_lock() does the same
  // unless the page-table allocation fails and it returns NULL, holding nothing on a path that
  // then returns (include/linux/mm.h, 6.1).
  { name: 'pte_offset_map_lock', class: 'spin', lockArg: 3, lockThroughPointer: true },
  { name: 'pte_alloc_map_lock', class: 'spin', lockArg: 3, lockThroughPointer: true },
] as const satisfies readonly SectionCall[];

/** Calls that close what an opener of the same class (and lock) opened. */
/**
 * Section openers that also disable local IRQs: the `_irq`/`_irqsave` forms of the spinlock,
 * rwlock and local_lock families (include/linux/spinlock.h, rwlock.h, local_lock.h, 6.1) and
 * local_irq_disable()/local_irq_save() (include/linux/irqflags.h). `spin_lock_irqsave_nested` is
 * one of them; `_bh` forms disable softirqs only.
 */
export function openerDisablesIrqs(opener: string): boolean {
  return /^local_irq_(disable|save)$/.test(opener) || /_irq(save)?(_nested)?$/.test(opener);
}

/**
 * The argument of an opener that saves the IRQ state: `local_irq_save(flags)` and the `_irqsave`
 * forms, `spin_lock_irqsave(lock, flags)` (include/linux/irqflags.h, spinlock.h, rwlock.h,
 * local_lock.h; 6.1).
 */
export function irqFlagsArgument(opener: string): number | undefined {
  if (opener === 'local_irq_save') return 0;
  return /_irqsave(_nested)?$/.test(opener) ? 1 : undefined;
}

/**
 * What a lock closer does to local IRQs besides releasing its lock. The `_irqrestore` forms end
 * with `local_irq_restore(flags)` of their second argument, the `_irq` forms with
 * `local_irq_enable()` (include/linux/spinlock_api_smp.h __raw_spin_unlock_irqrestore(),
 * __raw_spin_unlock_irq(); rwlock_api_smp.h; local_lock_internal.h; 6.1). So
 * `local_irq_save(flags); raw_spin_lock(&l); … raw_spin_unlock_irqrestore(&l, flags);` ends the
 * IRQ-off section too (kernel/rcu/tree.c krc_this_cpu_lock()/krc_this_cpu_unlock(), 6.1). The
 * plain forms leave IRQs as they are: after `spin_lock_irqsave(&l, flags); spin_unlock(&l);`
 * IRQs stay off until `local_irq_restore(flags)`. The irq class's own closers are not lock closers.
 */
export function closerIrqs(closer: string): { restoresFlagsArg: number } | 'enables' | 'keeps' | undefined {
  const row = sectionCloser(closer);
  if (!row || !('lockArg' in row)) return undefined;
  if (closer.endsWith('_irqrestore')) return { restoresFlagsArg: 1 };
  return closer.endsWith('_irq') ? 'enables' : 'keeps';
}

export const SECTION_CLOSERS = [
  ...['spin_unlock', 'spin_unlock_bh', 'spin_unlock_irq', 'spin_unlock_irqrestore'].map((name) => ({ name, class: 'spin' as const, lockArg: 0 })),
  ...['raw_spin_unlock', 'raw_spin_unlock_bh', 'raw_spin_unlock_irq', 'raw_spin_unlock_irqrestore'].map((name) => ({ name, class: 'raw_spin' as const, lockArg: 0 })),
  ...['read_unlock', 'read_unlock_bh', 'read_unlock_irq', 'read_unlock_irqrestore', 'write_unlock', 'write_unlock_bh', 'write_unlock_irq', 'write_unlock_irqrestore'].map((name) => ({ name, class: 'rwlock' as const, lockArg: 0 })),
  { name: 'rcu_read_unlock', class: 'rcu' },
  { name: 'rcu_read_unlock_bh', class: 'rcu_bh' },
  { name: 'rcu_read_unlock_sched', class: 'rcu_sched' },
  { name: 'preempt_enable', class: 'preempt' },
  { name: 'preempt_enable_no_resched', class: 'preempt' },
  { name: 'preempt_enable_notrace', class: 'preempt' },
  // `preempt_enable_no_resched()` is `sched_preempt_enable_no_resched()`: barrier(); preempt_count_dec()
  // (include/linux/preempt.h, 6.1; kernel/sched/core.c do_sched_yield() uses it before schedule()).
  { name: 'sched_preempt_enable_no_resched', class: 'preempt' },
  { name: 'preempt_enable_no_resched_notrace', class: 'preempt' },
  { name: 'preempt_count_dec', class: 'preempt' },
  { name: '__preempt_count_dec', class: 'preempt' },
  { name: 'put_cpu', class: 'preempt' },
  { name: 'put_cpu_var', class: 'preempt' },
  { name: 'put_cpu_ptr', class: 'preempt' },
  { name: 'local_irq_enable', class: 'irq' },
  { name: 'local_irq_restore', class: 'irq' },
  { name: 'local_bh_enable', class: 'bh' },
  { name: 'local_unlock', class: 'local_lock', lockArg: 0 },
  { name: 'local_unlock_irq', class: 'local_lock', lockArg: 0 },
  { name: 'local_unlock_irqrestore', class: 'local_lock', lockArg: 0 },
  // `#define pte_unmap_unlock(pte, ptl) do { spin_unlock(ptl); pte_unmap(pte); } while (0)` (include/linux/mm.h, 6.1).
  { name: 'pte_unmap_unlock', class: 'spin', lockArg: 1 },
  ...[...new Set(FPU_SECTIONS.map((row) => row.closer))].map((name) => ({ name, class: 'fpu' as const })),
] as const satisfies readonly SectionCall[];

/**
 * `guard(X)(lock)` and `scoped_guard(X, lock) { … }` lock classes that make the scope atomic
 * (include/linux/spinlock.h, preempt.h, irqflags.h, rcupdate.h DEFINE_LOCK_GUARD_*; the names of
 * 6.5+, where cleanup.h guards were introduced). Mutex and rwsem guards are sleeping locks.
 */
export const ATOMIC_GUARDS: Readonly<Record<string, SectionClass>> = {
  spinlock: 'spin',
  spinlock_irq: 'spin',
  spinlock_irqsave: 'spin',
  spinlock_bh: 'spin',
  spinlock_nested: 'spin',
  raw_spinlock: 'raw_spin',
  raw_spinlock_irq: 'raw_spin',
  raw_spinlock_irqsave: 'raw_spin',
  raw_spinlock_nested: 'raw_spin',
  read_lock: 'rwlock',
  read_lock_irq: 'rwlock',
  read_lock_irqsave: 'rwlock',
  write_lock: 'rwlock',
  write_lock_irq: 'rwlock',
  write_lock_irqsave: 'rwlock',
  rcu: 'rcu',
  preempt: 'preempt',
  preempt_notrace: 'preempt',
  irq: 'irq',
  irqsave: 'irq',
};

const openers = new Map<string, SectionCall>(SECTION_OPENERS.map((row) => [row.name, row]));
const closers = new Map<string, SectionCall>(SECTION_CLOSERS.map((row) => [row.name, row]));

export function sectionOpener(name: string): SectionCall | undefined {
  return openers.get(name);
}

export function sectionCloser(name: string): SectionCall | undefined {
  return closers.get(name);
}

/** A wait that runs a command of its caller with a spinlock dropped (argument positions are 0-based). */
export interface LockDroppingWait {
  name: string;
  /** The spinlock it drops, passed without `&`. */
  lockArg: number;
  /** The statement it runs after `spin_unlock_irq(&lock)` and before `schedule()`. */
  commandArg: number;
}

/**
 * `__wait_event_lock_irq()` and `__wait_event_interruptible_lock_irq()` expand to
 * `spin_unlock_irq(&lock); cmd; schedule(); spin_lock_irq(&lock)` (include/linux/wait.h, 6.1):
 * the command runs with the lock dropped, and the lock is held again when the wait returns.
 */
export const LOCK_DROPPING_WAITS = [
  { name: 'wait_event_lock_irq_cmd', lockArg: 2, commandArg: 3 },
  { name: 'wait_event_interruptible_lock_irq_cmd', lockArg: 2, commandArg: 3 },
] as const satisfies readonly LockDroppingWait[];

const droppingWaits = new Map<string, LockDroppingWait>(LOCK_DROPPING_WAITS.map((row) => [row.name, row]));

export function lockDroppingWait(name: string): LockDroppingWait | undefined {
  return droppingWaits.get(name);
}

/** Calls that arm a timer_list, its first argument (kernel/time/timer.c, 6.1). */
export const TIMER_ARMS = /^(add_timer|add_timer_on|mod_timer|mod_timer_pending|timer_reduce)$/;

/**
 * Unlock calls that release sleeping locks (mutexes, semaphores, rtnl, SRCU, socket and inode
 * locks, bit locks …; kernel/locking/, include/linux/rtnetlink.h, net/core/sock.c, 6.1): another
 * file's `*_unlock()` of these never drops a spinning section.
 */
const SLEEPING_UNLOCK = /^(mutex|rt_mutex|ww_mutex|up|percpu|inode|console|device|i2c|sk|rtnl|srcu|sock|release|folio|page|mmap)_|^(up|rtnl_unlock)$|bit_unlock/;

export function sleepingUnlock(name: string): boolean {
  return SLEEPING_UNLOCK.test(name) || !!sectionCloser(name);
}

/**
 * Calls that ask which context the code runs in. A sleep guarded by one of them was written for
 * both contexts (`if (!in_interrupt()) msleep(1)`), and `gfpflags_allow_blocking(gfp)` guards a
 * sleep on the caller's mask (include/linux/preempt.h, gfp.h, irqflags.h; 6.1).
 */
export const CONTEXT_QUERIES: ReadonlySet<string> = new Set([
  'in_interrupt', 'in_irq', 'in_softirq', 'in_serving_softirq', 'in_hardirq', 'in_nmi', 'in_task', 'in_atomic',
  'irqs_disabled', 'preemptible', 'in_atomic_preempt_off', 'gfpflags_allow_blocking', 'rcu_read_lock_held',
  'lockdep_is_held', 'spin_is_locked', 'oops_in_progress', 'system_state',
]);

/** How the kernel runs a registered callback. */
export type CallbackContext = 'hardirq' | 'softirq' | 'bh' | 'atomic' | 'process';

export interface CallbackRegistration {
  /** Registration function or macro. */
  api: string;
  /** 0-based argument holding the callback. */
  arg: number;
  /** 0-based argument holding the timer it sets up, for timer setups: add_timer()/mod_timer() arm it. */
  timerArg?: number;
  context: CallbackContext;
  /** What the callback is, in a kernel developer's words, for messages and hovers. */
  role: string;
  source: string;
}

/** §4.2: callbacks and the context they run in (6.1 unless noted). */
export const CALLBACK_REGISTRATIONS = [
  { api: 'request_irq', arg: 1, context: 'hardirq', role: 'hard-IRQ handler', source: 'include/linux/interrupt.h (6.1)' },
  { api: 'devm_request_irq', arg: 2, context: 'hardirq', role: 'hard-IRQ handler', source: 'include/linux/interrupt.h (6.1)' },
  { api: 'request_any_context_irq', arg: 1, context: 'hardirq', role: 'IRQ handler (hard IRQ or nested thread)', source: 'kernel/irq/manage.c (6.1)' },
  { api: 'devm_request_any_context_irq', arg: 2, context: 'hardirq', role: 'IRQ handler (hard IRQ or nested thread)', source: 'kernel/irq/devres.c (6.1)' },
  { api: 'request_threaded_irq', arg: 1, context: 'hardirq', role: 'primary (hard-IRQ) handler', source: 'kernel/irq/manage.c (6.1): "handler is still called in hard interrupt context"' },
  { api: 'devm_request_threaded_irq', arg: 2, context: 'hardirq', role: 'primary (hard-IRQ) handler', source: 'kernel/irq/devres.c (6.1)' },
  { api: 'request_percpu_irq', arg: 1, context: 'hardirq', role: 'per-CPU hard-IRQ handler', source: 'include/linux/interrupt.h (6.1)' },
  { api: 'request_nmi', arg: 1, context: 'hardirq', role: 'NMI handler', source: 'kernel/irq/manage.c (6.1)' },
  { api: 'timer_setup', arg: 1, timerArg: 0, context: 'softirq', role: 'timer callback (timer softirq)', source: 'include/linux/timer.h (6.1)' },
  { api: 'timer_setup_on_stack', arg: 1, timerArg: 0, context: 'softirq', role: 'timer callback (timer softirq)', source: 'include/linux/timer.h (6.1)' },
  { api: 'DEFINE_TIMER', arg: 1, context: 'softirq', role: 'timer callback (timer softirq)', source: 'include/linux/timer.h (6.1)' },
  { api: 'hrtimer_setup', arg: 1, context: 'hardirq', role: 'hrtimer callback (hard IRQ; softirq with HRTIMER_MODE_SOFT)', source: 'include/linux/hrtimer.h (≥6.13)' },
  { api: 'hrtimer_setup_on_stack', arg: 1, context: 'hardirq', role: 'hrtimer callback (hard IRQ; softirq with HRTIMER_MODE_SOFT)', source: 'include/linux/hrtimer.h (≥6.13)' },
  { api: 'tasklet_setup', arg: 1, context: 'softirq', role: 'tasklet (softirq)', source: 'include/linux/interrupt.h (6.1)' },
  { api: 'tasklet_init', arg: 1, context: 'softirq', role: 'tasklet (softirq)', source: 'include/linux/interrupt.h (6.1)' },
  { api: 'DECLARE_TASKLET', arg: 1, context: 'softirq', role: 'tasklet (softirq)', source: 'include/linux/interrupt.h (6.1)' },
  { api: 'DECLARE_TASKLET_OLD', arg: 1, context: 'softirq', role: 'tasklet (softirq)', source: 'include/linux/interrupt.h (6.1)' },
  { api: 'DECLARE_TASKLET_DISABLED', arg: 1, context: 'softirq', role: 'tasklet (softirq)', source: 'include/linux/interrupt.h (6.1)' },
  { api: 'netif_napi_add', arg: 2, context: 'softirq', role: 'NAPI poll (softirq)', source: 'include/linux/netdevice.h (6.1); Documentation/networking/netdevices.rst' },
  { api: 'netif_napi_add_weight', arg: 2, context: 'softirq', role: 'NAPI poll (softirq)', source: 'include/linux/netdevice.h (6.1)' },
  { api: 'netif_napi_add_tx', arg: 2, context: 'softirq', role: 'NAPI poll (softirq)', source: 'include/linux/netdevice.h (6.1)' },
  { api: 'netif_napi_add_tx_weight', arg: 2, context: 'softirq', role: 'NAPI poll (softirq)', source: 'include/linux/netdevice.h (6.1)' },
  { api: 'call_rcu', arg: 1, context: 'softirq', role: 'RCU callback (softirq)', source: 'kernel/rcu/tree.c (6.1): "called from softirq context … cannot block"' },
  { api: 'call_rcu_hurry', arg: 1, context: 'softirq', role: 'RCU callback (softirq)', source: 'include/linux/rcupdate.h (6.2+)' },
  { api: 'call_srcu', arg: 2, context: 'softirq', role: 'SRCU callback (softirq)', source: 'kernel/rcu/srcutree.c (6.1)' },
  { api: 'usb_fill_bulk_urb', arg: 5, context: 'atomic', role: 'URB completion handler', source: 'include/linux/usb.h (6.1): "NEVER SLEEP IN A COMPLETION HANDLER"' },
  { api: 'usb_fill_int_urb', arg: 5, context: 'atomic', role: 'URB completion handler', source: 'include/linux/usb.h (6.1)' },
  { api: 'usb_fill_control_urb', arg: 6, context: 'atomic', role: 'URB completion handler', source: 'include/linux/usb.h (6.1)' },
  { api: 'request_threaded_irq', arg: 2, context: 'process', role: 'threaded IRQ function (IRQ thread)', source: 'kernel/irq/manage.c (6.1)' },
  { api: 'devm_request_threaded_irq', arg: 3, context: 'process', role: 'threaded IRQ function (IRQ thread)', source: 'kernel/irq/devres.c (6.1)' },
  { api: 'INIT_WORK', arg: 1, context: 'process', role: 'work handler (kworker)', source: 'include/linux/workqueue.h (6.1)' },
  { api: 'INIT_WORK_ONSTACK', arg: 1, context: 'process', role: 'work handler (kworker)', source: 'include/linux/workqueue.h (6.1)' },
  { api: 'INIT_DELAYED_WORK', arg: 1, context: 'process', role: 'delayed work handler (kworker)', source: 'include/linux/workqueue.h (6.1)' },
  { api: 'INIT_DEFERRABLE_WORK', arg: 1, context: 'process', role: 'delayed work handler (kworker)', source: 'include/linux/workqueue.h (6.1)' },
  { api: 'DECLARE_WORK', arg: 1, context: 'process', role: 'work handler (kworker)', source: 'include/linux/workqueue.h (6.1)' },
  { api: 'DECLARE_DELAYED_WORK', arg: 1, context: 'process', role: 'delayed work handler (kworker)', source: 'include/linux/workqueue.h (6.1)' },
  { api: 'kthread_create', arg: 0, context: 'process', role: 'kthread function', source: 'include/linux/kthread.h (6.1)' },
  { api: 'kthread_run', arg: 0, context: 'process', role: 'kthread function', source: 'include/linux/kthread.h (6.1)' },
  { api: 'kthread_create_on_node', arg: 0, context: 'process', role: 'kthread function', source: 'kernel/kthread.c (6.1)' },
] as const satisfies readonly CallbackRegistration[];

export interface FieldCallback {
  /** Designated-initializer field (`.ndo_start_xmit = fn`). */
  field: string;
  context: CallbackContext;
  role: string;
  source: string;
}

/**
 * Struct-initializer callbacks whose context the kernel documents. `ndo_*` names belong to
 * struct net_device_ops only; probe/remove/open are process context in every bus that has them.
 */
export const FIELD_CALLBACKS = [
  { field: 'ndo_start_xmit', context: 'bh', role: '.ndo_start_xmit (BHs disabled, netif_tx_lock held)', source: 'Documentation/networking/netdevices.rst (6.1)' },
  { field: 'ndo_tx_timeout', context: 'bh', role: '.ndo_tx_timeout (BHs disabled, netif_tx_lock held)', source: 'Documentation/networking/netdevices.rst (6.1)' },
  { field: 'ndo_set_rx_mode', context: 'bh', role: '.ndo_set_rx_mode (BHs disabled, netif_addr_lock held)', source: 'Documentation/networking/netdevices.rst (6.1)' },
  { field: 'ndo_get_stats', context: 'atomic', role: '.ndo_get_stats (atomic: dev_base_lock or RCU)', source: 'Documentation/networking/netdevices.rst (6.1)' },
  { field: 'probe', context: 'process', role: 'probe callback', source: 'Documentation/driver-api/driver-model/driver.rst (6.1)' },
  { field: 'remove', context: 'process', role: 'remove callback', source: 'Documentation/driver-api/driver-model/driver.rst (6.1)' },
  { field: 'open', context: 'process', role: 'open callback', source: 'include/linux/fs.h (6.1)' },
  { field: 'ndo_open', context: 'process', role: '.ndo_open (rtnl_lock held)', source: 'Documentation/networking/netdevices.rst (6.1)' },
  { field: 'ndo_stop', context: 'process', role: '.ndo_stop (rtnl_lock held)', source: 'Documentation/networking/netdevices.rst (6.1)' },
] as const satisfies readonly FieldCallback[];

/** A core-called op: a function pointer field of a kernel struct the core calls in a known context. */
export interface OpsFieldContext {
  /** The struct type as declared (`struct snd_pcm_ops`) and the field (`trigger`). */
  struct: string;
  field: string;
  context: CallbackContext;
  role: string;
  source: string;
  /**
   * A flag field that, when the driver sets it anywhere in its folder (`pcm->nonatomic = true`,
   * `.nonatomic = 1` in a `struct snd_soc_dai_link`), makes the core call the op in process context.
   */
  unlessFlag?: string;
  /**
   * Where else the flag is usually set, when that is outside the driver's folder (an ASoC
   * dai_link is declared by the machine driver): findings from this row are then information.
   */
  flagElsewhere?: string;
}

/**
 * Ops fields the core calls in atomic context (checked in the 6.1 tree). ALSA takes the PCM
 * stream lock with snd_pcm_stream_lock_irq() (sound/core/pcm_native.c: snd_pcm_group_lock_irq()
 * is a spinlock with IRQs off unless `substream->pcm->nonatomic`, then a mutex); ASoC copies
 * `rtd->dai_link->nonatomic` into `pcm->nonatomic` (sound/soc/soc-pcm.c soc_new_pcm()).
 */
export const OPS_FIELD_CONTEXTS = [
  {
    struct: 'struct snd_pcm_ops',
    field: 'trigger',
    context: 'atomic',
    role: 'PCM .trigger (ALSA: PCM stream spinlock held, IRQs off; the folder sets no `nonatomic` flag)',
    source: 'sound/core/pcm_native.c (6.1): snd_pcm_do_start() etc. call substream->ops->trigger under snd_pcm_stream_lock_irq()',
    unlessFlag: 'nonatomic',
  },
  {
    struct: 'struct snd_pcm_ops',
    field: 'pointer',
    context: 'atomic',
    role: 'PCM .pointer (ALSA: PCM stream spinlock held, IRQs off; the folder sets no `nonatomic` flag)',
    source: 'sound/core/pcm_lib.c (6.1): snd_pcm_update_hw_ptr0() calls substream->ops->pointer, from snd_pcm_period_elapsed() under snd_pcm_stream_lock_irqsave()',
    unlessFlag: 'nonatomic',
  },
  {
    struct: 'struct snd_pcm_ops',
    field: 'ack',
    context: 'atomic',
    role: 'PCM .ack (ALSA: PCM stream spinlock held, IRQs off; the folder sets no `nonatomic` flag)',
    source: 'sound/core/pcm_lib.c (6.1): pcm_lib_apply_appl_ptr() calls substream->ops->ack, from snd_pcm_forward()/__snd_pcm_lib_xfer() under snd_pcm_stream_lock_irq()',
    unlessFlag: 'nonatomic',
  },
  {
    struct: 'struct snd_soc_dai_ops',
    field: 'trigger',
    context: 'atomic',
    role: 'DAI .trigger (ASoC: PCM stream spinlock held, IRQs off; the folder sets no `nonatomic` dai_link flag)',
    source: 'sound/soc/soc-dai.c (6.1): soc_dai_trigger() calls dai->driver->ops->trigger from soc_pcm_trigger(), the PCM .trigger (sound/soc/soc-pcm.c)',
    unlessFlag: 'nonatomic',
    flagElsewhere: 'the machine driver\'s `struct snd_soc_dai_link`',
  },
  {
    struct: 'struct snd_soc_component_driver',
    field: 'trigger',
    context: 'atomic',
    role: 'component .trigger (ASoC: PCM stream spinlock held, IRQs off; the folder sets no `nonatomic` dai_link flag)',
    source: 'sound/soc/soc-component.c (6.1): soc_component_trigger() calls component->driver->trigger from soc_pcm_trigger(), the PCM .trigger (sound/soc/soc-pcm.c)',
    unlessFlag: 'nonatomic',
    flagElsewhere: 'the machine driver\'s `struct snd_soc_dai_link`',
  },
  {
    struct: 'struct snd_soc_component_driver',
    field: 'pointer',
    context: 'atomic',
    role: 'component .pointer (ASoC: PCM stream spinlock held, IRQs off; the folder sets no `nonatomic` dai_link flag)',
    source: 'sound/soc/soc-component.c (6.1): snd_soc_pcm_component_pointer() calls component->driver->pointer from soc_pcm_pointer(), the PCM .pointer (sound/soc/soc-pcm.c)',
    unlessFlag: 'nonatomic',
    flagElsewhere: 'the machine driver\'s `struct snd_soc_dai_link`',
  },
  {
    struct: 'struct net_device_ops',
    field: 'ndo_get_stats64',
    context: 'atomic',
    role: '.ndo_get_stats64 (called under rcu_read_lock() for /proc/net/dev)',
    source: 'net/core/net-procfs.c (6.1): dev_seq_start() takes rcu_read_lock(), dev_seq_printf_stats() calls dev_get_stats() → ops->ndo_get_stats64 (net/core/dev.c)',
  },
] as const satisfies readonly OpsFieldContext[];

export function isAtomicContext(context: CallbackContext): boolean {
  return context !== 'process';
}
