// Files that ship with the scanner (rule packs, the built-in model) are found relative to the
// package root, which is the same whether the code runs from TypeScript sources or from dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scanner'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the prompt-firewall package root');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findRoot();
export const PACKAGE_VERSION: string = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version;
export const packagePath = (...parts: string[]) => join(PACKAGE_ROOT, ...parts);
