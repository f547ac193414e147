// readSettings discards a bad value alone: the others in the same payload still apply, and the
// one message names the value that was dropped.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_SETTINGS, readSettings } from '../../server/src/settings';

describe('readSettings', () => {
  test('an unmodelled kernel version is dropped; arm64 and 64K pages are kept', () => {
    const { settings, problems } = readSettings({ kernelVersion: '9.9', arch: 'arm64', pageSize: 65536 });
    assert.deepEqual(settings.config, { ...DEFAULT_SETTINGS.config, arch: 'arm64', pageSize: 65536 });
    assert.deepEqual(settings.explicit, { kernel: false, arch: true, pageSize: true }, 'the dropped version is detected, as if "auto"');
    assert.equal(problems.length, 1);
    assert.equal(problems[0], 'kernelVersion "9.9": kernel 9.9 is outside the modelled range 5.4–7.0');
  });

  test('a version that is not one, a bad arch and a bad page size are each named', () => {
    const { settings, problems } = readSettings({ kernelVersion: 'banana', arch: 'sparc', pageSize: 12345, diagnosticsDelay: 20 });
    assert.deepEqual(settings.config, DEFAULT_SETTINGS.config);
    assert.deepEqual(settings.explicit, { kernel: false, arch: false, pageSize: false });
    assert.equal(settings.diagnosticsDelay, 20, 'the good value in the same payload applies');
    assert.deepEqual(
      problems.map((problem) => /^\w+/.exec(problem)?.[0]),
      ['kernelVersion', 'arch', 'pageSize'],
    );
  });

  test('a page size the architecture does not have drops the page size only', () => {
    const { settings, problems } = readSettings({ kernelVersion: '6.6', arch: 'x86_64', pageSize: 16384 });
    assert.deepEqual(settings.config, { kernel: { major: 6, minor: 6 }, arch: 'x86_64', pageSize: 4096 });
    assert.deepEqual(settings.explicit, { kernel: true, arch: true, pageSize: false });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^pageSize 16384 with arch x86_64: x86_64 has 4K pages only/);
  });

  test('"auto", empty and absent values are not problems and stay detected', () => {
    const { settings, problems } = readSettings({ kernelVersion: 'auto', arch: '', pageSize: 'auto' });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.explicit, { kernel: false, arch: false, pageSize: false });
    assert.deepEqual(readSettings(undefined).problems, []);
  });

  test('valid values all apply', () => {
    const { settings, problems } = readSettings({ kernelVersion: 'v6.12', arch: 'arm64', pageSize: '16384' });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.config, { kernel: { major: 6, minor: 12 }, arch: 'arm64', pageSize: 16384 });
    assert.deepEqual(settings.explicit, { kernel: true, arch: true, pageSize: true });
  });
});
