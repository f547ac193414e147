// Kernel constants a size argument may name, for the configured kernel: include/asm-generic/page.h,
// include/linux/sizes.h, include/linux/slab.h (6.1). Code evaluates these; it never restates them.
import { ModelConfig, kernelConstants, pointerSize } from './config';
import { exactLimitValues } from './limits';
import { getOrder } from './slab';

export function kernelMacroValues(config: ModelConfig): Map<string, number> {
  const constants = kernelConstants(config);
  const values = new Map<string, number>([
    ['PAGE_SIZE', config.pageSize],
    ['PAGE_SHIFT', constants.pageShift],
    ['KMALLOC_MAX_SIZE', constants.kmallocMaxSize],
    ['KMALLOC_MAX_CACHE_SIZE', constants.kmallocMaxCacheSize],
    ['KMALLOC_SHIFT_HIGH', constants.kmallocShiftHigh],
    ['KMALLOC_MAX_ORDER', constants.maxOrder],
    ['PAGE_ALLOC_COSTLY_ORDER', constants.costlyOrder],
    // include/asm-generic/bitsperlong.h, include/linux/bits.h (6.1).
    ['BITS_PER_LONG', pointerSize(config) * 8],
    ['BITS_PER_BYTE', 8],
    // INT_MAX, U32_MAX, … (model/limits.ts); the 64-bit ones are beyond a double's exact range and
    // are evaluated by the value-range analysis, which works in bigint.
    ...exactLimitValues(config),
  ]);
  // include/linux/sizes.h: SZ_1 … SZ_2G, and SZ_4G on every supported release.
  const units: [string, number][] = [['', 1], ['K', 1024], ['M', 1024 ** 2], ['G', 1024 ** 3]];
  for (const [suffix, unit] of units) {
    for (let power = 0; power < 10; power++) {
      const value = unit * 2 ** power;
      if (suffix === 'G' && value > 4 * 1024 ** 3) break;
      values.set(`SZ_${2 ** power}${suffix}`, value);
    }
  }
  return values;
}

/** Function-like kernel macros whose value is a plain integer function of their arguments. */
export const KERNEL_INTEGER_FUNCTIONS: Record<string, (args: number[]) => number | undefined> = {
  BIT: ([n]) => (n >= 0 && n < 64 ? 2 ** n : undefined),
  BIT_ULL: ([n]) => (n >= 0 && n < 64 ? 2 ** n : undefined),
  // array_size() and size_mul()/size_add() saturate at SIZE_MAX (include/linux/overflow.h); a
  // saturated product makes the allocation fail, which the too-large rule reports anyway.
  array_size: ([a, b]) => a * b,
  array3_size: ([a, b, c]) => a * b * c,
  size_mul: ([a, b]) => a * b,
  size_add: ([a, b]) => a + b,
  max: ([a, b]) => Math.max(a, b),
  min: ([a, b]) => Math.min(a, b),
  max_t: ([, a, b]) => Math.max(a, b),
  min_t: ([, a, b]) => Math.min(a, b),
};

/** Power-of-two test for the alignment helpers, which are only defined for powers of two. */
function isPowerOfTwo(value: number): boolean {
  return value > 0 && Number.isInteger(Math.log2(value));
}

/**
 * Integer macros whose value depends on the configuration (include/linux/bitops.h,
 * include/linux/math.h, include/linux/align.h, include/asm-generic/getorder.h, 6.1).
 */
export function kernelIntegerFunctions(config: ModelConfig): Record<string, (args: number[]) => number | undefined> {
  const bitsPerLong = pointerSize(config) * 8;
  const pageShift = Math.log2(config.pageSize);
  return {
    BITS_TO_LONGS: ([n]) => (n >= 0 ? Math.ceil(n / bitsPerLong) : undefined),
    BITS_TO_U32: ([n]) => (n >= 0 ? Math.ceil(n / 32) : undefined),
    BITS_TO_BYTES: ([n]) => (n >= 0 ? Math.ceil(n / 8) : undefined),
    DIV_ROUND_UP: ([n, d]) => (d > 0 && n >= 0 ? Math.ceil(n / d) : undefined),
    ALIGN: ([x, a]) => (isPowerOfTwo(a) && x >= 0 ? Math.ceil(x / a) * a : undefined),
    round_up: ([x, a]) => (isPowerOfTwo(a) && x >= 0 ? Math.ceil(x / a) * a : undefined),
    roundup: ([x, y]) => (y > 0 && x >= 0 ? Math.ceil(x / y) * y : undefined),
    // get_order(0) is undefined behaviour in the kernel; stay silent on it.
    get_order: ([size]) => (size > 0 ? getOrder(size, pageShift) : undefined),
  };
}
