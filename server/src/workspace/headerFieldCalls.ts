// The member names a kernel tree's headers call through struct fields (analysis/index/opsContexts.ts
// headerFieldCallNames()): static inlines and macros of include/, arch/<arch>/include/ and the
// drivers' own headers call ops the index never summarises (`dmaengine_submit()` calls
// `desc->tx_submit` in include/linux/dmaengine.h, 6.1), so such a member is never said to be
// called atomic only. Read at every index build: a few seconds of text over the tree's headers.
import * as fs from 'fs';
import * as path from 'path';
import { headerFieldCallNames } from '../analysis/index/opsContexts';
import { kernelTreeSources } from './kernelIndex';

/** Every member name the `.h` files of the tree call through a field; a header larger than `maxFileSize` (generated register tables) is skipped. */
export function treeHeaderFieldCalls(root: string, maxFileSize: number, onUnreadable: (file: string, reason: string) => void): Set<string> {
  const names = new Set<string>();
  for (const relative of kernelTreeSources(root, onUnreadable, '.h')) {
    const file = path.join(root, relative);
    try {
      if (fs.statSync(file).size > maxFileSize) continue;
      for (const name of headerFieldCallNames(fs.readFileSync(file, 'utf8'))) names.add(name);
    } catch (error) {
      onUnreadable(relative, (error as NodeJS.ErrnoException).code ?? String(error));
    }
  }
  return names;
}
