// What the compiler and the build define before the kernel's headers are read, per architecture:
// the `#if`/`#ifdef` tests of include/ and arch/<arch>/include/ that do not name a CONFIG_ option
// but are decided all the same when the kernel is compiled (the header-type table of the index
// evaluates them; analysis/index/headerTypes.ts). A name absent from both lists stays unknown.
import type { Arch } from './config';

export interface HeaderPredefines {
  /** Defined, with their value where a test compares it (`#if BITS_PER_LONG == 64`). */
  defined: ReadonlyMap<string, number | undefined>;
  /** Never defined when kernel C (not assembly, not userspace, not C++) is compiled. */
  undefined: ReadonlySet<string>;
  /** Where the headers of the architecture live, below the tree's arch/ folder. */
  archDir: string;
  source: string;
}

/** Defined for every kernel C file: Makefile (6.1) passes -D__KERNEL__ (KBUILD_CPPFLAGS). */
const COMMON_DEFINED: readonly [string, number | undefined][] = [
  ['__KERNEL__', 1],
  ['__GNUC__', undefined],
];

/**
 * Only assembly (`-D__ASSEMBLY__`, scripts/Makefile.build), sparse (`__CHECKER__`), genksyms
 * (`__GENKSYMS__`), C++ and userspace builds of uapi headers define these.
 */
const COMMON_UNDEFINED = [
  '__ASSEMBLY__',
  '__CHECKER__',
  '__GENKSYMS__',
  '__cplusplus',
  '__clang_analyzer__',
  'BUILD_VDSO',
  'BUILD_VDSO32',
  'BUILD_VDSO32_64',
  '__DISABLE_EXPORTS',
  // Other systems' compilers (include/uapi/linux/coda.h tests them, 6.1); never GCC for Linux.
  'DJGPP',
  '__CYGWIN32__',
  '__CYGWIN__',
  '__NetBSD__',
  '__FreeBSD__',
  '__APPLE__',
  '_WIN32',
];

const LP64_LITTLE_ENDIAN: readonly [string, number | undefined][] = [
  ['__LP64__', 1],
  ['__CHAR_BIT__', 8],
  // include/uapi/linux/byteorder/little_endian.h (6.1), reached from asm/byteorder.h on every
  // little-endian build; big_endian.h is never included there.
  ['__LITTLE_ENDIAN', 1234],
  ['__LITTLE_ENDIAN_BITFIELD', undefined],
  // include/asm-generic/bitsperlong.h and include/uapi/asm-generic/bitsperlong.h (6.1) with CONFIG_64BIT.
  ['BITS_PER_LONG', 64],
  ['__BITS_PER_LONG', 64],
];

const BIG_ENDIAN_NAMES = ['__BIG_ENDIAN', '__BIG_ENDIAN_BITFIELD'];

const PREDEFINES = {
  // GCC's x86-64 predefines (`gcc -dM -E -m64`); 32-bit-only names are never defined.
  x86_64: {
    defined: [...COMMON_DEFINED, ...LP64_LITTLE_ENDIAN, ['__x86_64__', 1], ['__x86_64', 1], ['__amd64__', 1]],
    undefined: [...COMMON_UNDEFINED, ...BIG_ENDIAN_NAMES, '__i386__', '__i386', '__aarch64__', '__arm__'],
    archDir: 'x86',
    source: 'gcc -dM -E -m64 predefines; Makefile KBUILD_CPPFLAGS -D__KERNEL__ (6.1)',
  },
  // arm64 kernels are built little-endian unless CONFIG_CPU_BIG_ENDIAN; that one stays a .config test.
  arm64: {
    defined: [...COMMON_DEFINED, ['__aarch64__', 1], ['__LP64__', 1], ['__CHAR_BIT__', 8], ['BITS_PER_LONG', 64], ['__BITS_PER_LONG', 64]],
    undefined: [...COMMON_UNDEFINED, '__x86_64__', '__i386__', '__arm__'],
    archDir: 'arm64',
    source: 'gcc -dM -E predefines for aarch64; Makefile KBUILD_CPPFLAGS -D__KERNEL__ (6.1)',
  },
  arm: {
    defined: [...COMMON_DEFINED, ['__arm__', 1], ['__CHAR_BIT__', 8], ['BITS_PER_LONG', 32], ['__BITS_PER_LONG', 32]],
    undefined: [...COMMON_UNDEFINED, '__x86_64__', '__i386__', '__aarch64__', '__LP64__'],
    archDir: 'arm',
    source: 'gcc -dM -E predefines for arm; Makefile KBUILD_CPPFLAGS -D__KERNEL__ (6.1)',
  },
} as const satisfies Record<Arch, { defined: readonly (readonly [string, number | undefined])[]; undefined: readonly string[]; archDir: string; source: string }>;

export function headerPredefines(arch: Arch): HeaderPredefines {
  const row = PREDEFINES[arch];
  return { defined: new Map(row.defined), undefined: new Set(row.undefined), archDir: row.archDir, source: row.source };
}
