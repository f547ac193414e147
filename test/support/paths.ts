// Paths tests share. Tests run from out/test/… after `npm run pretest`, with the repository root as cwd.
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const DIST = path.join(ROOT, 'dist');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const EXAMPLES = path.join(ROOT, 'examples');
