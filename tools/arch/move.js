// One-off: git mv files and rewrite relative imports across the repo. Usage: node move.js old:new ...
const fs = require('fs'),
  path = require('path'),
  { execSync } = require('child_process');
const root = process.cwd();
const pairs = process.argv.slice(2).map((p) => p.split(':').map((s) => path.resolve(root, s)));
const moved = new Map(pairs);
const files = execSync("git ls-files '*.ts'", { encoding: 'utf8' })
  .trim()
  .split('\n')
  .map((f) => path.resolve(root, f));
const strip = (f) => f.replace(/\.ts$/, '');
const resolveSpec = (fromFile, spec) => {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const c of [base + '.ts', path.join(base, 'index.ts')]) if (fs.existsSync(c) || moved.has(c)) return c;
  return null;
};
const rel = (fromFile, target) => {
  let r = path.relative(path.dirname(fromFile), strip(target).replace(/\/index$/, ''));
  if (!r.startsWith('.')) r = './' + r;
  return r;
};
const edits = new Map();
for (const file of files) {
  const src = fs.readFileSync(file, 'utf8');
  const newFile = moved.get(file) ?? file;
  const out = src.replace(/(from\s+|import\(|require\(|jest\.mock\()(['"])(\.{1,2}\/[^'"]*)\2/g, (m, pre, q, spec) => {
    const target = resolveSpec(file, spec);
    if (!target) return m;
    const finalTarget = moved.get(target) ?? target;
    if (finalTarget === target && newFile === file) return m;
    return pre + q + rel(newFile, finalTarget) + q;
  });
  if (out !== src) edits.set(file, out);
}
for (const [file, out] of edits) fs.writeFileSync(file, out);
for (const [from, to] of pairs) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  execSync(`git mv ${JSON.stringify(from)} ${JSON.stringify(to)}`);
}
console.log(`moved ${pairs.length}, rewrote ${edits.size} files`);
