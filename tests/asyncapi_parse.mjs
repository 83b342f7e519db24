// The AsyncAPI documents given as files, parsed with the official parser: exit 1 on any error.
import { Parser } from '@asyncapi/parser';
import { readFileSync } from 'fs';
const parser = new Parser();
let bad = 0;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'));
  const errors = diagnostics.filter(d => d.severity === 0);
  const warnings = diagnostics.filter(d => d.severity === 1);
  console.log(file, document ? 'parsed' : 'FAILED', 'errors', errors.length, 'warnings', warnings.length);
  for (const d of [...errors, ...warnings].slice(0, 8)) console.log('  ', d.severity, d.code, d.message, JSON.stringify(d.path));
  if (!document || errors.length) bad++;
}
process.exit(bad ? 1 : 0);
