// Which documents sent with a language other than C are kernel or driver headers to analyse.
// VS Code and Neovim open every `.h` as C++ (`cpp`), so a driver's `foo.h` arrives as C++; a C++
// project's headers arrive the same way and must get nothing. A `.h` counts as C when a `.c`
// file sits beside it, or when no C++ source does and it lies in a kernel tree (the detection
// the model's configuration uses: a tree's top-level Makefile above it, or the KDIR of a module
// Makefile). Anything else, and every non-`.h` file (`.cpp`, `.hpp`, `.cc` …), is not analysed.
import * as fs from 'fs';
import * as path from 'path';
import { KernelConfigDetector } from './kernelConfig';

/** C++ sources and headers by extension (GCC's list, `-x c++`), compared case-sensitively: `.C` is C++, `.c` is C. */
const CXX_EXTENSIONS = new Set(['.cc', '.cp', '.cxx', '.cpp', '.CPP', '.c++', '.C', '.hh', '.hpp', '.hxx', '.h++', '.H', '.HPP', '.tcc', '.ipp', '.cppm', '.ixx']);

export type HeaderVerdict = { analysed: true; why: string } | { analysed: false; why: string };

/** The decision over what is known about the file: its name, its folder's entries, whether it is in a kernel tree. */
export function headerVerdict(file: string, siblings: readonly string[], inKernelTree: () => boolean): HeaderVerdict {
  if (path.extname(file) !== '.h') return { analysed: false, why: 'not a .h file' };
  if (siblings.some((name) => path.extname(name) === '.c')) return { analysed: true, why: 'a .h beside .c files' };
  if (siblings.some((name) => CXX_EXTENSIONS.has(path.extname(name)))) return { analysed: false, why: 'a .h beside C++ sources only' };
  if (inKernelTree()) return { analysed: true, why: 'a .h in a kernel tree' };
  return { analysed: false, why: 'a .h with no .c file beside it, outside a kernel tree' };
}

/**
 * Whether a document the client sent as `languageId` is analysed as C: always for `c`; for
 * another language (VS Code's `cpp` for `.h`) only a kernel or driver header on disk.
 */
export function analysedAsC(file: string | undefined, languageId: string): HeaderVerdict {
  if (languageId === 'c') return { analysed: true, why: 'a C document' };
  if (!file) return { analysed: false, why: `a ${languageId} document that is not a file on disk` };
  let siblings: string[] = [];
  try {
    siblings = fs.readdirSync(path.dirname(file));
  } catch {
    // An unreadable folder: no sibling evidence; the kernel-tree test below still applies.
  }
  // A fresh detector: the `kernelDir` setting says which kernel a module builds against, not that
  // every header in the workspace is kernel code, so only the tree above the file or KDIR counts.
  return headerVerdict(file, siblings, () => {
    const detected = new KernelConfigDetector(undefined).detectFor(file);
    return detected.kernel !== undefined || detected.arch !== undefined || detected.pageSize !== undefined;
  });
}
