// `#if`/`#ifdef` groups on CONFIG_ options are evaluated with the .config of the kernel tree a
// driver builds against, when the server finds one (issue 12). The same driver text is opened in a
// tree whose .config enables the locking option, in one whose .config leaves it unset, and in a
// tree with no .config, where CONFIG_ tests stay unknown and the lock walk joins both branches.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serverForSuite, temporaryFilesForSuite } from '../support/lspClient';

const DRIVER = [
  '#include <linux/slab.h>',
  '#include <linux/spinlock.h>',
  'static DEFINE_SPINLOCK(acme_lock);',
  'static void *acme_buf;',
  'void acme_refill(void)',
  '{',
  '#ifdef CONFIG_ACME_LOCKED',
  '\tspin_lock(&acme_lock);',
  '#endif',
  '\tacme_buf = kmalloc(64, GFP_KERNEL);',
  '#ifdef CONFIG_ACME_LOCKED',
  '\tspin_unlock(&acme_lock);',
  '#endif',
  '}',
  'void acme_reset(void)',
  '{',
  '#if IS_ENABLED(CONFIG_ACME_LOCKED)',
  '\tspin_lock(&acme_lock);',
  '#else',
  '\tmutex_lock(&acme_mutex);',
  '#endif',
  '\tacme_buf = kzalloc(64, GFP_KERNEL);',
  '#if IS_ENABLED(CONFIG_ACME_LOCKED)',
  '\tspin_unlock(&acme_lock);',
  '#else',
  '\tmutex_unlock(&acme_mutex);',
  '#endif',
  '}',
  '',
].join('\n');
const REFILL_CALL = 9;
const RESET_CALL = 21;

describe('#if CONFIG_ groups with the tree’s .config', () => {
  const client = serverForSuite();
  const { file } = temporaryFilesForSuite('kalloc-lsp-kconfig-');
  const findings = (diagnostics: { code: string; range: { start: { line: number } } }[]) => diagnostics.map((d) => `${d.range.start.line}:${d.code}`).sort();
  const tree = (name: string, dotConfig: string | undefined) => {
    file(`${name}/Makefile`, 'VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\n');
    if (dotConfig !== undefined) file(`${name}/.config`, dotConfig);
    return file(`${name}/drivers/misc/acme/acme.c`, DRIVER);
  };

  test('an option set to y compiles the locked branches: both allocations sleep under the spinlock', async () => {
    const uri = tree('enabled', 'CONFIG_X86_64=y\nCONFIG_ACME_LOCKED=y\n');
    const published = await client.open(uri, DRIVER, 1);
    assert.deepEqual(findings(published.diagnostics), [`${RESET_CALL}:gfp-sleep-in-atomic`, `${REFILL_CALL}:gfp-sleep-in-atomic`]);
  });

  test('an option the .config leaves unset compiles the other branches: no finding', async () => {
    const uri = tree('disabled', 'CONFIG_X86_64=y\n# CONFIG_ACME_LOCKED is not set\n');
    const published = await client.open(uri, DRIVER, 1);
    assert.deepEqual(findings(published.diagnostics), []);
  });

  test('an option built as a module is enabled for IS_ENABLED() but not defined for #ifdef', async () => {
    const uri = tree('module', 'CONFIG_X86_64=y\nCONFIG_ACME_LOCKED=m\n');
    const published = await client.open(uri, DRIVER, 1);
    assert.deepEqual(findings(published.diagnostics), [`${RESET_CALL}:gfp-sleep-in-atomic`]);
  });

  test('without a .config nothing is guessed: the lock is held on one branch only, so no finding', async () => {
    const uri = tree('unconfigured', undefined);
    const published = await client.open(uri, DRIVER, 1);
    assert.deepEqual(findings(published.diagnostics), []);
  });
});
