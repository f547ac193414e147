// Kernel facts the value-range analysis of allocation sizes reads (analysis/sizes/valueRange.ts):
// helpers whose result has a fixed integer type, macros that write to a plain argument, the
// clamping macros, and what the model assumes of a type whose layout it cannot compute.
import { ModelConfig, compareVersion } from './config';

/**
 * Helpers returning a fixed-width integer whatever their argument (include/linux/byteorder/generic.h,
 * include/asm-generic/unaligned.h, include/linux/unaligned/, 6.1).
 */
export const FIXED_RESULT_TYPES = {
  le16_to_cpu: 'u16',
  be16_to_cpu: 'u16',
  le16_to_cpup: 'u16',
  be16_to_cpup: 'u16',
  le32_to_cpu: 'u32',
  be32_to_cpu: 'u32',
  le32_to_cpup: 'u32',
  be32_to_cpup: 'u32',
  get_unaligned_le16: 'u16',
  get_unaligned_be16: 'u16',
  get_unaligned_le32: 'u32',
  get_unaligned_be32: 'u32',
  swab16: 'u16',
  swab32: 'u32',
} as const satisfies Record<string, string>;

/**
 * Macros that assign to an argument given without `&`: get_user(x, ptr) and its variants
 * (arch/x86/include/asm/uaccess.h, 6.1), do_div(n, base) (include/asm-generic/div64.h), swap(a, b)
 * (include/linux/minmax.h), the poll-timeout macros' `val` (include/linux/iopoll.h,
 * include/linux/regmap.h). Iterator macros (`for_each_*`, `*_for_each_*`) assign their cursor.
 */
export const ASSIGNING_MACROS: ReadonlySet<string> = new Set([
  'get_user',
  '__get_user',
  'unsafe_get_user',
  'do_div',
  'swap',
  'read_poll_timeout',
  'read_poll_timeout_atomic',
  'readx_poll_timeout',
  'readx_poll_timeout_atomic',
  'regmap_read_poll_timeout',
  'regmap_read_poll_timeout_atomic',
  'regmap_field_read_poll_timeout',
]);

export function isAssigningMacro(name: string): boolean {
  return ASSIGNING_MACROS.has(name) || /(^|_)for_each(_|$)/.test(name);
}

/**
 * The clamping macros of include/linux/minmax.h (6.1): min(x, y)/max(x, y) compare in their
 * (type-checked, equal) operand type; the `_t` forms cast both operands to the named type first;
 * clamp_val(val, lo, hi) casts lo and hi to typeof(val).
 */
export const CLAMPS = {
  min: { typed: false, shape: 'min' },
  min_t: { typed: true, shape: 'min' },
  max: { typed: false, shape: 'max' },
  max_t: { typed: true, shape: 'max' },
  clamp: { typed: false, shape: 'clamp' },
  clamp_t: { typed: true, shape: 'clamp' },
  clamp_val: { typed: false, shape: 'clamp' },
} as const satisfies Record<string, { typed: boolean; shape: 'min' | 'max' | 'clamp' }>;

/**
 * Expressions whose truth value is their argument's: WARN_ON(x) evaluates to !!x
 * (include/asm-generic/bug.h, 6.1), likely()/unlikely() to x (include/linux/compiler.h).
 * WARN(cond, fmt, …) and WARN_ONCE() take the condition first.
 */
export const CONDITION_WRAPPERS: ReadonlySet<string> = new Set(['likely', 'unlikely', 'WARN_ON', 'WARN_ON_ONCE', 'WARN', 'WARN_ONCE', 'BUG_ON']);

/**
 * The largest size the model assumes for a type whose layout it cannot compute (a struct behind
 * #ifdef, a header outside the driver): 4 GiB. Kernel types are orders of magnitude smaller — the
 * largest slab allocation is KMALLOC_MAX_SIZE, 4 MiB with 4K pages (MAX_ORDER + PAGE_SHIFT - 1,
 * include/linux/slab.h and mmzone.h, 6.1) —
 * and a count of at most 2^32 times it stays below 2^64. Messages say when this bound was used.
 */
export const ASSUMED_MAX_TYPE_SIZE = 2 ** 32 - 1;

/** The saturating size helpers of include/linux/overflow.h and the first modelled release the model read them in. */
const SIZE_HELPERS_SINCE = {
  array_size: '5.4',
  array3_size: '5.4',
  struct_size: '5.4',
  // size_add() and size_mul() are in include/linux/overflow.h of 6.1; older releases are not claimed.
  size_add: '6.1',
  size_mul: '6.1',
} as const satisfies Record<string, string>;

export function hasSizeHelper(name: keyof typeof SIZE_HELPERS_SINCE, config: ModelConfig): boolean {
  return compareVersion(config.kernel, SIZE_HELPERS_SINCE[name]) >= 0;
}

/**
 * C types of the kernel constants the model gives values to (model/kernelMacros.ts): PAGE_SIZE is
 * `(_AC(1, UL) << PAGE_SHIFT)` on x86_64, arm64 and arm (arch/x86/include/asm/page_types.h,
 * arch/arm64/include/asm/page-def.h, arch/arm/include/asm/page.h), KMALLOC_MAX_SIZE and
 * KMALLOC_MAX_CACHE_SIZE are `1UL << …` (include/linux/slab.h), SZ_2G is the hex literal
 * 0x80000000 and SZ_4G `_AC(0x100000000, ULL)` (include/linux/sizes.h), 6.1. The other SZ_*,
 * PAGE_SHIFT and BITS_PER_LONG are int.
 */
export const KERNEL_CONSTANT_TYPES: Readonly<Record<string, string>> = {
  PAGE_SIZE: 'unsigned long',
  KMALLOC_MAX_SIZE: 'unsigned long',
  KMALLOC_MAX_CACHE_SIZE: 'unsigned long',
  SZ_2G: 'unsigned int',
  SZ_4G: 'unsigned long long',
};
