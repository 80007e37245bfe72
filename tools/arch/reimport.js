// One-off: names that moved to another file are imported from their new home. Usage: node reimport.js
const fs = require('fs'),
  path = require('path'),
  { execSync } = require('child_process');
const root = process.cwd(),
  S = 'libs/event-bus/src/';
const homes = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const files = execSync("git ls-files '*.ts' && git ls-files --others --exclude-standard '*.ts'", { encoding: 'utf8' })
  .trim()
  .split('\n')
  .filter((f) => fs.existsSync(f))
  .map((f) => path.resolve(root, f));
const resolveSpec = (from, spec) => {
  const b = path.resolve(path.dirname(from), spec);
  for (const c of [b + '.ts', path.join(b, 'index.ts')]) if (fs.existsSync(c)) return c;
  return b + '.ts';
};
const rel = (from, target) => {
  let r = path.relative(path.dirname(from), target.replace(/\.ts$/, '').replace(/\/index$/, ''));
  return r.startsWith('.') ? r : './' + r;
};
let changed = 0;
for (const file of files) {
  const src = fs.readFileSync(file, 'utf8');
  let extra = [];
  const out = src.replace(
    /^(import|export)( type)? \{([^}]*)\} from '(\.[^']*)';\n/gm,
    (m, kw, typeAll, names, spec) => {
      const target = resolveSpec(file, spec);
      const keep = [],
        moved = new Map();
      for (const raw of names
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const bare = raw
          .replace(/^type /, '')
          .split(' as ')[0]
          .trim();
        const home = homes[bare] && path.resolve(root, S + homes[bare] + '.ts');
        if (home && home !== target && home !== file) {
          if (!moved.has(home)) moved.set(home, []);
          moved.get(home).push(raw);
        } else keep.push(raw);
      }
      if (moved.size === 0) return m;
      let res = keep.length ? `${kw}${typeAll ?? ''} { ${keep.join(', ')} } from '${spec}';\n` : '';
      for (const [home, list] of moved)
        res += `${kw}${typeAll ?? ''} { ${list.join(', ')} } from '${rel(file, home)}';\n`;
      return res;
    },
  );
  if (out !== src) {
    fs.writeFileSync(file, out);
    changed++;
  }
}
console.log('rewrote', changed);
