// Copies the browser builds of the npm dependencies into vendor/, which the server embeds and serves under /ui/vendor/.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = [
  ['node_modules/uplot/dist/uPlot.iife.min.js', 'vendor/uPlot.iife.min.js'],
  ['node_modules/uplot/dist/uPlot.min.css', 'vendor/uPlot.min.css'],
];
mkdirSync(join(root, 'vendor'), { recursive: true });
for (const [from, to] of files) {
  copyFileSync(join(root, from), join(root, to));
}
console.log(`copied ${files.length} vendor files`);
