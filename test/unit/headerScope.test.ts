// Which headers sent as C++ are analysed, decided from the file's folder alone (no disk access):
// a `.c` beside it wins, a C++ source beside it (and no `.c`) loses, else a kernel tree decides.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { headerVerdict } from '../../server/src/workspace/headerScope';

const inTree = () => true;
const outside = () => false;

describe('headerVerdict', () => {
  test('a .h beside a .c file is analysed, in a kernel tree or not, even beside C++ sources', () => {
    assert.equal(headerVerdict('/w/drv/drv.h', ['drv.h', 'drv_main.c', 'Makefile'], outside).analysed, true);
    assert.equal(headerVerdict('/w/mixed/glue.h', ['glue.h', 'glue.c', 'glue.cpp'], outside).analysed, true);
  });

  test('a .h beside only C++ sources is not, even in a kernel tree', () => {
    for (const cxx of ['w.cpp', 'w.cc', 'w.cxx', 'w.C', 'w.hpp', 'w.hh']) {
      assert.deepEqual(headerVerdict('/w/app/w.h', ['w.h', cxx], inTree), { analysed: false, why: 'a .h beside C++ sources only' }, cxx);
    }
  });

  test('.c and .C differ: lower case is C, upper case is C++', () => {
    assert.equal(headerVerdict('/w/a/x.h', ['x.h', 'x.c'], outside).analysed, true);
    assert.equal(headerVerdict('/w/a/x.h', ['x.h', 'x.C'], outside).analysed, false);
  });

  test('with neither beside it, the kernel tree decides (asked only then)', () => {
    assert.equal(headerVerdict('/linux/include/linux/slab.h', ['slab.h', 'gfp.h'], inTree).analysed, true);
    assert.equal(headerVerdict('/home/me/notes/list.h', ['list.h', 'README'], outside).analysed, false);
    let asked = false;
    headerVerdict('/w/drv/drv.h', ['drv.c'], () => (asked = true));
    assert.equal(asked, false, 'a .c beside it needs no tree walk');
  });

  test('only .h files: C++ sources and headers are never analysed this way', () => {
    for (const name of ['/w/drv/glue.cpp', '/w/drv/glue.hpp', '/w/drv/glue.hh', '/w/drv/drv.H', '/w/drv/Makefile']) {
      assert.deepEqual(headerVerdict(name, ['drv.c'], inTree), { analysed: false, why: 'not a .h file' }, name);
    }
  });
});
