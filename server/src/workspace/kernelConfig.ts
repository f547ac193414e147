// Detects the kernel a driver is built against, so the model's figures hold for it without the
// user setting anything: the version from a kernel tree's top-level Makefile (VERSION/PATCHLEVEL)
// or a build folder's include/config/kernel.release, the architecture and page size from its
// .config. The tree is found by walking up from the file (an in-tree driver), through KDIR in an
// out-of-tree module's Makefile, or from the `kernelAllocLens.kernelDir` setting. Settings other
// than "auto" override whatever is detected. Pure functions over file contents first; the small
// I/O wrapper at the end reads files.
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { Arch, KconfigOptions, KernelVersion, ModelConfig, configProblem, describeConfig, formatKernelVersion } from '../model/config';

export interface DetectedConfig {
  /** The kernel source or build folder the values were read from. */
  dir?: string;
  kernel?: KernelVersion;
  arch?: Arch;
  pageSize?: number;
  /** The .config's options, for `#if CONFIG_…` groups. */
  kconfig?: KconfigOptions;
  /** Where each detected value came from, for the status bar's tooltip. */
  sources: { kernel?: string; arch?: string; pageSize?: string };
}

/** `VERSION = 6` and `PATCHLEVEL = 12` from a kernel tree's top-level Makefile. */
export function versionFromMakefile(text: string): KernelVersion | undefined {
  const major = /^VERSION\s*=\s*(\d+)\s*$/m.exec(text);
  const minor = /^PATCHLEVEL\s*=\s*(\d+)\s*$/m.exec(text);
  return major && minor ? { major: Number(major[1]), minor: Number(minor[1]) } : undefined;
}

/** `6.1.0-18-amd64` from include/config/kernel.release of a configured build folder. */
export function versionFromRelease(text: string): KernelVersion | undefined {
  const match = /^\s*(\d+)\.(\d+)/.exec(text);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/** A .config's options as the analysis reads them, keyed by where it was read from and its text. */
export function kconfigFromDotConfig(source: string, text: string): KconfigOptions {
  return { source, key: createHash('sha1').update(text).digest('hex').slice(0, 16), options: enabledOptions(text) };
}

function enabledOptions(text: string): Map<string, string> {
  const options = new Map<string, string>();
  for (const match of text.matchAll(/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/gm)) options.set(match[1], match[2].trim());
  return options;
}

/**
 * Architecture and page size from a .config. CONFIG_X86_64 (arch/x86/Kconfig), CONFIG_ARM64 and
 * CONFIG_ARM64_{4K,16K,64K}_PAGES and CONFIG_ARM64_PAGE_SHIFT (arch/arm64/Kconfig), the generic
 * CONFIG_PAGE_SIZE_{4,16,64}KB and CONFIG_PAGE_SHIFT (arch/Kconfig, from the 2024 consolidation of
 * the per-arch page-size options, v6.10). 32-bit x86 and other
 * architectures are not modelled: nothing is detected for them.
 */
export function configFromDotConfig(text: string): { arch?: Arch; pageSize?: number } {
  return configFromOptions(enabledOptions(text));
}

/** The same from a .config's options already read. */
function configFromOptions(options: ReadonlyMap<string, string>): { arch?: Arch; pageSize?: number } {
  const on = (name: string) => options.get(name) === 'y';
  let arch: Arch | undefined;
  if (on('CONFIG_X86_64')) arch = 'x86_64';
  else if (on('CONFIG_ARM64')) arch = 'arm64';
  else if (on('CONFIG_ARM')) arch = 'arm';
  let pageSize: number | undefined;
  const shift = Number(options.get('CONFIG_PAGE_SHIFT') ?? options.get('CONFIG_ARM64_PAGE_SHIFT'));
  if (Number.isInteger(shift) && shift >= 12 && shift <= 16) pageSize = 2 ** shift;
  else if (on('CONFIG_ARM64_64K_PAGES') || on('CONFIG_PAGE_SIZE_64KB')) pageSize = 65536;
  else if (on('CONFIG_ARM64_16K_PAGES') || on('CONFIG_PAGE_SIZE_16KB')) pageSize = 16384;
  else if (on('CONFIG_ARM64_4K_PAGES') || on('CONFIG_PAGE_SIZE_4KB') || arch === 'x86_64' || arch === 'arm') pageSize = 4096;
  return { arch, pageSize };
}

/**
 * The kernel folder an out-of-tree module's Makefile (or Kbuild) names in KDIR, KERNELDIR,
 * KERNEL_SRC or KSRC, resolved against the Makefile's folder. Values that need make to expand
 * (`$(shell uname -r)`, other variables) are not guessed: undefined.
 */
export function kdirFromModuleMakefile(text: string, makefileDir: string): string | undefined {
  const match = /^\s*(?:export\s+)?(?:KDIR|KERNELDIR|KERNEL_DIR|KERNEL_SRC|KSRC)\s*[:?]?=\s*(\S+)\s*$/m.exec(text);
  if (!match || match[1].includes('$')) return undefined;
  const value = match[1].replace(/^~(?=\/)/, process.env.HOME ?? '~');
  return path.resolve(makefileDir, value);
}

/** Which model settings the user set to a value; "auto", empty or absent mean "detect". */
export function explicitModelSettings(raw: { kernelVersion?: unknown; arch?: unknown; pageSize?: unknown } | undefined): { kernel: boolean; arch: boolean; pageSize: boolean } {
  const set = (value: unknown) => value !== undefined && value !== null && value !== '' && value !== 'auto';
  return { kernel: set(raw?.kernelVersion), arch: set(raw?.arch), pageSize: set(raw?.pageSize) };
}

export interface ResolvedConfig {
  config: ModelConfig;
  /** Per field: "setting", "default" or the file it was detected from. */
  sources: { kernel: string; arch: string; pageSize: string };
  /** Why detected values were not used, when they make no modelled configuration. */
  problem?: string;
}

/** Settings first, then detection, then the defaults readSettings already filled in. */
export function resolveConfig(fromSettings: ModelConfig, explicit: { kernel: boolean; arch: boolean; pageSize: boolean }, detected: DetectedConfig): ResolvedConfig {
  const config: ModelConfig = { ...fromSettings };
  const sources = { kernel: explicit.kernel ? 'setting' : 'default', arch: explicit.arch ? 'setting' : 'default', pageSize: explicit.pageSize ? 'setting' : 'default' };
  if (!explicit.kernel && detected.kernel) {
    config.kernel = detected.kernel;
    sources.kernel = detected.sources.kernel ?? 'detected';
  }
  if (!explicit.arch && detected.arch) {
    config.arch = detected.arch;
    sources.arch = detected.sources.arch ?? 'detected';
  }
  if (!explicit.pageSize && detected.pageSize) {
    config.pageSize = detected.pageSize;
    sources.pageSize = detected.sources.pageSize ?? 'detected';
  }
  // No setting overrides the .config's options: they hold for the tree that was detected.
  if (detected.kconfig) config.kconfig = detected.kconfig;
  const problem = configProblem(config);
  if (problem) {
    return {
      config: detected.kconfig ? { ...fromSettings, kconfig: detected.kconfig } : fromSettings,
      sources: { kernel: explicit.kernel ? 'setting' : 'default', arch: explicit.arch ? 'setting' : 'default', pageSize: explicit.pageSize ? 'setting' : 'default' },
      problem: `detected ${describeConfig(config)} is not modelled (${problem})`,
    };
  }
  return { config, sources };
}

/** `kernel 6.12 · x86_64 · 4K`: the status bar's words. */
export function shortDescription(config: ModelConfig): string {
  return `kernel ${formatKernelVersion(config.kernel)} · ${config.arch} · ${config.pageSize / 1024}K`;
}

// ---- I/O: reading the files the pure functions above interpret ----

/** How far up from a file to look for a kernel tree: drivers/net/ethernet/vendor/chip/ is five. */
const MAX_LEVELS = 10;

function readText(file: string): string | undefined {
  try {
    const stat = fs.statSync(file);
    // A .config is ~250 KB; anything far larger is not one of the files we want.
    return stat.isFile() && stat.size < 4 * 1024 * 1024 ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** What a kernel source or build folder says about itself; undefined when it is not one. */
export function detectKernelDir(dir: string): DetectedConfig | undefined {
  const detected: DetectedConfig = { dir, sources: {} };
  const makefile = path.join(dir, 'Makefile');
  const version = versionFromMakefile(readText(makefile) ?? '');
  const releaseFile = path.join(dir, 'include', 'config', 'kernel.release');
  const release = version ? undefined : versionFromRelease(readText(releaseFile) ?? '');
  if (version ?? release) {
    detected.kernel = version ?? release;
    detected.sources.kernel = version ? makefile : releaseFile;
  }
  const dotConfig = path.join(dir, '.config');
  const text = readText(dotConfig);
  if (text) {
    // One read of the options serves the model's arch and page size and the #if evaluation.
    const kconfig = kconfigFromDotConfig(dotConfig, text);
    const { arch, pageSize } = configFromOptions(kconfig.options);
    if (arch) {
      detected.arch = arch;
      detected.sources.arch = dotConfig;
    }
    if (pageSize) {
      detected.pageSize = pageSize;
      detected.sources.pageSize = dotConfig;
    }
    detected.kconfig = kconfig;
  }
  return detected.kernel || detected.arch || detected.pageSize ? detected : undefined;
}

/**
 * Detection for a source file: the `kernelDir` setting when given; else the nearest enclosing
 * kernel tree, or the KDIR of the nearest module Makefile on the way up. Cached per folder.
 */
export class KernelConfigDetector {
  private readonly byDir = new Map<string, DetectedConfig>();

  constructor(private readonly kernelDir: string | undefined) {}

  detectFor(file: string): DetectedConfig {
    if (this.kernelDir) return this.cached(`dir:${this.kernelDir}`, () => detectKernelDir(this.kernelDir!) ?? { sources: {} });
    return this.cached(path.dirname(file), () => this.search(path.dirname(file)));
  }

  private cached(key: string, compute: () => DetectedConfig): DetectedConfig {
    let found = this.byDir.get(key);
    if (!found) {
      found = compute();
      this.byDir.set(key, found);
    }
    return found;
  }

  private search(start: string): DetectedConfig {
    let dir = start;
    for (let level = 0; level < MAX_LEVELS; level++) {
      const tree = detectKernelDir(dir);
      if (tree?.kernel) return tree;
      for (const name of ['Makefile', 'Kbuild']) {
        const kdir = kdirFromModuleMakefile(readText(path.join(dir, name)) ?? '', dir);
        const found = kdir ? detectKernelDir(kdir) : undefined;
        if (found) return found;
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    return { sources: {} };
  }
}
