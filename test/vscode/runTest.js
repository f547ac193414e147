// The standard @vscode/test-electron entry: runTests() with the extension and its mocha suite.
// Where VS Code can be downloaded, set VSCODE_EXECUTABLE_PATH='' to let test-electron fetch the
// desktop build. Here and in CI nothing can be downloaded, so by default `vscodeExecutablePath`
// is our runner (runExtTests.mjs), which takes VS Code's command line and runs the same suite in
// the VS Code bundled with code-server. Exits non-zero when a test fails.
const path = require('path');
const { runTests } = require('@vscode/test-electron');

const root = path.resolve(__dirname, '..', '..');
const runner = process.env.VSCODE_EXECUTABLE_PATH ?? path.join(__dirname, 'runExtTests.mjs');

async function main() {
  const started = Date.now();
  try {
    const code = await runTests({
      vscodeExecutablePath: runner || undefined,
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(__dirname, 'suite', 'index.js'),
      launchArgs: [path.join(__dirname, 'workspace'), '--disable-extensions'],
    });
    console.log(`[runTest] VS Code extension tests finished with ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.exit(code);
  } catch (error) {
    console.error(`[runTest] VS Code extension tests failed: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}

void main();
