// The kernel's integer limit macros: include/vdso/limits.h and include/linux/limits.h (6.1). Each is
// the largest or smallest value of one C type and has that type (`#define INT_MAX ((int)(~0U >> 1))`,
// `#define U16_MAX ((u16)~0U)`, `#define SIZE_MAX (~(size_t)0)`, `#define S32_MIN ((s32)(-S32_MAX - 1))`),
// so a limit is its type and its end; the value follows from the configured data model (LONG_MAX is
// 2^31 - 1 on 32-bit arm). PHYS_ADDR_MAX is left out: phys_addr_t depends on CONFIG_PHYS_ADDR_T_64BIT.
import { ModelConfig } from './config';
import { integerType } from './ctypes';

export const KERNEL_LIMITS = {
  // include/vdso/limits.h
  USHRT_MAX: { type: 'unsigned short', end: 'max' },
  SHRT_MAX: { type: 'short', end: 'max' },
  SHRT_MIN: { type: 'short', end: 'min' },
  INT_MAX: { type: 'int', end: 'max' },
  INT_MIN: { type: 'int', end: 'min' },
  UINT_MAX: { type: 'unsigned int', end: 'max' },
  LONG_MAX: { type: 'long', end: 'max' },
  LONG_MIN: { type: 'long', end: 'min' },
  ULONG_MAX: { type: 'unsigned long', end: 'max' },
  LLONG_MAX: { type: 'long long', end: 'max' },
  LLONG_MIN: { type: 'long long', end: 'min' },
  ULLONG_MAX: { type: 'unsigned long long', end: 'max' },
  UINTPTR_MAX: { type: 'unsigned long', end: 'max' },
  // include/linux/limits.h
  SIZE_MAX: { type: 'size_t', end: 'max' },
  SSIZE_MAX: { type: 'ssize_t', end: 'max' },
  U8_MAX: { type: 'u8', end: 'max' },
  S8_MAX: { type: 's8', end: 'max' },
  S8_MIN: { type: 's8', end: 'min' },
  U16_MAX: { type: 'u16', end: 'max' },
  S16_MAX: { type: 's16', end: 'max' },
  S16_MIN: { type: 's16', end: 'min' },
  U32_MAX: { type: 'u32', end: 'max' },
  U32_MIN: { type: 'u32', end: 'min' },
  S32_MAX: { type: 's32', end: 'max' },
  S32_MIN: { type: 's32', end: 'min' },
  U64_MAX: { type: 'u64', end: 'max' },
  S64_MAX: { type: 's64', end: 'max' },
  S64_MIN: { type: 's64', end: 'min' },
} as const satisfies Record<string, { type: string; end: 'min' | 'max' }>;

export interface KernelLimit {
  /** The C type the macro has, as the kernel spells it. */
  type: string;
  value: bigint;
}

/** A limit macro's exact value and type for the configured data model, undefined for any other name. */
export function kernelLimit(name: string, config: ModelConfig): KernelLimit | undefined {
  if (!Object.prototype.hasOwnProperty.call(KERNEL_LIMITS, name)) return undefined;
  const { type, end } = KERNEL_LIMITS[name as keyof typeof KERNEL_LIMITS];
  const integer = integerType(type, config);
  if (!integer) return undefined;
  const bits = BigInt(integer.bits);
  const value = integer.signed ? (end === 'max' ? (1n << (bits - 1n)) - 1n : -(1n << (bits - 1n))) : end === 'max' ? (1n << bits) - 1n : 0n;
  return { type, value };
}

/** The limits whose value a double holds exactly (|value| <= 2^53 - 1), for the number-valued constant evaluator. */
export function exactLimitValues(config: ModelConfig): [string, number][] {
  const values: [string, number][] = [];
  for (const name of Object.keys(KERNEL_LIMITS)) {
    const limit = kernelLimit(name, config);
    if (limit && Number.isSafeInteger(Number(limit.value)) && BigInt(Number(limit.value)) === limit.value) values.push([name, Number(limit.value)]);
  }
  return values;
}
