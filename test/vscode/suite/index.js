// The extension-tests entry VS Code loads (extensionTestsPath): runs every *.test.js here with
// mocha inside the extension host and prints the closing `N passed, N failed` line.
const fs = require('fs');
const path = require('path');
const util = require('util');
const Mocha = require('mocha');

// The extension host forwards console lines unformatted; format mocha's "%s" lines here.
Mocha.reporters.Base.consoleLog = (...args) => console.log(util.format(...args));

exports.run = function run() {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const file of fs
    .readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.js'))
    .sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const { passes = 0, failures: failed = 0 } = runner.stats ?? {};
      console.log(`${passes} passed, ${failed} failed`);
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else if (passes === 0) reject(new Error('no extension test ran'));
      else resolve();
    });
  });
};
