// Macros the build defines on the compiler's command line, so no file of a driver defines them
// and yet `#ifdef` on them may be compiled in. The analysis never treats these as undefined.
// Names beginning with `_` (compiler and arch predefines: `__KERNEL__`, `__x86_64__`,
// `__BIG_ENDIAN`), names with a lower-case letter (kernel headers' feature tests such as
// `#ifdef writeq`, arch/x86/include/asm/io.h) and the prefixes below (arch capability macros of
// the kernel headers) are left alone too.

export interface BuildMacro {
  name: string;
  source: string;
}

export const BUILD_MACROS = [
  { name: 'MODULE', source: 'Makefile:598 (6.1): KBUILD_CFLAGS_MODULE := -DMODULE' },
  { name: 'KBUILD_BASENAME', source: 'scripts/Makefile.lib:125 (6.1)' },
  { name: 'KBUILD_MODNAME', source: 'scripts/Makefile.lib:126 (6.1)' },
  { name: 'KBUILD_MODFILE', source: 'scripts/Makefile.lib:128 (6.1)' },
  // 64 drivers/, sound/ and fs/ Makefiles add -DDEBUG (often under a CONFIG_*_DEBUG option).
  { name: 'DEBUG', source: 'drivers/*/Makefile ccflags -DDEBUG (6.1)' },
  { name: 'VERBOSE_DEBUG', source: 'drivers/*/Makefile ccflags -DVERBOSE_DEBUG (6.1)' },
] as const satisfies readonly BuildMacro[];

/**
 * Prefixes of macros kernel headers define for drivers to test: arch capabilities (`ARCH_HAS_*`,
 * `HAVE_*`), Kconfig, and ALSA's byte order (`SNDRV_LITTLE_ENDIAN`, include/sound/asound.h, 6.1).
 */
export const HEADER_MACRO_PREFIXES = ['ARCH_', 'HAVE_', 'CONFIG_', 'SNDRV_', 'SND_'] as const;

const NAMES: ReadonlySet<string> = new Set(BUILD_MACROS.map((row) => row.name));

/** Whether a macro no file of a driver defines may still be defined by the build or the kernel headers. */
export function mayBeDefinedOutside(name: string): boolean {
  return NAMES.has(name) || name.startsWith('_') || /[a-z]/.test(name) || HEADER_MACRO_PREFIXES.some((prefix) => name.startsWith(prefix));
}
