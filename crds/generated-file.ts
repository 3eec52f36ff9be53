// Files generated from TypeScript and committed (the CRD, the RBAC manifest): write them, or with
// --check fail when the committed copy is stale.
import { readFileSync, writeFileSync } from 'node:fs';

export function writeOrCheck(file: string, rendered: string, regenerate: string, argv = process.argv): void {
  if (!argv.includes('--check')) {
    writeFileSync(file, rendered);
    process.stdout.write(`wrote ${file}\n`);
    return;
  }
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== rendered) {
    process.stderr.write(`${file} is stale: run \`${regenerate}\`\n`);
    process.exit(1);
  }
}
