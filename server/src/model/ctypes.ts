// Sizes and alignments of C and kernel types for the two data models the model supports: LP64
// (x86_64 SysV ABI, arm64 AAPCS64) and ILP32 (32-bit arm AAPCS, where long long and double are
// 8-byte aligned). Only types whose size does not depend on the kernel configuration are listed:
// spinlock_t, struct mutex, wait_queue_head_t, struct work_struct grow with lockdep and debug
// options, dma_addr_t/phys_addr_t on 32-bit arm follow CONFIG_ARM_LPAE — those stay unknown.
import { Arch, ModelConfig } from './config';

export type DataModel = 'LP64' | 'ILP32';

export interface ScalarLayout {
  size: number;
  align: number;
}

export function dataModel(arch: Arch): DataModel {
  return arch === 'arm' ? 'ILP32' : 'LP64';
}

/** Where a type's size per data model comes from: a C base type, or an alias of one. */
type TypeRow = { lp64: ScalarLayout; ilp32?: ScalarLayout; source: string };

const ONE = { size: 1, align: 1 };
const TWO = { size: 2, align: 2 };
const FOUR = { size: 4, align: 4 };
const EIGHT = { size: 8, align: 8 };
// ILP32 `long`, pointers and size_t are 4 bytes; arm AAPCS aligns 64-bit types to 8.
const WORD = { lp64: EIGHT, ilp32: FOUR };

const C_TYPES = {
  char: { lp64: ONE, source: 'C' },
  'signed char': { lp64: ONE, source: 'C' },
  'unsigned char': { lp64: ONE, source: 'C' },
  _Bool: { lp64: ONE, source: 'C' },
  bool: { lp64: ONE, source: 'include/linux/types.h (_Bool)' },
  short: { lp64: TWO, source: 'C' },
  'unsigned short': { lp64: TWO, source: 'C' },
  int: { lp64: FOUR, source: 'C' },
  'unsigned int': { lp64: FOUR, source: 'C' },
  long: { ...WORD, source: 'C' },
  'unsigned long': { ...WORD, source: 'C' },
  'long long': { lp64: EIGHT, source: 'C' },
  'unsigned long long': { lp64: EIGHT, source: 'C' },
  float: { lp64: FOUR, source: 'C' },
  double: { lp64: EIGHT, source: 'C' },
  'void *': { ...WORD, source: 'C' },
} as const satisfies Record<string, TypeRow>;

/** Kernel typedefs of fixed width (include/linux/types.h, include/uapi/asm-generic/int-ll64.h, 6.1). */
const KERNEL_TYPEDEFS = {
  u8: 'unsigned char', s8: 'signed char', __u8: 'unsigned char', __s8: 'signed char', uint8_t: 'unsigned char', int8_t: 'signed char',
  u16: 'unsigned short', s16: 'short', __u16: 'unsigned short', __s16: 'short', uint16_t: 'unsigned short', int16_t: 'short',
  u32: 'unsigned int', s32: 'int', __u32: 'unsigned int', __s32: 'int', uint32_t: 'unsigned int', int32_t: 'int',
  u64: 'unsigned long long', s64: 'long long', __u64: 'unsigned long long', __s64: 'long long', uint64_t: 'unsigned long long', int64_t: 'long long',
  __le16: 'unsigned short', __be16: 'unsigned short', __le32: 'unsigned int', __be32: 'unsigned int',
  __le64: 'unsigned long long', __be64: 'unsigned long long', __sum16: 'unsigned short', __wsum: 'unsigned int',
  size_t: 'unsigned long', ssize_t: 'long', ptrdiff_t: 'long', uintptr_t: 'unsigned long', intptr_t: 'long',
  __kernel_size_t: 'unsigned long', __kernel_ssize_t: 'long', ulong: 'unsigned long', uint: 'unsigned int', ushort: 'unsigned short', uchar: 'unsigned char',
  loff_t: 'long long', __kernel_loff_t: 'long long', time64_t: 'long long', ktime_t: 'long long', sector_t: 'unsigned long long', blkcnt_t: 'unsigned long long',
  gfp_t: 'unsigned int', fmode_t: 'unsigned int', umode_t: 'unsigned short', pid_t: 'int', uid_t: 'unsigned int', gid_t: 'unsigned int',
  pgoff_t: 'unsigned long', irq_hw_number_t: 'unsigned long', netdev_features_t: 'unsigned long long', slab_flags_t: 'unsigned int',
  atomic_t: 'int', atomic64_t: 'long long', atomic_long_t: 'long', refcount_t: 'int', kuid_t: 'unsigned int', kgid_t: 'unsigned int',
} as const satisfies Record<string, keyof typeof C_TYPES>;

/** Typedefs that are 64-bit on LP64 and configuration-dependent on 32-bit arm (CONFIG_ARM_LPAE, CONFIG_ARCH_DMA_ADDR_T_64BIT). */
const LP64_ONLY_TYPEDEFS = {
  dma_addr_t: 'unsigned long long',
  phys_addr_t: 'unsigned long long',
  resource_size_t: 'unsigned long long',
} as const satisfies Record<string, keyof typeof C_TYPES>;

/**
 * Kernel structs made only of pointers (include/linux/types.h, 6.1), so their layout is known on
 * every configuration: the count of pointers they hold.
 */
const POINTER_STRUCTS = {
  'struct list_head': 2,
  'struct hlist_head': 1,
  'struct hlist_node': 2,
  'struct callback_head': 2,
  'struct rcu_head': 2,
  'struct llist_node': 1,
  'struct llist_head': 1,
} as const satisfies Record<string, number>;

/** Canonical spelling: `unsigned` → `unsigned int`, `long int` → `long`, qualifiers dropped. */
export function canonicalTypeName(text: string): string {
  const words = text
    .replace(/\*/g, ' * ')
    .split(/\s+/)
    .filter((word) => word && !['const', 'volatile', 'register', 'static', 'extern', 'inline', '__iomem', '__user', '__rcu', '__force', '__percpu', '__must_check', 'restrict', '__restrict'].includes(word));
  const joined = words.join(' ');
  const aliases: Record<string, string> = {
    unsigned: 'unsigned int', signed: 'int', 'signed int': 'int', 'short int': 'short', 'unsigned short int': 'unsigned short', 'signed short': 'short',
    'long int': 'long', 'unsigned long int': 'unsigned long', 'signed long': 'long', 'long long int': 'long long', 'signed long long': 'long long',
    'unsigned long long int': 'unsigned long long', 'long unsigned int': 'unsigned long', 'long unsigned': 'unsigned long',
  };
  return aliases[joined] ?? joined;
}

function rowLayout(row: TypeRow, model: DataModel): ScalarLayout {
  return model === 'ILP32' && row.ilp32 ? row.ilp32 : row.lp64;
}

/** Size and alignment of a scalar type name for the configured architecture, or undefined. */
export function scalarLayout(name: string, config: ModelConfig): ScalarLayout | undefined {
  const model = dataModel(config.arch);
  const canonical = canonicalTypeName(name);
  if (canonical in C_TYPES) return rowLayout(C_TYPES[canonical as keyof typeof C_TYPES], model);
  if (canonical in KERNEL_TYPEDEFS) return rowLayout(C_TYPES[KERNEL_TYPEDEFS[canonical as keyof typeof KERNEL_TYPEDEFS]], model);
  if (canonical in LP64_ONLY_TYPEDEFS) return model === 'LP64' ? rowLayout(C_TYPES[LP64_ONLY_TYPEDEFS[canonical as keyof typeof LP64_ONLY_TYPEDEFS]], model) : undefined;
  if (canonical in POINTER_STRUCTS) {
    const pointer = rowLayout(C_TYPES['void *'], model);
    return { size: pointer.size * POINTER_STRUCTS[canonical as keyof typeof POINTER_STRUCTS], align: pointer.align };
  }
  return undefined;
}

/** Whether a single word names a type the model knows (for parsing casts and sizeof). */
export function isKnownTypeWord(word: string): boolean {
  return word in KERNEL_TYPEDEFS || word in LP64_ONLY_TYPEDEFS;
}

export function pointerLayout(config: ModelConfig): ScalarLayout {
  return rowLayout(C_TYPES['void *'], dataModel(config.arch));
}

/** Width in bits and signedness of an integer type, for `~`, casts and literal suffixes. */
export function integerType(name: string, config: ModelConfig): { bits: number; signed: boolean } | undefined {
  const canonical = canonicalTypeName(name);
  const base = canonical in KERNEL_TYPEDEFS ? KERNEL_TYPEDEFS[canonical as keyof typeof KERNEL_TYPEDEFS] : canonical in LP64_ONLY_TYPEDEFS && dataModel(config.arch) === 'LP64' ? 'unsigned long long' : canonical;
  // Plain char is unsigned on arm and arm64 (and everywhere from 6.2, -funsigned-char): no fixed sign.
  if (!(base in C_TYPES) || base === 'float' || base === 'double' || base === 'void *' || base === 'char') return undefined;
  if (['atomic_t', 'atomic64_t', 'atomic_long_t', 'refcount_t', 'kuid_t', 'kgid_t'].includes(canonical)) return undefined;
  const layout = rowLayout(C_TYPES[base as keyof typeof C_TYPES], dataModel(config.arch));
  const signed = !base.startsWith('unsigned') && base !== '_Bool' && base !== 'bool';
  return { bits: base === '_Bool' || base === 'bool' ? 1 : layout.size * 8, signed };
}
