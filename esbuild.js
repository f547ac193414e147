// Bundles the extension client, the language server and the CLI into dist/ and copies the two
// WebAssembly files web-tree-sitter needs beside them, so nothing loads from outside dist/ at run time.
// `--production` minifies, `--watch` rebuilds on change, `--tests` also bundles test/ into out/.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');
// `--bench` bundles bench/ into out/bench/run/ (npm run bench; never part of npm test). The native
// tree-sitter binding is a reference measurement only and stays external.
const bench = process.argv.includes('--bench');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  // web-tree-sitter's ES module build reads import.meta.url; give it this bundle's own URL.
  banner: { js: "const __bundleUrl = require('url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__bundleUrl' },
};

const wasmFiles = [require.resolve('web-tree-sitter/web-tree-sitter.wasm'), path.join(path.dirname(require.resolve('tree-sitter-c/package.json')), 'tree-sitter-c.wasm')];

function copyWasm(outdir) {
  fs.mkdirSync(outdir, { recursive: true });
  for (const file of wasmFiles) fs.copyFileSync(file, path.join(outdir, path.basename(file)));
}

function listTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'vscode' ? [] : listTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

async function main() {
  const builds = [
    { ...common, entryPoints: { client: 'client/src/extension.ts' }, outdir: 'dist', external: ['vscode'] },
    {
      ...common,
      entryPoints: { server: 'server/src/server.ts', cli: 'server/src/cli.ts', analysisWorker: 'server/src/analysisWorker.ts', kernelIndexWorker: 'server/src/kernelIndexWorker.ts' },
      outdir: 'dist',
    },
  ];
  if (bench) {
    builds.push({
      ...common,
      entryPoints: {
        run: 'bench/run.ts',
        quickFixes: 'bench/quickFixes.ts',
        precisionSample: 'bench/precisionSample.ts',
        kernelFactsSize: 'bench/kernelFactsSize.ts',
        recall: 'bench/recall/run.ts',
        headerTypes: 'bench/headerTypes.ts',
      },
      outdir: 'out/bench/run',
      external: ['tree-sitter', 'tree-sitter-c'],
    });
  }
  if (tests) {
    const entryPoints = listTests('test');
    if (entryPoints.length > 0) {
      builds.push({ ...common, entryPoints, outdir: 'out', outbase: '.', external: ['vscode'] });
    }
  }
  copyWasm('dist');
  if (watch) {
    for (const options of builds) {
      const context = await esbuild.context(options);
      await context.watch();
    }
    console.log('[esbuild] watching for changes');
    return;
  }
  await Promise.all(builds.map((options) => esbuild.build(options)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
