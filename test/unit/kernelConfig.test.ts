import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import {
  KernelConfigDetector,
  configFromDotConfig,
  detectKernelDir,
  explicitModelSettings,
  kdirFromModuleMakefile,
  resolveConfig,
  shortDescription,
  versionFromMakefile,
  versionFromRelease,
} from '../../server/src/workspace/kernelConfig';

// The head of a kernel tree's top-level Makefile, as in every release.
const TOP_MAKEFILE = '# SPDX-License-Identifier: GPL-2.0\nVERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 9\nEXTRAVERSION =\nNAME = Baby Opossum Posse\n';

describe('pure detection functions', () => {
  test('version from a top-level Makefile', () => {
    assert.deepEqual(versionFromMakefile(TOP_MAKEFILE), { major: 6, minor: 12 });
    assert.deepEqual(versionFromMakefile('VERSION = 5\nPATCHLEVEL = 4\n'), { major: 5, minor: 4 });
    // A module Makefile has neither line; a PATCHLEVEL alone is not a version.
    assert.equal(versionFromMakefile('obj-m += drv.o\nKDIR ?= /lib/modules/$(shell uname -r)/build\n'), undefined);
    assert.equal(versionFromMakefile('PATCHLEVEL = 1\n'), undefined);
    assert.equal(versionFromMakefile('MY_VERSION = 6\nPATCHLEVEL = 1\n'), undefined);
  });

  test('version from include/config/kernel.release', () => {
    assert.deepEqual(versionFromRelease('6.1.0-18-amd64\n'), { major: 6, minor: 1 });
    assert.deepEqual(versionFromRelease('6.12.0-rc3+\n'), { major: 6, minor: 12 });
    assert.equal(versionFromRelease('\n'), undefined);
  });

  test('arch and page size from a .config', () => {
    assert.deepEqual(configFromDotConfig('CONFIG_X86_64=y\nCONFIG_X86=y\n# CONFIG_ARM64 is not set\n'), { arch: 'x86_64', pageSize: 4096 });
    assert.deepEqual(configFromDotConfig('CONFIG_ARM64=y\nCONFIG_ARM64_64K_PAGES=y\n'), { arch: 'arm64', pageSize: 65536 });
    assert.deepEqual(configFromDotConfig('CONFIG_ARM64=y\nCONFIG_ARM64_16K_PAGES=y\n'), { arch: 'arm64', pageSize: 16384 });
    assert.deepEqual(configFromDotConfig('CONFIG_ARM64=y\nCONFIG_ARM64_4K_PAGES=y\n'), { arch: 'arm64', pageSize: 4096 });
    // 6.10 on: generic CONFIG_PAGE_SIZE_* and CONFIG_PAGE_SHIFT (arch/Kconfig).
    assert.deepEqual(configFromDotConfig('CONFIG_ARM64=y\nCONFIG_PAGE_SIZE_64KB=y\n'), { arch: 'arm64', pageSize: 65536 });
    assert.deepEqual(configFromDotConfig('CONFIG_ARM64=y\nCONFIG_PAGE_SIZE_16KB=y\nCONFIG_PAGE_SHIFT=14\n'), { arch: 'arm64', pageSize: 16384 });
    assert.deepEqual(configFromDotConfig('CONFIG_ARM64=y\nCONFIG_ARM64_PAGE_SHIFT=16\n'), { arch: 'arm64', pageSize: 65536 });
    assert.deepEqual(configFromDotConfig('CONFIG_ARM=y\nCONFIG_MMU=y\n'), { arch: 'arm', pageSize: 4096 });
    // "is not set" lines and =m are not enabled options; an unmodelled arch detects nothing.
    assert.deepEqual(configFromDotConfig('# CONFIG_X86_64 is not set\nCONFIG_X86_32=y\n'), { arch: undefined, pageSize: undefined });
    assert.deepEqual(configFromDotConfig('CONFIG_ARM64=m\n'), { arch: undefined, pageSize: undefined });
  });

  test('KDIR from an out-of-tree module Makefile', () => {
    assert.equal(kdirFromModuleMakefile('obj-m := drv.o\nKDIR := ../linux\n', '/src/drv'), '/src/linux');
    assert.equal(kdirFromModuleMakefile('KERNELDIR ?= /opt/linux-6.6\n', '/src/drv'), '/opt/linux-6.6');
    assert.equal(kdirFromModuleMakefile('export KDIR=/build/k\n', '/x'), '/build/k');
    // make would have to expand these: no guess.
    assert.equal(kdirFromModuleMakefile('KDIR ?= /lib/modules/$(shell uname -r)/build\n', '/src/drv'), undefined);
    assert.equal(kdirFromModuleMakefile('obj-m := drv.o\n', '/src/drv'), undefined);
  });

  test('settings override detection; "auto" and absent mean detect', () => {
    assert.deepEqual(explicitModelSettings({ kernelVersion: 'auto', arch: 'arm64', pageSize: undefined }), { kernel: false, arch: true, pageSize: false });
    assert.deepEqual(explicitModelSettings(undefined), { kernel: false, arch: false, pageSize: false });
    const detected = { kernel: { major: 6, minor: 12 }, arch: 'arm64' as const, pageSize: 65536, sources: { kernel: '/k/Makefile', arch: '/k/.config', pageSize: '/k/.config' } };
    const auto = resolveConfig(DEFAULT_CONFIG, { kernel: false, arch: false, pageSize: false }, detected);
    assert.deepEqual(auto.config, { kernel: { major: 6, minor: 12 }, arch: 'arm64', pageSize: 65536 });
    assert.deepEqual(auto.sources, { kernel: '/k/Makefile', arch: '/k/.config', pageSize: '/k/.config' });
    const pinned = resolveConfig({ ...DEFAULT_CONFIG, kernel: { major: 6, minor: 6 } }, { kernel: true, arch: false, pageSize: false }, detected);
    assert.deepEqual(pinned.config.kernel, { major: 6, minor: 6 });
    assert.equal(pinned.sources.kernel, 'setting');
    assert.equal(pinned.config.pageSize, 65536);
  });

  test('a detected combination the model cannot serve falls back to the settings with a reason', () => {
    // x86_64 set explicitly, 64K pages detected: x86_64 has 4K pages only.
    const resolved = resolveConfig(DEFAULT_CONFIG, { kernel: false, arch: true, pageSize: false }, { pageSize: 65536, sources: { pageSize: '/k/.config' } });
    assert.deepEqual(resolved.config, DEFAULT_CONFIG);
    assert.match(resolved.problem ?? '', /x86_64 has 4K pages only/);
    const tooOld = resolveConfig(DEFAULT_CONFIG, { kernel: false, arch: false, pageSize: false }, { kernel: { major: 4, minor: 19 }, sources: {} });
    assert.match(tooOld.problem ?? '', /outside the modelled range/);
  });

  test('status bar words', () => {
    assert.equal(shortDescription({ kernel: { major: 6, minor: 12 }, arch: 'x86_64', pageSize: 4096 }), 'kernel 6.12 · x86_64 · 4K');
    assert.equal(shortDescription({ kernel: { major: 6, minor: 1 }, arch: 'arm64', pageSize: 65536 }), 'kernel 6.1 · arm64 · 64K');
  });
});

describe('detection on disk', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-kconfig-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  // An in-tree driver, an out-of-tree module pointing at a build folder, and a lone file.
  write('linux/Makefile', TOP_MAKEFILE);
  write('linux/.config', 'CONFIG_ARM64=y\nCONFIG_ARM64_16K_PAGES=y\n');
  write('linux/drivers/net/ethernet/acme/main.c', '');
  write('build-6.6/include/config/kernel.release', '6.6.30-custom\n');
  write('build-6.6/.config', 'CONFIG_X86_64=y\n');
  write('module/Makefile', 'obj-m := drv.o\nKDIR ?= ../build-6.6\n');
  write('module/src/drv.c', '');
  write('lone/drv.c', '');

  test('an in-tree driver finds the tree above it', () => {
    const detected = new KernelConfigDetector(undefined).detectFor(path.join(root, 'linux/drivers/net/ethernet/acme/main.c'));
    assert.deepEqual([detected.kernel, detected.arch, detected.pageSize], [{ major: 6, minor: 12 }, 'arm64', 16384]);
    assert.equal(detected.sources.kernel, path.join(root, 'linux', 'Makefile'));
  });

  test('the .config options travel with the detected tree into the resolved model config', () => {
    const detected = new KernelConfigDetector(undefined).detectFor(path.join(root, 'linux/drivers/net/ethernet/acme/main.c'));
    assert.equal(detected.kconfig?.source, path.join(root, 'linux', '.config'));
    assert.deepEqual(
      [...(detected.kconfig?.options ?? [])],
      [
        ['CONFIG_ARM64', 'y'],
        ['CONFIG_ARM64_16K_PAGES', 'y'],
      ],
    );
    const resolved = resolveConfig(DEFAULT_CONFIG, explicitModelSettings(undefined), detected);
    assert.equal(resolved.config.kconfig, detected.kconfig);
    // A cache key (JSON) tells a config with options from the same config without them.
    assert.notEqual(JSON.stringify(resolved.config), JSON.stringify({ ...resolved.config, kconfig: undefined }));
  });

  test('an out-of-tree module follows KDIR to a build folder', () => {
    const detected = new KernelConfigDetector(undefined).detectFor(path.join(root, 'module/src/drv.c'));
    assert.deepEqual([detected.kernel, detected.arch, detected.pageSize], [{ major: 6, minor: 6 }, 'x86_64', 4096]);
    assert.equal(detected.sources.kernel, path.join(root, 'build-6.6', 'include', 'config', 'kernel.release'));
  });

  test('the kernelDir setting wins over the search; nothing found means nothing detected', () => {
    const pinned = new KernelConfigDetector(path.join(root, 'linux')).detectFor(path.join(root, 'module/src/drv.c'));
    assert.deepEqual(pinned.kernel, { major: 6, minor: 12 });
    assert.equal(detectKernelDir(path.join(root, 'lone')), undefined);
    const lone = new KernelConfigDetector(undefined).detectFor(path.join(root, 'lone/drv.c'));
    assert.deepEqual([lone.kernel, lone.arch, lone.pageSize], [undefined, undefined, undefined]);
  });
});
