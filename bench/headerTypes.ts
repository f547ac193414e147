// The kernel-header type table of a tree (analysis/index/headerTypes.ts) on its own: time to read
// and build it from include/ and arch/<arch>/include/, its size serialized as the index stores it,
// and the layouts of a few structs. With --write-facts it also stores an index whose facts hold the
// table and no sleep facts, so `kalloc check --kernel-dir TREE` against `--no-index` isolates what
// the header layer changes (never needs the tree's .c files to be indexed).
//
//   node esbuild.js --bench && node --expose-gc out/bench/run/headerTypes.js TREE [--write-facts] [struct names…]
//
// The tree's .config (if any) decides the #if groups, as `kalloc index` does.
import * as v8 from 'v8';
import { deriveKernelFacts } from '../server/src/analysis/index/kernelFacts';
import { headerTypeLayer } from '../server/src/analysis/index/headerTypes';
import { isUnknown, layeredTypeEnvironment, sizeOfType } from '../server/src/analysis/sizes/structLayout';
import { parseTypeName } from '../server/src/analysis/sizes/sizeScope';
import { indexDirOf, kernelTreeAt, writeKernelFacts } from '../server/src/workspace/kernelIndex';
import { configKeyOf, indexConfig, treeHeaderTypes } from '../server/src/workspace/kernelIndexBuild';

const args = process.argv.slice(2);
const dir = args.find((arg) => !arg.startsWith('--'));
if (!dir) {
  console.error('usage: headerTypes.js TREE [--write-facts] ["struct foo" …]');
  process.exit(2);
}
const tree = kernelTreeAt(dir);
if ('problem' in tree) {
  console.error(tree.problem);
  process.exit(2);
}
const config = indexConfig({}, tree);
const collect = (globalThis as { gc?: () => void }).gc;
collect?.();
const heapBefore = process.memoryUsage().heapUsed;
const cpu = process.cpuUsage();
const started = Date.now();
const table = treeHeaderTypes(tree, config, (line) => console.error(line));
const wall = Date.now() - started;
const used = process.cpuUsage(cpu);
const bytes = v8.serialize(table).length;
collect?.();
const heap = collect ? `, ${((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024).toFixed(0)} MiB of heap held` : '';
console.log(
  `${tree.root}: ${table.headers} headers (${table.leftOut} never compiled), ${table.records.length} structs/unions and ${table.typedefs.length} typedefs with a known size; ` +
    `${config.kconfig ? `.config ${config.kconfig.source}` : 'no .config'}; built in ${(wall / 1000).toFixed(1)} s wall, ${((used.user + used.system) / 1e6).toFixed(1)} s CPU; ${(bytes / 1024 / 1024).toFixed(1)} MiB serialized${heap}`,
);
const environment = layeredTypeEnvironment(config, [headerTypeLayer(table)], (text) => (/^\d+$/.test(text) ? { value: Number(text), steps: [] } : undefined));
for (const name of args.slice(1).filter((arg) => !arg.startsWith('--') && arg !== dir)) {
  const type = parseTypeName(name);
  const answer = type && sizeOfType(environment, type);
  console.log(`  ${name}: ${!answer ? 'not a type name' : isUnknown(answer) ? `unknown (${answer.unknown})` : answer.steps.join('; ') || `${answer.size}`}`);
}
if (args.includes('--write-facts')) {
  const facts = { ...deriveKernelFacts([], tree), headerTypes: table };
  const indexDir = indexDirOf(tree);
  writeKernelFacts(indexDir, tree, configKeyOf(config), 0, facts);
  console.log(`wrote header types alone (no sleep facts) to ${indexDir}`);
}
