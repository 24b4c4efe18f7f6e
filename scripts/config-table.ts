// Prints the README's configuration table from the zod schema in src/config.ts.
import { renderConfigTable } from '../src/config.js';

process.stdout.write(`${renderConfigTable()}\n`);
