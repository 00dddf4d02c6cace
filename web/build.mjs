// Builds the web pages into one directory that `tacit serve --web DIR` serves:
//   node web/build.mjs [--out build/web]
// Bundles web/src/app.js (the staff workbench) and web/src/citizen.js (the
// citizen page) with esbuild (pinned by package-lock.json), with hashed file
// names under assets/, and writes index.html and c/index.html pointing at them.
// Same sources, same output: nothing here depends on the clock or the machine.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = resolve(outIndex >= 0 ? args[outIndex + 1] : join(here, '..', 'build', 'web'));

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'c'), { recursive: true });

const result = await build({
  entryPoints: { app: join(here, 'src', 'app.js'), citizen: join(here, 'src', 'citizen.js') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome100', 'safari15', 'firefox100'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

// The bundles each entry produced: its script and its style sheet.
const files = {};
for (const [path, meta] of Object.entries(result.metafile.outputs)) {
  if (!meta.entryPoint) continue;
  const name = meta.entryPoint.endsWith('citizen.js') ? 'citizen' : 'app';
  files[name] = { js: '/' + relative(out, resolve(path)), css: meta.cssBundle ? '/' + relative(out, resolve(meta.cssBundle)) : '' };
}

function page(template, target, entry) {
  const html = readFileSync(join(here, template), 'utf8')
    .replaceAll('%SCRIPT%', files[entry].js)
    .replaceAll('%STYLE%', files[entry].css);
  writeFileSync(join(out, target), html);
}
page('index.html', 'index.html', 'app');
page(join('c', 'index.html'), join('c', 'index.html'), 'citizen');
writeFileSync(join(out, 'robots.txt'), 'User-agent: *\nDisallow: /\n');
console.log(`web pages built in ${out}: ${files.app.js}, ${files.citizen.js}`);
