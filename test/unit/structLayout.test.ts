// The layout engine against GCC: each test struct is compiled with `gcc -S` and its sizeof and
// offsetof values read from the assembly, then compared with what the engine computes for
// x86_64 (LP64, the psABI the kernel uses). 32-bit arm cannot be checked here: gcc -m32 is the
// i386 ABI (long long aligned to 4, unlike AAPCS), so the ILP32 expectations below are worked
// by hand from the AAPCS and are labelled as such.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { collectMacros, createScope, evaluateText } from '../../server/src/analysis/sizes/constants';
import { createTypeEnvironment, isUnknown, layoutRecord, sizeOfType } from '../../server/src/analysis/sizes/structLayout';
import { collectTypeDeclarations } from '../../server/src/parsing/typeDeclarations';
import { ModelConfig } from '../../server/src/model/config';
import { parseText, sharedParser } from '../support/fixtures';

const PRELUDE = `
typedef unsigned char u8; typedef unsigned short u16; typedef unsigned int u32; typedef unsigned long long u64;
typedef signed char s8; typedef short s16; typedef int s32; typedef long long s64;
typedef unsigned short __le16; typedef unsigned int __le32; typedef unsigned long long __le64; typedef unsigned int __be32;
typedef unsigned long long dma_addr_t; typedef unsigned long size_t; typedef _Bool bool;
struct list_head { struct list_head *next, *prev; };
#define __packed __attribute__((__packed__))
#define __aligned(x) __attribute__((__aligned__(x)))
`;

const STRUCTS = `
#define NBUF 5
#define HDR_LEN (NBUF * 3 + 1)
struct t_basic { u8 a; u32 b; u16 c; u64 d; char e; };
struct t_array { u8 tag; __le32 words[NBUF]; u8 tail[HDR_LEN]; };
struct t_nested { struct t_basic inner; u8 flag; struct t_array arr[2]; };
struct t_packed { u8 a; u32 b; u16 c; } __packed;
struct __packed t_packed_before { u8 a; u64 b; };
struct t_attr_packed { u8 a; u32 b; } __attribute__((packed));
struct t_aligned_member { u8 a; u32 b __aligned(16); u8 c; };
struct t_aligned_type { u8 a; } __aligned(32);
struct t_packed_aligned { u8 a; u32 b; } __packed __aligned(4);
struct t_packed_with_aligned_member { u8 a; u64 b __aligned(8); u8 c; } __packed;
struct t_fam { u32 count; u16 kind; u64 entries[]; };
struct t_fam_small { u16 len; u8 data[]; };
struct t_zero_len { u32 n; u8 data[0]; };
struct t_bits { u32 a:3, b:5; u32 c:30; u8 d; u16 e:9, f:9; u64 g:40, h:30; };
struct t_bits_char { u8 a:1; u8 b:7; u8 c:2; u32 d; };
struct t_bits_zero { u8 a:3; u32 :0; u8 b:2; };
struct t_bits_packed { u8 a:3; u32 b:30; u8 c; } __packed;
union t_union { u32 word; u8 bytes[6]; u16 half; };
struct t_anon { u32 kind; union { u64 big; u8 small[3]; }; struct { u16 x, y; } pos; u8 last; };
struct t_pointers { void *p; int (*fn)(int, void *); struct list_head node; u8 c; char *names[3]; };
struct t_dma { dma_addr_t addr; size_t len; bool busy; __be32 tag; };
typedef struct { u16 a; u64 b; } t_typedef_anon;
struct t_uses_typedef { u8 x; t_typedef_anon inner[2]; };
enum t_state { T_IDLE, T_BUSY = 5, T_DONE };
struct t_enum { u8 a; enum t_state st; u8 b; };
struct big_state { u8 hdrs[1536]; u8 fw_image[70000]; };
struct t_multi_dim { u16 m[3][5]; u8 n; };
#pragma pack(push, 1)
struct t_pragma1 { u8 a; u32 b; u64 c; u16 d; };
struct t_pragma1_bits { u8 a:3; u32 b:30; u8 c; };
#pragma pack(pop)
#pragma pack(2)
struct t_pragma2 { u8 a; u32 b; u64 c; u8 d; };
#pragma pack()
struct t_after_pragma { u8 a; u32 b; };
`;

interface Probe {
  name: string;
  members: string[];
}

const PROBES: Probe[] = [
  { name: 't_basic', members: ['a', 'b', 'c', 'd', 'e'] },
  { name: 't_array', members: ['words', 'tail'] },
  { name: 't_nested', members: ['inner', 'flag', 'arr'] },
  { name: 't_packed', members: ['b', 'c'] },
  { name: 't_packed_before', members: ['b'] },
  { name: 't_attr_packed', members: ['b'] },
  { name: 't_aligned_member', members: ['b', 'c'] },
  { name: 't_aligned_type', members: ['a'] },
  { name: 't_packed_aligned', members: ['b'] },
  { name: 't_packed_with_aligned_member', members: ['b', 'c'] },
  { name: 't_fam', members: ['kind', 'entries'] },
  { name: 't_fam_small', members: ['data'] },
  { name: 't_zero_len', members: ['data'] },
  { name: 't_bits', members: ['d'] },
  { name: 't_bits_char', members: ['d'] },
  { name: 't_bits_zero', members: [] },
  { name: 't_bits_packed', members: ['c'] },
  { name: 't_anon', members: ['big', 'small', 'pos', 'last'] },
  { name: 't_pointers', members: ['fn', 'node', 'c', 'names'] },
  { name: 't_dma', members: ['len', 'busy', 'tag'] },
  { name: 't_uses_typedef', members: ['inner'] },
  { name: 't_enum', members: ['st', 'b'] },
  { name: 'big_state', members: ['fw_image'] },
  { name: 't_multi_dim', members: ['n'] },
  { name: 't_pragma1', members: ['b', 'c', 'd'] },
  { name: 't_pragma1_bits', members: ['c'] },
  { name: 't_pragma2', members: ['b', 'c', 'd'] },
  { name: 't_after_pragma', members: ['b'] },
];

/** sizeof/offsetof of every probe as GCC computes them for x86_64, read from `gcc -S` output. */
function gccFigures(): Map<string, number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-layout-'));
  const lines = [PRELUDE, STRUCTS, 'union t_union_probe_dummy { int x; };'];
  const names: string[] = [];
  const emit = (label: string, expression: string) => {
    names.push(label);
    lines.push(`const unsigned long ${label} = ${expression};`);
  };
  emit('v_union_t_union', 'sizeof(union t_union)');
  for (const probe of PROBES) {
    emit(`v_size_${probe.name}`, `sizeof(struct ${probe.name})`);
    emit(`v_align_${probe.name}`, `__alignof__(struct ${probe.name})`);
    for (const member of probe.members) emit(`v_off_${probe.name}__${member}`, `__builtin_offsetof(struct ${probe.name}, ${member})`);
  }
  const source = path.join(dir, 'layout.c');
  fs.writeFileSync(source, lines.join('\n'));
  const assembly = execFileSync('gcc', ['-S', '-O0', '-o', '-', source], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  const values = new Map<string, number>();
  const pattern = /^(v_\w+):\s*\n\s*\.(?:quad|long)\s+(\d+)/gm;
  for (let match = pattern.exec(assembly); match; match = pattern.exec(assembly)) values.set(match[1], Number(match[2]));
  // `.zero 8` is how GCC writes a constant 0.
  for (const match of assembly.matchAll(/^(v_\w+):\s*\n\s*\.zero\s+\d+/gm)) values.set(match[1], 0);
  assert.equal(values.size, names.length, 'every probe value found in the gcc output');
  return values;
}

async function environmentFor(config: ModelConfig, text: string) {
  const parser = await sharedParser();
  const tree = parseText(parser, text);
  const scope = createScope(config, collectMacros(tree.rootNode));
  const declarations = collectTypeDeclarations(text, 'layout.c');
  // Enum constants evaluate like macros.
  const macros = new Map(scope.macros);
  for (const declaration of declarations.enums) for (const constant of declaration.constants) macros.set(constant.name, { name: constant.name, body: constant.value, line: 0 });
  const full = { ...scope, macros };
  const environment = createTypeEnvironment(config, declarations, [], [], (expression) => evaluateText(expression, full));
  return { environment, declarations };
}

const X86: ModelConfig = { kernel: { major: 6, minor: 1 }, arch: 'x86_64', pageSize: 4096 };
const ARM: ModelConfig = { kernel: { major: 6, minor: 1 }, arch: 'arm', pageSize: 4096 };

test('struct layouts match gcc on x86_64 (sizeof, alignment, offsetof)', async () => {
  const figures = gccFigures();
  // The prelude's typedefs stand for the model's kernel types; the engine reads only the structs.
  const { environment, declarations } = await environmentFor(X86, STRUCTS);
  for (const probe of PROBES) {
    const record = declarations.records.find((entry) => entry.name === probe.name);
    assert.ok(record, `found struct ${probe.name}`);
    const answer = layoutRecord(environment, record);
    assert.ok(!isUnknown(answer), `struct ${probe.name}: ${isUnknown(answer) ? answer.unknown : ''}`);
    if (isUnknown(answer)) continue;
    assert.equal(answer.size, figures.get(`v_size_${probe.name}`), `sizeof(struct ${probe.name})`);
    assert.equal(answer.align, figures.get(`v_align_${probe.name}`), `__alignof__(struct ${probe.name})`);
    const flat = answer.layout!.members.flatMap((member) => [member, ...(member.inner ?? [])]);
    for (const name of probe.members) {
      const member = flat.find((entry) => entry.name === name);
      assert.ok(member, `${probe.name}.${name} laid out`);
      assert.equal(member.offset, figures.get(`v_off_${probe.name}__${name}`), `offsetof(struct ${probe.name}, ${name})`);
    }
  }
  const union = sizeOfType(environment, { base: 'union t_union', pointers: 0, dims: [] });
  assert.ok(!isUnknown(union));
  assert.equal(union.size, figures.get('v_union_t_union'));
});

test('the hover step names the members with size and offset', async () => {
  const { environment, declarations } = await environmentFor(X86, STRUCTS);
  const answer = layoutRecord(
    environment,
    declarations.records.find((entry) => entry.name === 'big_state')!,
  );
  assert.ok(!isUnknown(answer));
  assert.equal(answer.steps.at(-1), 'sizeof(struct big_state) = 71536 (layout.c): hdrs 1536 @0, fw_image 70000 @1536');
});

test('ILP32 arm (AAPCS, worked by hand — not compared with a compiler): pointers 4, u64 aligned 8', async () => {
  const { environment, declarations } = await environmentFor(ARM, STRUCTS);
  const size = (name: string) => {
    const answer = layoutRecord(
      environment,
      declarations.records.find((entry) => entry.name === name)!,
    );
    return isUnknown(answer) ? answer.unknown : answer.size;
  };
  // u8 @0, u32 @4, u16 @8, u64 @16 (AAPCS aligns 8-byte types to 8), char @24 → 32.
  assert.equal(size('t_basic'), 32);
  // void * 4, fn 4, list_head 8 @8, u8 @16, char *names[3] @20 → 32.
  assert.equal(size('t_pointers'), 32);
  // dma_addr_t depends on CONFIG_ARCH_DMA_ADDR_T_64BIT (LPAE) on 32-bit arm: unknown.
  assert.match(String(size('t_dma')), /dma_addr_t/);
});

test('configuration-dependent or unreadable definitions are unknown, never guessed', async () => {
  const text = `
struct t_ifdef { u32 a;
#ifdef CONFIG_FOO
  u64 debug;
#endif
};
struct t_lock { spinlock_t lock; u32 n; };
struct t_cacheline { u32 a; } ____cacheline_aligned;
struct t_macro_member { u32 a; SOME_MACRO(x); };
struct t_unknown_len { u8 buf[UNDEFINED_LEN]; };
struct t_bitmap { DECLARE_BITMAP(bits, 100); };
struct t_self { struct t_missing other; };
`;
  const { environment, declarations } = await environmentFor(X86, text);
  const answers = Object.fromEntries(
    declarations.records.map((record) => {
      const answer = layoutRecord(environment, record);
      return [record.name, isUnknown(answer) ? 'unknown' : answer.size];
    }),
  );
  assert.deepEqual(answers, {
    t_ifdef: 'unknown',
    t_lock: 'unknown',
    t_cacheline: 'unknown',
    t_macro_member: 'unknown',
    t_unknown_len: 'unknown',
    t_bitmap: 16,
    t_self: 'unknown',
  });
});
