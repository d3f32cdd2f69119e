// Type-checks every dashboards/*.json against @grafana/schema's Dashboard type with tsc: each
// file becomes `const d: DashboardJson = <json>;`, so unknown keys and wrong types are errors.
// Usage: node check.mjs DASHBOARD_DIR   (after `npm ci` in this folder)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const schema = join(here, 'node_modules/@grafana/schema/dist/types/index.d.ts');
const tsc = join(here, 'node_modules/typescript/bin/tsc');
if (!existsSync(schema) || !existsSync(tsc)) {
  console.error(`missing node_modules: run "npm ci" in ${here}`);
  process.exit(2);
}
const dir = resolve(process.argv[2] ?? join(here, '../../../dashboards'));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
if (files.length === 0) {
  console.error(`no dashboards in ${dir}`);
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'netvigil-schema-'));
try {
  copyFileSync(join(here, 'dashboard_json.ts'), join(work, 'dashboard_json.ts'));
  for (const f of files) {
    const json = readFileSync(join(dir, f), 'utf8');
    JSON.parse(json);
    writeFileSync(join(work, f.replace(/\.json$/, '.ts')),
      `import type { DashboardJson } from './dashboard_json.js';\nexport const dashboard: DashboardJson = ${json};\n`);
  }
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, skipLibCheck: true, target: 'es2022', module: 'esnext',
      moduleResolution: 'bundler', types: [], paths: { '@grafana/schema': [schema] },
    },
    include: ['*.ts'],
  }));
  execFileSync(process.execPath, [tsc, '-p', work], { stdio: 'inherit' });
  console.log(`schema check: ${files.length} dashboards conform to @grafana/schema`);
} catch (e) {
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
