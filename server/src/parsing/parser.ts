// Loads web-tree-sitter and the C grammar once per process. Both .wasm files are read from the
// folder of the running bundle (dist/), so nothing is loaded from outside dist/ at run time.
import * as fs from 'fs';
import * as path from 'path';
import { Language, Parser } from 'web-tree-sitter';

let loading: Promise<Language> | undefined;

/** Folder holding web-tree-sitter.wasm and tree-sitter-c.wasm; defaults to this bundle's folder. */
export function defaultWasmDir(): string {
  return process.env.KALLOC_WASM_DIR ?? __dirname;
}

export function loadCLanguage(wasmDir = defaultWasmDir()): Promise<Language> {
  loading ??= (async () => {
    const runtime = path.join(wasmDir, 'web-tree-sitter.wasm');
    const grammar = path.join(wasmDir, 'tree-sitter-c.wasm');
    for (const file of [runtime, grammar]) {
      if (!fs.existsSync(file)) throw new Error(`missing ${file}: run \`npm run build\` first`);
    }
    await Parser.init({ locateFile: () => runtime });
    return Language.load(fs.readFileSync(grammar));
  })();
  return loading;
}

export async function createParser(wasmDir?: string): Promise<Parser> {
  const language = await loadCLanguage(wasmDir);
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}
