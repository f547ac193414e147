// The pure parts of the kernel-tree index (workspace/kernelIndex.ts) and its setting.
import assert from 'node:assert/strict';
import * as os from 'os';
import * as path from 'path';
import { test } from 'node:test';
import { indexCacheRoot, indexDirOf, versionLabelFromMakefile } from '../../server/src/workspace/kernelIndex';
import { readSettings } from '../../server/src/settings';

test('the release of a tree from its top-level Makefile', () => {
  assert.equal(versionLabelFromMakefile('VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 55\nEXTRAVERSION =\n'), '6.1.55');
  assert.equal(versionLabelFromMakefile('VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION = -rc3\n'), '6.12.0-rc3');
  assert.equal(versionLabelFromMakefile('VERSION = 5\nPATCHLEVEL = 4\n'), '5.4');
  assert.equal(versionLabelFromMakefile('obj-m := drv.o\nKDIR ?= /lib/modules/6.1/build\n'), undefined);
  assert.equal(versionLabelFromMakefile('VERSION = $(shell echo 6)\nPATCHLEVEL = 1\n'), undefined);
});

test('the cache lives in XDG_CACHE_HOME when it is absolute, else in ~/.cache', () => {
  assert.equal(indexCacheRoot({ XDG_CACHE_HOME: '/var/cache/me' }), path.join('/var/cache/me', 'kernel-alloc-lens', 'index'));
  assert.equal(indexCacheRoot({ XDG_CACHE_HOME: 'relative/cache' }), path.join(os.homedir(), '.cache', 'kernel-alloc-lens', 'index'));
  assert.equal(indexCacheRoot({}), path.join(os.homedir(), '.cache', 'kernel-alloc-lens', 'index'));
});

test('one index folder per tree path and release', () => {
  const env = { XDG_CACHE_HOME: '/c' };
  const a = indexDirOf({ root: '/src/linux', version: '6.1.0' }, env);
  assert.match(path.basename(a), /^[0-9a-f]{16}-6\.1\.0$/);
  assert.notEqual(indexDirOf({ root: '/src/linux-next', version: '6.1.0' }, env), a);
  assert.notEqual(indexDirOf({ root: '/src/linux', version: '6.1.1' }, env), a);
  assert.equal(indexDirOf({ root: '/src/linux', version: '6.1.0' }, env), a);
});

test('kernelAllocLens.index.build: off by default, auto when asked, a bad value reported', () => {
  assert.equal(readSettings({}).settings.indexBuild, 'off');
  assert.equal(readSettings({ index: { build: 'auto' } }).settings.indexBuild, 'auto');
  const bad = readSettings({ index: { build: 'always' } });
  assert.equal(bad.settings.indexBuild, 'off');
  assert.deepEqual(bad.problems, ['index.build "always" is not one of auto, off; using off']);
});
