// Every catalogued allocation and free API and every GFP name gets a hover card through the real
// server (`node dist/server.js --stdio`); unknown names get none.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ALLOC_APIS, AllocApi, ArgRoles, FREE_APIS } from '../../server/src/model/apis';
import { GFP_BITS, GFP_COMPOSITES } from '../../server/src/model/gfp';
import { LspClient, serverForSuite } from '../support/lspClient';

const ROLE_TEXT: Record<keyof ArgRoles, string> = {
  size: '100',
  count: '2',
  gfp: 'GFP_KERNEL',
  order: '1',
  cache: 'cache',
  device: 'dev',
  pointer: 'p',
  node: 'nid',
};

/** A call with the API's argument roles in place: constants where the model evaluates them. */
function callText(name: string, args: ArgRoles): string {
  const roles = Object.entries(args) as [keyof ArgRoles, number][];
  const hasNegative = roles.some(([, index]) => index < 0);
  const count = Math.max(hasNegative ? 4 : 0, ...roles.map(([, index]) => index + 1));
  const texts = Array.from({ length: count }, () => 'x');
  for (const [role, index] of roles) texts[index < 0 ? count + index : index] = ROLE_TEXT[role];
  return `${name}(${texts.join(', ')})`;
}

interface Probe {
  name: string;
  line: number;
}

/** One statement per name inside a function; the name starts at column 5 (`\tv = NAME…`). */
function document(entries: { name: string; text: string }[]): { text: string; probes: Probe[] } {
  const lines = ['static void probe_all(struct device *dev)', '{'];
  const probes: Probe[] = [];
  for (const entry of entries) {
    probes.push({ name: entry.name, line: lines.length });
    lines.push(`\tv = ${entry.text};`);
  }
  lines.push('}', '');
  return { text: lines.join('\n'), probes };
}

async function hoverText(client: LspClient, uri: string, line: number, character = 5): Promise<string | null> {
  const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line, character } });
  return hover ? (hover.contents.value as string) : null;
}

const current = (ALLOC_APIS as readonly AllocApi[]).filter((api) => !api.since || api.since === '6.1');
const newer = (ALLOC_APIS as readonly AllocApi[]).filter((api) => api.since && api.since !== '6.1');

const CONFIGURATIONS = [
  { label: '6.1 · x86_64 · 4K pages', settings: { kernelVersion: '6.1', arch: 'x86_64', pageSize: 4096 } },
  { label: '6.6 · arm64 · 64K pages', settings: { kernelVersion: '6.6', arch: 'arm64', pageSize: 65536 } },
];

for (const { label, settings } of CONFIGURATIONS)
  describe(`hover coverage on ${label} (workspace/configuration pull)`, () => {
    const client = serverForSuite({ settings });
    const uri = 'file:///tmp/kalloc-hover-coverage/all.c';
    const entries = [
      ...current.map((api) => ({ name: api.name, text: callText(api.name, api.args) })),
      ...FREE_APIS.map((api) => ({ name: api.name, text: callText(api.name, api.args) })),
      ...[...GFP_BITS, ...GFP_COMPOSITES].map((flag) => ({ name: flag.name, text: flag.name })),
      ...['my_alloc(100, GFP_KERNEL)', 'GFP_BOGUS', 'gfp', 'kmalloc_trace(100)'].map((text) => ({ name: `unknown:${text}`, text })),
    ];
    const { text, probes } = document(entries);

    before(async () => {
      await client.configurationPulled();
      await client.open(uri, text);
    });

    test('every allocation API up to 6.1 has a card titled with its name', async () => {
      assert.ok(current.length > 80, 'the catalogue is not empty');
      for (const api of current) {
        const probe = probes.find((entry) => entry.name === api.name)!;
        const card = await hoverText(client, uri, probe.line);
        assert.ok(card, `${api.name}: hover card`);
        assert.ok(card.startsWith(`**${api.name}** — `), `${api.name}: title\n${card}`);
        assert.match(card, /^- \*\*free with\*\*: `/m, `${api.name}: names its free`);
        // Constructors of caches and pools return no memory: no contiguity claim for them.
        const constructor = api.returns === 'cache' || api.returns === 'pool';
        assert.equal(/\| physically contiguous \|/.test(card), !constructor, `${api.name}: contiguity row iff it returns memory`);
        assert.ok(card.includes(`_Figures for kernel ${label}`), `${api.name}: says which kernel the figures hold for`);
        if (api.size === 'size' && api.family === 'slab') assert.match(card, /requested \| 100 bytes/, `${api.name}: evaluates the size`);
      }
    });

    test('every free API has a card naming what it releases', async () => {
      for (const api of FREE_APIS) {
        const probe = probes.find((entry) => entry.name === api.name)!;
        const card = await hoverText(client, uri, probe.line);
        assert.ok(card, `${api.name}: hover card`);
        assert.ok(card.startsWith(`**${api.name}** — `), `${api.name}: title`);
        assert.match(card, /releases memory from: `[a-z_]+`/, `${api.name}: names the allocators it releases`);
        // The model makes no sleep claim where the kernel source has none (dma_free_noncoherent).
        if (api.sleeps === 'unstated') assert.doesNotMatch(card, /sleep/, `${api.name}: makes no sleep claim`);
        else assert.match(card, /sleep/, `${api.name}: says whether it sleeps`);
      }
    });

    test('every GFP bit and composite has a card', async () => {
      for (const flag of [...GFP_BITS, ...GFP_COMPOSITES]) {
        const probe = probes.find((entry) => entry.name === flag.name)!;
        const card = await hoverText(client, uri, probe.line);
        assert.ok(card, `${flag.name}: hover card`);
        assert.ok(card.startsWith(`**${flag.name}**`), `${flag.name}: title`);
      }
    });

    test('unknown functions, unknown flags and variables get no hover', async () => {
      for (const probe of probes.filter((entry) => entry.name.startsWith('unknown:'))) {
        assert.equal(await hoverText(client, uri, probe.line), null, probe.name);
      }
    });
  });

describe('hover coverage on 7.0 (initializationOptions, no configuration pull)', () => {
  const client = serverForSuite({ capabilities: {}, initializationOptions: { settings: { kernelVersion: '7.0' } } });
  const uri = 'file:///tmp/kalloc-hover-coverage/new.c';
  const { text, probes } = document(newer.map((api) => ({ name: api.name, text: callText(api.name, api.args) })));

  before(async () => {
    await client.open(uri, text);
  });

  test('APIs added after 6.1 have cards when the kernel setting is new enough', async () => {
    assert.ok(newer.length > 0);
    for (const api of newer) {
      const probe = probes.find((entry) => entry.name === api.name)!;
      const card = await hoverText(client, uri, probe.line);
      assert.ok(card?.startsWith(`**${api.name}** — `), `${api.name}: hover card on 7.0`);
      assert.match(card!, /kernel 7\.0/);
    }
  });
});
