// Settings reach the model through workspace/configuration pulls, didChangeConfiguration pushes and
// initializationOptions; bad values produce one clear warning and the defaults, never a crash.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LspClient, isShowMessage, serverForSuite } from '../support/lspClient';

const TEXT = ['void f(void)', '{', '\tvoid *a = kmalloc(9000, GFP_KERNEL);', '\tvoid *b = kmalloc(SZ_8M, GFP_KERNEL);', '}', ''].join('\n');

async function hover(client: LspClient, uri: string, line: number): Promise<string> {
  const answer = await client.request('textDocument/hover', { textDocument: { uri }, position: { line, character: 12 } });
  assert.ok(answer, `hover on line ${line}`);
  return answer.contents.value;
}

// Other rules have their own tests; these pin kmalloc-too-large, which the page size switches on and off.
const rules = (diagnostics: { range: { start: { line: number } }; code: string }[]) => diagnostics.filter((d) => d.code === 'kmalloc-too-large').map((d) => `${d.range.start.line}:${d.code}`);

describe('settings pulled with workspace/configuration', () => {
  const client = serverForSuite();
  const uri = 'file:///tmp/kalloc-lsp-settings/pull.c';

  test('defaults: 6.1, x86_64, 4K pages', async () => {
    const published = await client.open(uri, TEXT);
    assert.deepEqual(rules(published.diagnostics), ['3:kmalloc-too-large']);
    assert.match(await hover(client, uri, 2), /page allocator, order 2 \(16 KiB compound page\)/);
    assert.match(await hover(client, uri, 2), /kernel 6\.1 · x86_64 · 4K pages/);
  });

  test('didChangeConfiguration makes the server pull again: arm64 64K pages change figures and findings', async () => {
    client.settings = { kernelVersion: '6.1', arch: 'arm64', pageSize: 65536 };
    const published = client.diagnosticsFor(uri);
    client.notify('workspace/didChangeConfiguration', { settings: null });
    assert.deepEqual(rules((await published).diagnostics), [], 'kmalloc(SZ_8M) is order 7 with 64K pages');
    const card = await hover(client, uri, 2);
    assert.match(card, /slab cache kmalloc-16k, 7384 bytes unused/);
    assert.match(card, /kernel 6\.1 · arm64 · 64K pages/);
    assert.match(await hover(client, uri, 3), /page allocator, order 7 \(8 MiB compound page\), 0 bytes unused/);
  });

  test('a newer kernel version changes the GFP decoding', async () => {
    client.settings = { kernelVersion: '6.8' };
    const published = client.diagnosticsFor(uri);
    client.notify('workspace/didChangeConfiguration', { settings: null });
    await published;
    const card = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 30 } });
    assert.match(card.contents.value, /kernel 6\.8 · x86_64 · 4K pages/);
    const kernel = await hover(client, uri, 2);
    assert.match(kernel, /page allocator, order 2 \(16 KiB/);
  });

  test('a rule set to off drops its diagnostics', async () => {
    client.settings = { rules: { 'kmalloc-too-large': 'off' } };
    let published = client.diagnosticsFor(uri);
    client.notify('workspace/didChangeConfiguration', { settings: null });
    assert.deepEqual(rules((await published).diagnostics), []);
    client.settings = { rules: { 'kmalloc-too-large': 'warning' } };
    published = client.diagnosticsFor(uri);
    client.notify('workspace/didChangeConfiguration', { settings: null });
    const diagnostic = (await published).diagnostics.find((d) => d.code === 'kmalloc-too-large');
    assert.equal(diagnostic.severity, 2, 'severity override applies');
  });

  test('bad settings: one clear warning per problem, defaults used, no crash', async () => {
    client.settings = { kernelVersion: 'banana', pageSize: 12345, arch: 'sparc', rules: { 'no-such-rule': 'error' }, maxFileSize: -1 };
    const warnings: Promise<{ params: { type: number; message: string } }>[] = ['kernelVersion', 'arch', 'pageSize', 'no-such-rule', 'maxFileSize'].map((word) =>
      client.waitFor((m) => isShowMessage(m) && m.params.message.includes(word)),
    );
    const published = client.diagnosticsFor(uri);
    client.notify('workspace/didChangeConfiguration', { settings: null });
    for (const warning of await Promise.all(warnings)) {
      assert.equal(warning.params.type, 2, 'a warning');
      assert.match(warning.params.message, /^Kernel Alloc Lens settings: /);
    }
    assert.deepEqual(rules((await published).diagnostics), ['3:kmalloc-too-large'], 'defaults apply');
    assert.match(await hover(client, uri, 2), /kernel 6\.1 · x86_64 · 4K pages/);
  });

  test('x86_64 with 64K pages is refused as a combination: the page size is dropped, x86_64 kept', async () => {
    client.settings = { kernelVersion: '6.6', arch: 'x86_64', pageSize: 65536 };
    const warning = client.waitFor((m) => isShowMessage(m) && /4K pages only/.test(m.params.message));
    const published = client.diagnosticsFor(uri);
    client.notify('workspace/didChangeConfiguration', { settings: null });
    assert.equal((await warning).params.type, 2);
    assert.match((await warning).params.message, /pageSize 65536 with arch x86_64/);
    await published;
    assert.match(await hover(client, uri, 2), /kernel 6\.6 · x86_64 · 4K pages/);
  });

  test('one bad value in a payload drops that value only, with a message naming it', async () => {
    client.settings = { kernelVersion: '9.9', arch: 'arm64', pageSize: 65536 };
    const seen = client.notifications.length;
    const warning = client.waitFor((m) => isShowMessage(m) && m.params.message.includes('kernelVersion'));
    const published = client.diagnosticsFor(uri);
    client.notify('workspace/didChangeConfiguration', { settings: null });
    assert.equal((await warning).params.message, 'Kernel Alloc Lens settings: kernelVersion "9.9": kernel 9.9 is outside the modelled range 5.4–7.0. That value is ignored; the other settings apply.');
    assert.deepEqual(rules((await published).diagnostics), [], 'arm64 with 64K pages serves kmalloc(SZ_8M)');
    assert.match(await hover(client, uri, 2), /kernel 6\.1 · arm64 · 64K pages/);
    const others = client.notifications.slice(seen).filter((m) => isShowMessage(m) && /\b(arch|pageSize)\b/.test(m.params.message));
    assert.deepEqual(others, [], 'no warning about the good values');
    const model = await client.request('kernelAllocLens/modelInUse', { uri });
    assert.deepEqual(model.sources, { kernel: 'default', arch: 'setting', pageSize: 'setting' });
  });
});

describe('a client without workspace/configuration (initializationOptions and pushed settings)', () => {
  const client = serverForSuite({ capabilities: {}, initializationOptions: { settings: { arch: 'arm64', pageSize: 65536 } } });
  const uri = 'file:///tmp/kalloc-lsp-settings/push.c';

  test('initializationOptions.settings apply from the first analysis', async () => {
    const published = await client.open(uri, TEXT);
    assert.deepEqual(rules(published.diagnostics), []);
    assert.match(await hover(client, uri, 2), /arm64 · 64K pages/);
  });

  test('didChangeConfiguration with a kernelAllocLens payload applies it without a pull', async () => {
    const published = client.diagnosticsFor(uri);
    client.notify('workspace/didChangeConfiguration', { settings: { kernelAllocLens: { arch: 'arm64', pageSize: 16384 } } });
    await published;
    const card = await hover(client, uri, 2);
    assert.match(card, /arm64 · 16K pages/);
    assert.match(card, /slab cache kmalloc-16k, 7384 bytes unused/);
    assert.equal(client.notifications.filter((m) => m.method === 'workspace/configuration').length, 0);
  });

  test('a payload for another extension leaves the settings alone', async () => {
    client.notify('workspace/didChangeConfiguration', { settings: { somethingElse: { x: 1 } } });
    assert.match(await hover(client, uri, 2), /arm64 · 16K pages/);
  });
});

describe('a client that answers the configuration pull with null (Neovim or Helix without the section)', () => {
  const client = serverForSuite({ settings: null, initializationOptions: { settings: { arch: 'arm64', pageSize: 16384 } } });
  const uri = 'file:///tmp/kalloc-lsp-settings/null.c';

  test('initializationOptions.settings survive a null pull', async () => {
    await client.open(uri, TEXT);
    client.notify('workspace/didChangeConfiguration', { settings: null });
    await client.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
    assert.ok(
      client.notifications.some((m) => m.method === 'workspace/configuration'),
      'the server pulled',
    );
    assert.match(await hover(client, uri, 2), /arm64 · 16K pages/);
  });
});
