// Kernel functions and macros that never return to their caller: nothing after them runs on that
// path, so the lock walk treats the state after such a call as unreachable. Each row cites the
// declaration it was read from (linux-source-6.1). Functions a driver itself marks `__noreturn`
// are found in its own files (analysis/paths/pathFacts.ts).

export interface NoReturn {
  name: string;
  source: string;
}

export const NORETURN_FUNCTIONS = [
  { name: 'panic', source: 'include/linux/panic.h:12 (6.1): void panic(const char *fmt, ...) __noreturn __cold' },
  // The generic BUG() ends in panic(); x86's in __builtin_unreachable() after ud2.
  { name: 'BUG', source: 'include/asm-generic/bug.h:63, arch/x86/include/asm/bug.h:66 (6.1)' },
  { name: 'do_exit', source: 'include/linux/kernel.h:198 (6.1): void do_exit(long error_code) __noreturn' },
  { name: 'do_group_exit', source: 'include/linux/sched/task.h:87 (6.1): extern __noreturn void do_group_exit(int)' },
  { name: 'make_task_dead', source: 'include/linux/sched/task.h:67 (6.1): void __noreturn make_task_dead(int signr)' },
  { name: 'do_task_dead', source: 'include/linux/sched/task.h:66 (6.1): void __noreturn do_task_dead(void)' },
  { name: 'kthread_exit', source: 'include/linux/kthread.h:99 (6.1): void kthread_exit(long result) __noreturn' },
  { name: 'kthread_complete_and_exit', source: 'include/linux/kthread.h:100 (6.1): void kthread_complete_and_exit(struct completion *, long) __noreturn' },
  { name: '__module_put_and_kthread_exit', source: 'include/linux/module.h:618 (6.1): extern void __noreturn __module_put_and_kthread_exit(...)' },
  // A macro for __module_put_and_kthread_exit() or, without modules, kthread_exit().
  { name: 'module_put_and_kthread_exit', source: 'include/linux/module.h:620, 818 (6.1)' },
] as const satisfies readonly NoReturn[];

const NAMES: ReadonlySet<string> = new Set(NORETURN_FUNCTIONS.map((row) => row.name));

/** Whether the kernel declares a function (or a macro around one) that never returns. */
export function kernelNoReturn(name: string): boolean {
  return NAMES.has(name);
}
