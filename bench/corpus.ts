// The benchmark corpus: Debian's linux-source-6.1 package, extracted once into a cache folder
// outside the repository (~/.cache/kernel-alloc-lens/), installed with apt-get when missing.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LspClient } from '../test/support/lspClient';

const TARBALL = '/usr/src/linux-source-6.1.tar.xz';
export const CACHE = process.env.KALLOC_CACHE ?? path.join(os.homedir(), '.cache', 'kernel-alloc-lens');
export const KERNEL = path.join(CACHE, 'linux-source-6.1');

/** The extracted tree's root; installs and extracts on first use (minutes), then returns at once. */
export function ensureCorpus(log: (line: string) => void): string {
  const marker = path.join(CACHE, '.linux-source-6.1.extracted');
  if (fs.existsSync(marker) || (fs.existsSync(path.join(KERNEL, 'drivers')) && fs.existsSync('/tmp/extract.done'))) return KERNEL;
  if (!fs.existsSync(TARBALL)) {
    log(`${TARBALL} is missing: apt-get install linux-source-6.1`);
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'linux-source-6.1'], { stdio: 'inherit' });
  }
  fs.mkdirSync(CACHE, { recursive: true });
  log(`extracting ${TARBALL} into ${CACHE}`);
  execFileSync('tar', ['-xJf', TARBALL, '-C', CACHE], { stdio: 'inherit' });
  fs.writeFileSync(marker, new Date().toISOString());
  return KERNEL;
}

/** .c and .h files below `dir`, sorted. */
export function sourceFiles(dir: string, extensions = /\.[ch]$/): string[] {
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && extensions.test(entry.name)) files.push(full);
    }
  };
  walk(dir);
  return files;
}

/** The machine, for BENCHMARKS.md. */
export function machine(): { cpus: number; model: string; memoryGiB: number; load: string; node: string } {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  return {
    cpus: os.availableParallelism(),
    model: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    load: os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' '),
    node: process.version,
  };
}

/** A field of /proc/PID/status in bytes (VmRSS now, VmHWM the peak; all threads); undefined off Linux. */
function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export const currentRss = (pid: number) => statusBytes(pid, 'VmRSS');
export const peakRss = (pid: number) => statusBytes(pid, 'VmHWM');

/** The server's model for `uri` once its kernel index is no longer loading (each change is announced). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function indexLoaded(client: LspClient, uri: string, timeoutMs: number): Promise<any> {
  let model = await client.request('kernelAllocLens/modelInUse', { uri });
  while (model?.index?.state === 'loading') {
    await client.waitFor((message) => message.method === 'kernelAllocLens/modelChanged', timeoutMs);
    model = await client.request('kernelAllocLens/modelInUse', { uri });
  }
  return model;
}
