// Where a driver's value comes from user space, for alloc-size-overflow (analysis/sizes/userSources.ts):
// a count read from user space and multiplied unchecked into a size is what a user makes wrap. Only
// sources the kernel really fills from user space are rows: the uaccess copies and get_user(), the
// memdup_user() buffers, the kstrto*_from_user() parsers (and kstrto*() of a buffer that is itself
// user data: a sysfs store handler's `buf`, or a buffer copied from user space), netlink attributes,
// and the argument of a file_operations ioctl handler. Each row names its kernel source (6.1).

/** A call that stores user data in the object its `destination` argument points to (`&n`, `&req`, `req`). */
export interface UserCopy {
  kind: 'copy';
  destination: number;
}

/** A macro that stores user data in its `destination` argument given without `&` (`get_user(n, p)`). */
export interface UserAssign {
  kind: 'assign';
  destination: number;
}

/** A call returning a new buffer filled from user space: the fields of what it returns are user data. */
export interface UserBuffer {
  kind: 'buffer';
}

/**
 * A parser storing its result through `destination`: user data when `string` (the text parsed) is
 * user data; a `_from_user` parser (no `string`) reads the text from user space itself.
 */
export interface UserParse {
  kind: 'parse';
  destination: number;
  string?: number;
}

/** A call returning a value of a netlink attribute, in the C type it returns. */
export interface UserValue {
  kind: 'value';
  type: string;
}

export type UserSource = UserCopy | UserAssign | UserBuffer | UserParse | UserValue;

const copy = (destination: number): UserCopy => ({ kind: 'copy', destination });
const parse = (destination: number, string?: number): UserParse => (string === undefined ? { kind: 'parse', destination } : { kind: 'parse', destination, string });
const value = (type: string): UserValue => ({ kind: 'value', type });

export const USER_SOURCES = {
  // include/linux/uaccess.h (6.1): copy_from_user(void *to, const void __user *from, unsigned long n),
  // __copy_from_user() the same without access_ok(); copy_struct_from_user(void *dst, size_t ksize,
  // const void __user *src, size_t usize).
  copy_from_user: copy(0),
  __copy_from_user: copy(0),
  copy_struct_from_user: copy(0),
  // fs/libfs.c (6.1): simple_write_to_buffer(void *to, size_t available, loff_t *ppos, const void
  // __user *from, size_t count), the debugfs write handlers' copy; lib/strncpy_from_user.c:
  // strncpy_from_user(char *dst, const char __user *src, long count).
  simple_write_to_buffer: copy(0),
  strncpy_from_user: copy(0),
  // arch/x86/include/asm/uaccess.h, include/asm-generic/uaccess.h (6.1): get_user(x, ptr) assigns *ptr to x.
  get_user: { kind: 'assign', destination: 0 },
  __get_user: { kind: 'assign', destination: 0 },
  // mm/util.c (6.1): memdup_user(), vmemdup_user() and memdup_user_nul() copy_from_user() into a
  // new buffer; strndup_user() copies a user string.
  memdup_user: { kind: 'buffer' },
  vmemdup_user: { kind: 'buffer' },
  memdup_user_nul: { kind: 'buffer' },
  strndup_user: { kind: 'buffer' },
  // lib/kstrtox.c, include/linux/kstrtox.h (6.1): kstrto*_from_user(const char __user *s, size_t
  // count, unsigned int base, T *res) copy the text from user space and parse it.
  kstrtoull_from_user: parse(3),
  kstrtoll_from_user: parse(3),
  kstrtoul_from_user: parse(3),
  kstrtol_from_user: parse(3),
  kstrtouint_from_user: parse(3),
  kstrtoint_from_user: parse(3),
  kstrtou64_from_user: parse(3),
  kstrtos64_from_user: parse(3),
  kstrtou32_from_user: parse(3),
  kstrtos32_from_user: parse(3),
  kstrtou16_from_user: parse(3),
  kstrtos16_from_user: parse(3),
  kstrtou8_from_user: parse(3),
  kstrtos8_from_user: parse(3),
  // kstrto*(const char *s, unsigned int base, T *res): user data only when `s` is.
  kstrtoull: parse(2, 0),
  kstrtoll: parse(2, 0),
  kstrtoul: parse(2, 0),
  kstrtol: parse(2, 0),
  kstrtouint: parse(2, 0),
  kstrtoint: parse(2, 0),
  kstrtou64: parse(2, 0),
  kstrtos64: parse(2, 0),
  kstrtou32: parse(2, 0),
  kstrtos32: parse(2, 0),
  kstrtou16: parse(2, 0),
  kstrtos16: parse(2, 0),
  kstrtou8: parse(2, 0),
  kstrtos8: parse(2, 0),
  // include/net/netlink.h (6.1): the attributes of a netlink message a process sent.
  nla_get_u8: value('u8'),
  nla_get_u16: value('u16'),
  nla_get_u32: value('u32'),
  nla_get_u64: value('u64'),
  nla_get_s8: value('s8'),
  nla_get_s16: value('s16'),
  nla_get_s32: value('s32'),
  nla_get_s64: value('s64'),
  nla_get_be16: value('__be16'),
  nla_get_le16: value('__le16'),
  nla_get_be32: value('__be32'),
  nla_get_le32: value('__le32'),
  nla_get_be64: value('__be64'),
  nla_get_le64: value('__le64'),
} as const satisfies Record<string, UserSource>;

export type UserSourceName = keyof typeof USER_SOURCES;

export function userSource(name: string): UserSource | undefined {
  return Object.prototype.hasOwnProperty.call(USER_SOURCES, name) ? USER_SOURCES[name as UserSourceName] : undefined;
}

/**
 * Handler signatures whose parameter the kernel fills from user space, as the parameters' types
 * spelled without names (`*` kept). `user` is the index of that parameter; `what` says what it is.
 */
export interface UserHandler {
  parameters: readonly string[];
  user: number;
  what: string;
}

export const USER_HANDLERS: readonly UserHandler[] = [
  // include/linux/fs.h (6.1), struct file_operations: long (*unlocked_ioctl)(struct file *, unsigned
  // int, unsigned long) and compat_ioctl: the third argument is the value ioctl(2) was given.
  { parameters: ['struct file *', 'unsigned int', 'unsigned long'], user: 2, what: 'the ioctl argument' },
  // include/linux/device.h (6.1), struct device_attribute: ssize_t (*store)(struct device *, struct
  // device_attribute *, const char *buf, size_t count); fs/sysfs/file.c hands it what write(2) wrote.
  { parameters: ['struct device *', 'struct device_attribute *', 'const char *', 'size_t'], user: 2, what: 'the text written to the sysfs file' },
  // include/linux/kobject.h (6.1), struct kobj_attribute store.
  { parameters: ['struct kobject *', 'struct kobj_attribute *', 'const char *', 'size_t'], user: 2, what: 'the text written to the sysfs file' },
  // include/linux/device/driver.h, class.h, bus.h (6.1): driver_attribute, class_attribute, bus_attribute store.
  { parameters: ['struct device_driver *', 'const char *', 'size_t'], user: 1, what: 'the text written to the sysfs file' },
  { parameters: ['struct class *', 'struct class_attribute *', 'const char *', 'size_t'], user: 2, what: 'the text written to the sysfs file' },
  { parameters: ['struct bus_type *', 'const char *', 'size_t'], user: 1, what: 'the text written to the sysfs file' },
];
