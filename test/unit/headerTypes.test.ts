// The kernel-header type table (analysis/index/headerTypes.ts): #if decisions from a .config and the
// arch's predefines, headers never compiled, the closed binding of member types, and the layouts
// it gives, checked against GCC compiling the same headers with the same CONFIG_ options.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { HeaderSource, HeaderTypeTable, buildHeaderTypes, configureHeader, decideCondition, headerTypeLayer, headerTypesFor, resolveInclude } from '../../server/src/analysis/index/headerTypes';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { headerPredefines } from '../../server/src/model/headerPredefines';
import { isUnknown, layeredTypeEnvironment, sizeOfType, typeLayer } from '../../server/src/analysis/sizes/structLayout';
import { collectTypeDeclarations } from '../../server/src/parsing/typeDeclarations';

const OPTIONS = new Map([
  ['CONFIG_SMP', 'y'],
  ['CONFIG_SPIN_ON_OWNER', 'y'],
  ['CONFIG_NR_SLOTS', '6'],
  ['CONFIG_SOUND', 'm'],
  ['CONFIG_NAME', '"x"'],
]);
const KCONFIG = { key: 'k1', options: OPTIONS };
const facts = (kconfig?: ReadonlyMap<string, string>) => ({ predefines: headerPredefines('x86_64'), kconfig });

/** Headers shaped like include/linux/mutex.h, spinlock_types*.h and asm-generic/qspinlock_types.h (6.1), written for this test. */
const HEADERS: HeaderSource[] = [
  {
    path: 'include/linux/t_lock.h',
    text: `#ifndef _T_LOCK_H
#define _T_LOCK_H
#include <asm/t_spinlock.h>
#if defined(CONFIG_SMP)
#include <linux/t_raw.h>
#else
#include <linux/t_raw_up.h>
#endif
#define T_NAME_LEN (CONFIG_NR_SLOTS * 4)
enum t_state { T_INVALID = -1, T_ACTIVE, T_SUSPENDED };
struct t_queue { int tail; };
struct t_mutex {
	long owner;
	t_raw_t wait_lock;
#ifdef CONFIG_SPIN_ON_OWNER
	struct t_queue osq;
#endif
	struct list_head wait_list;
#ifdef CONFIG_DEBUG_MUTEXES
	void *magic;
#endif
};
typedef void (*t_func_t)(struct t_mutex *lock);
struct t_empty { };
struct t_work {
	struct t_mutex lock;
	t_func_t func;
	enum t_state state;
	char name[T_NAME_LEN];
	bool a:1, b:1;
	struct t_empty arch;
};
typedef unsigned long long __attribute__((aligned(16))) t_wide_t;
struct t_wide_holder { char c; t_wide_t wide; };
#endif
`,
  },
  // Not compilable alone (GCC is not shown it): its member type is a driver's.
  { path: 'include/linux/t_driver.h', text: 'struct t_needs_driver { struct t_driver_only inner; };\n' },
  {
    path: 'include/linux/t_raw.h',
    text: `typedef struct t_raw {
	arch_t_spinlock_t raw_lock;
#ifdef CONFIG_DEBUG_SPINLOCK
	unsigned int magic, owner_cpu;
#endif
} t_raw_t;
`,
  },
  { path: 'include/linux/t_raw_up.h', text: 'typedef struct { unsigned long long slock; } t_raw_t;\n' },
  {
    path: 'include/asm-generic/t_qspinlock_types.h',
    text: `typedef struct t_qspinlock {
	union {
		int val;
		struct {
#ifdef __LITTLE_ENDIAN
			u8 locked;
			u8 pending;
#else
			u8 pending;
			u8 locked;
#endif
		};
	};
} arch_t_spinlock_t;
`,
  },
  { path: 'arch/x86/include/asm/t_spinlock.h', text: '#include <asm-generic/t_qspinlock_types.h>\n' },
  // The arch's asm/ has its own: this one is never compiled on x86.
  { path: 'include/asm-generic/t_spinlock.h', text: 'struct t_generic_only { int x; };\n' },
];

const recordSize = (table: HeaderTypeTable, name: string) => {
  const environment = layeredTypeEnvironment(DEFAULT_CONFIG, [headerTypeLayer(table)], (text) => (/^\d+$/.test(text) ? { value: Number(text), steps: [] } : undefined));
  const answer = sizeOfType(environment, { base: name, pointers: 0, dims: [] });
  return isUnknown(answer) ? undefined : answer.size;
};

describe('#if decisions', () => {
  test('CONFIG_ tests with a .config; unknown without one; predefines of the arch', () => {
    const known = facts(OPTIONS);
    assert.equal(decideCondition('defined(CONFIG_SMP) && !IS_ENABLED(CONFIG_DEBUG_LOCK_ALLOC)', known), true);
    assert.equal(decideCondition('IS_ENABLED(CONFIG_SOUND) && !defined(CONFIG_SOUND)', known), true, '=m: enabled, CONFIG_SOUND_MODULE defined instead');
    assert.equal(decideCondition('defined CONFIG_SOUND_MODULE', known), true);
    assert.equal(decideCondition('CONFIG_NR_SLOTS > 4', known), true);
    assert.equal(decideCondition('CONFIG_NAME', known), undefined, 'a string option is not a number');
    assert.equal(decideCondition('IS_REACHABLE(CONFIG_SOUND)', known), undefined, 'depends on whether the includer is a module');
    assert.equal(decideCondition('defined(CONFIG_SMP)', facts()), undefined);
    assert.equal(decideCondition('BITS_PER_LONG == 64 && defined(__x86_64__) && !defined(__ASSEMBLY__)', facts()), true);
    assert.equal(decideCondition('defined(__BIG_ENDIAN)', facts()), false);
    assert.equal(decideCondition('defined(SOME_DRIVER_SWITCH)', known), undefined);
  });

  test('a decided group keeps its compiled branch (lines kept), an undecided one stays as written', () => {
    const text = '#ifndef _G_H\n#define _G_H\n#ifdef CONFIG_SMP\nint smp;\n#else\nint up;\n#endif\n#ifdef FOO\nint foo;\n#endif\n#endif\n';
    const configured = configureHeader(text, facts(OPTIONS));
    assert.equal(configured.text.split('\n').length, text.split('\n').length);
    assert.deepEqual(
      configured.text.split('\n').filter((line) => line !== ''),
      ['#define _G_H', 'int smp;', '#ifdef FOO', 'int foo;', '#endif'],
    );
    const includes = configureHeader('#ifdef CONFIG_SMP\n#include <a.h>\n#else\n#include "b.h"\n#endif\n#ifdef FOO\n#include <c.h>\n#endif\n', facts(OPTIONS)).includes;
    assert.deepEqual(
      includes.map((site) => `${site.target}:${site.state}`),
      ['a.h:active', 'b.h:inactive', 'c.h:maybe'],
    );
  });

  test('asm/ resolves to the arch first, then asm-generic; "…" beside the header', () => {
    const files = new Set(['arch/x86/include/asm/io.h', 'include/asm-generic/io.h', 'include/asm-generic/rwonce.h', 'include/linux/a/b.h']);
    const exists = (file: string) => files.has(file);
    assert.equal(resolveInclude('include/linux/x.h', { target: 'asm/io.h', system: true }, 'x86', exists), 'arch/x86/include/asm/io.h');
    assert.equal(resolveInclude('include/linux/x.h', { target: 'asm/rwonce.h', system: true }, 'x86', exists), 'include/asm-generic/rwonce.h');
    assert.equal(resolveInclude('include/linux/a/c.h', { target: 'b.h', system: false }, 'x86', exists), 'include/linux/a/b.h');
  });
});

describe('the table', () => {
  const configured = buildHeaderTypes(HEADERS, { arch: 'x86_64', kconfig: KCONFIG });
  const plain = buildHeaderTypes(HEADERS, { arch: 'x86_64' });

  test('with the .config: layouts exact (see the GCC check below), the UP and asm-generic alternatives left out', () => {
    assert.equal(recordSize(configured, 'struct t_mutex'), 32);
    assert.equal(recordSize(configured, 't_raw_t'), 4);
    // 32 + 8 + 4 + 24 (T_NAME_LEN = CONFIG_NR_SLOTS * 4) + 1 bitfield byte, padded to 8; t_empty is 0 bytes.
    assert.equal(recordSize(configured, 'struct t_work'), 72);
    assert.equal(configured.leftOut, 2, 'linux/t_raw_up.h (only under !CONFIG_SMP) and asm-generic/t_spinlock.h (shadowed by asm/)');
    assert.equal(recordSize(configured, 'struct t_generic_only'), undefined);
  });

  test('without a .config: a member under CONFIG_ makes the struct unknown, and both spinlock alternatives count', () => {
    assert.equal(recordSize(plain, 'struct t_mutex'), undefined);
    assert.equal(recordSize(plain, 't_raw_t'), undefined, 'two definitions in headers both kept');
    assert.equal(recordSize(plain, 'struct t_work'), undefined);
    assert.equal(recordSize(plain, 'struct t_queue'), 4);
    assert.equal(recordSize(plain, 'struct t_qspinlock'), 4, '__LITTLE_ENDIAN is an arch predefine, not a .config option');
  });

  test('never a guess: attributes the scanner drops, types the headers do not define, model rows', () => {
    assert.equal(recordSize(configured, 'struct t_wide_holder'), undefined, 'typedef with aligned(16): not bound');
    assert.equal(recordSize(configured, 'struct t_needs_driver'), undefined);
    const headerOnly = buildHeaderTypes([{ path: 'include/linux/t_types.h', text: 'typedef unsigned int u32;\nstruct list_head { struct list_head *next, *prev; };\nstruct t_ok { u32 a; };\n' }], {
      arch: 'x86_64',
    });
    assert.deepEqual(
      headerOnly.records.map((record) => record.name),
      ['t_ok'],
      "struct list_head and u32 are the model's rows",
    );
    assert.deepEqual(headerOnly.typedefs, []);
  });

  test('closed: a driver that defines a type a header struct holds does not change the header struct', () => {
    const driver = collectTypeDeclarations('struct t_queue { char big[4096]; };\nstruct t_driver_only { int x; };\n', 'drv.c');
    const environment = layeredTypeEnvironment(DEFAULT_CONFIG, [typeLayer([[driver]]), headerTypeLayer(configured)], (text) => (/^\d+$/.test(text) ? { value: Number(text), steps: [] } : undefined));
    const size = (name: string) => {
      const answer = sizeOfType(environment, { base: name, pointers: 0, dims: [] });
      return isUnknown(answer) ? undefined : answer.size;
    };
    assert.equal(size('struct t_queue'), 4096, "the driver's own definition wins for its own uses");
    assert.equal(size('struct t_mutex'), 32, 'the header mutex holds the header t_queue');
    assert.equal(size('struct t_needs_driver'), undefined, 'a header struct never takes a member type from a driver');
  });

  test('a table holds only for its arch and its .config', () => {
    assert.equal(headerTypesFor(configured, { ...DEFAULT_CONFIG, kconfig: { source: '.config', key: 'k1', options: OPTIONS } }), configured);
    assert.equal(headerTypesFor(configured, DEFAULT_CONFIG), undefined);
    assert.equal(headerTypesFor(plain, DEFAULT_CONFIG), plain);
    assert.equal(headerTypesFor(plain, { ...DEFAULT_CONFIG, arch: 'arm64' }), undefined);
  });

  test('layouts match GCC compiling the same headers with the same options (x86_64)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-hdr-gcc-'));
    try {
      for (const header of HEADERS) {
        fs.mkdirSync(path.join(dir, path.dirname(header.path)), { recursive: true });
        fs.writeFileSync(path.join(dir, header.path), header.text);
      }
      const names = configured.records.map((record) => `${record.kind} ${record.name}`);
      const source = [
        'typedef unsigned char u8; typedef _Bool bool; struct list_head { struct list_head *next, *prev; };',
        '#include <linux/t_lock.h>',
        ...names.map((name, index) => `const unsigned long v_${index} = sizeof(${name});`),
      ].join('\n');
      fs.writeFileSync(path.join(dir, 'probe.c'), source);
      const defines = [...OPTIONS].flatMap(([option, value]) => (value === 'y' ? [`-D${option}=1`] : value === 'm' ? [`-D${option}_MODULE=1`] : [`-D${option}=${value}`]));
      const assembly = execFileSync('gcc', ['-S', '-O0', '-o', '-', '-D__KERNEL__', ...defines, '-I', path.join(dir, 'arch/x86/include'), '-I', path.join(dir, 'include'), path.join(dir, 'probe.c')], {
        encoding: 'utf8',
      });
      const figures = new Map<string, number>();
      for (const match of assembly.matchAll(/^v_(\d+):\s*\n\s*\.(?:quad|zero)\s+(\d+)/gm)) figures.set(names[Number(match[1])], match[0].includes('.zero') ? 0 : Number(match[2]));
      assert.ok(names.length >= 6, names.join(', '));
      for (const name of names) assert.equal(recordSize(configured, name), figures.get(name), name);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
