// The CPU time one thread has used, for the per-file time bound of the analysis workers. Wall time
// is the wrong measure there: on a loaded machine a file that needs 5 s of work takes 100 s of
// wall time, and the bound skipped real driver files (issue 10 asks that a loaded 2-core machine
// skip none). A thread's CPU time grows only while it runs, whatever else the machine does.
//
// Node 20 has no per-thread CPU clock (process.cpuUsage() counts every thread of the process), so
// this reads Linux's /proc: a worker names its own thread's stat file through /proc/thread-self
// (Linux ≥ 3.17), and the main thread reads that file. Anywhere else the path is undefined and the
// caller falls back to wall time.
import * as fs from 'fs';

/**
 * Clock ticks per second of the utime/stime fields (USER_HZ). The kernel reports them in USER_HZ,
 * which is 100 on every architecture Linux userspace sees (the ABI fixes it; include/asm-generic/param.h).
 */
const USER_HZ = 100;

/** The stat file of the calling thread (call it inside the worker), or undefined off Linux. */
export function currentThreadStatFile(): string | undefined {
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    const target = fs.readlinkSync('/proc/thread-self');
    return /^\d+\/task\/\d+$/.test(target) ? `/proc/${target}/stat` : undefined;
  } catch {
    return undefined;
  }
}

/** The CPU time (user + system) the thread of `statFile` has used, in ms; undefined once it is gone. */
export function threadCpuMs(statFile: string): number | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(statFile, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (field 14) and stime (field 15) are at 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / USER_HZ;
}
