/**
 * `npm run api:check`: the public surface is deliberate. For every entry point of the package (its `exports`):
 * - every type a public declaration refers to (parameters, results, properties, bases) is exported by some entry
 *   point, so users can name what they are handed;
 * - every export has a doc comment, and docs/api.md (the reference: each entry point, each export, the first sentence
 *   of its doc comment) is current, so a change of the surface shows in review. `npm run api:check -- --write`
 *   rewrites docs/api.md.
 * Constructors of classes Nest builds (`@Injectable()`, `@Module()`) or exported type-only, and private or protected
 * members, are not surface.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { format, resolveConfig } from 'prettier';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const LIB = join(ROOT, 'libs', 'event-bus');
const pkg = JSON.parse(readFileSync(join(LIB, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types?: string }>;
};

/** `./dist/testing/index.d.ts` → `libs/event-bus/testing/index.ts`. */
function sourceOf(typesPath: string): string {
  return join(LIB, typesPath.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts'));
}

const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object' && target.types)
  .map(([name, target]) => ({
    name: name === '.' ? 'nestjs-durable-bus' : `nestjs-durable-bus/${name.slice(2)}`,
    file: sourceOf((target as { types: string }).types),
  }));

const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
const program = ts.createProgram(
  entries.map((entry) => entry.file),
  { ...parsed.options, noEmit: true },
);
const checker = program.getTypeChecker();

const resolve = (symbol: ts.Symbol): ts.Symbol =>
  symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;

/** Every symbol some entry point exports, with the entry and the exported name. */
const exported = new Map<ts.Symbol, { entry: string; name: string; typeOnly: boolean }>();
/** `export type { X }`: a class exported so has no constructor users can call. */
const isTypeOnlyExport = (symbol: ts.Symbol) =>
  (symbol.declarations ?? []).some(
    (declaration) =>
      ts.isExportSpecifier(declaration) && (declaration.isTypeOnly || declaration.parent.parent.isTypeOnly),
  );
for (const entry of entries) {
  const source = program.getSourceFile(entry.file);
  if (!source) throw new Error(`api:check: entry point ${entry.name} (${relative(ROOT, entry.file)}) not found`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  for (const symbol of moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : []) {
    const target = resolve(symbol);
    const typeOnly = isTypeOnlyExport(symbol);
    const known = exported.get(target);
    if (!known) exported.set(target, { entry: entry.name, name: symbol.name, typeOnly });
    else if (!typeOnly) exported.set(target, { ...known, typeOnly: false });
  }
}

/** The first sentence of a symbol's doc comment, on one line. */
function summaryOf(symbol: ts.Symbol): string {
  const text = ts
    .displayPartsToString(symbol.getDocumentationComment(checker))
    .replace(/\{@link\s+([^}\s]+)\s*\}/g, '`$1`')
    .split('```')[0]!
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/:$/, '.');
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}

function kindOf(symbol: ts.Symbol): string {
  const flags = symbol.flags;
  if (flags & ts.SymbolFlags.Class) return 'class';
  if (flags & ts.SymbolFlags.Interface) return 'interface';
  if (flags & ts.SymbolFlags.TypeAlias) return 'type';
  if (flags & ts.SymbolFlags.Function) return 'function';
  if (flags & ts.SymbolFlags.Enum) return 'enum';
  return 'const';
}

/** The first comment of an entry point's file: what the entry point is for. */
function entryPurpose(file: string): string {
  const text = readFileSync(file, 'utf8');
  const block = /^\/\*\*([\s\S]*?)\*\//.exec(text)?.[1] ?? '';
  const lines = block ? block.split('\n').map((line) => line.replace(/^\s*\* ?/, '')) : [];
  const comment =
    lines.length > 0 ? lines : (/^(\/\/.*\n)+/.exec(text)?.[0] ?? '').split('\n').map((l) => l.replace(/^\/\/ ?/, ''));
  return comment.join(' ').replace(/\s+/g, ' ').trim();
}

function referencePage(): string {
  const out = [
    '# API reference',
    '',
    '<!-- Written by `npm run api:check -- --write` from the doc comments; `npm run api:check` (CI) fails when it is',
    '     stale. Edit the doc comments, not this page. -->',
    '',
    'Every export of every entry point, with the first sentence of its doc comment (your editor shows the rest). The',
    'guides say how they fit together: start at [the docs index](README.md).',
    '',
  ];
  for (const entry of entries) {
    out.push(`## \`${entry.name}\``, '', entryPurpose(entry.file), '');
    const rows = [...exported.entries()]
      .filter(([, info]) => info.entry === entry.name)
      .sort(([, a], [, b]) => a.name.localeCompare(b.name));
    for (const [symbol, info] of rows) out.push(`- \`${info.name}\` (${kindOf(symbol)}): ${summaryOf(symbol)}`);
    out.push('');
  }
  return out.join('\n');
}

const inLibrary = (node: ts.Node) => {
  const file = node.getSourceFile().fileName;
  return file.startsWith(LIB) && !file.includes('/node_modules/');
};
const hasModifier = (node: ts.Node, kind: ts.SyntaxKind) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === kind);
const builtByNest = (node: ts.ClassDeclaration) =>
  (ts.getDecorators(node) ?? []).some((decorator) =>
    /^(Injectable|Module|Global)\b/.test(decorator.expression.getText()),
  );

const problems: string[] = [];
const reported = new Set<string>();

/** Walks the type positions of a public declaration and reports library types that no entry point exports. */
function checkReferences(owner: string, node: ts.Node, typeOnly: boolean): void {
  const visit = (child: ts.Node): void => {
    if (
      (ts.isPropertyDeclaration(child) || ts.isMethodDeclaration(child) || ts.isGetAccessor(child)) &&
      (hasModifier(child, ts.SyntaxKind.PrivateKeyword) ||
        hasModifier(child, ts.SyntaxKind.ProtectedKeyword) ||
        (child.name && ts.isPrivateIdentifier(child.name)))
    ) {
      return;
    }
    if (
      ts.isConstructorDeclaration(child) &&
      (typeOnly || (ts.isClassDeclaration(child.parent) && builtByNest(child.parent)))
    ) {
      return;
    }
    // `implements` says what a class promises, not what its users handle.
    if (ts.isHeritageClause(child) && child.token === ts.SyntaxKind.ImplementsKeyword) return;
    if (
      ts.isFunctionDeclaration(child) ||
      ts.isMethodDeclaration(child) ||
      ts.isArrowFunction(child) ||
      ts.isConstructorDeclaration(child)
    ) {
      // Bodies are not surface: only the signature.
      for (const part of [...(child.typeParameters ?? []), ...child.parameters, ...(child.type ? [child.type] : [])]) {
        visit(part);
      }
      return;
    }
    if (ts.isPropertyDeclaration(child) || ts.isVariableDeclaration(child)) {
      // Only a declared type is surface; an inferred one comes from declarations checked on their own.
      if (child.type) visit(child.type);
      return;
    }
    if (ts.isTypeReferenceNode(child) || ts.isExpressionWithTypeArguments(child) || ts.isTypeQueryNode(child)) {
      const name = ts.isTypeReferenceNode(child)
        ? child.typeName
        : ts.isTypeQueryNode(child)
          ? child.exprName
          : child.expression;
      const symbol = checker.getSymbolAtLocation(name);
      const target = symbol && resolve(symbol);
      const declaration = target?.declarations?.[0];
      if (
        target &&
        declaration &&
        inLibrary(declaration) &&
        !(target.flags & ts.SymbolFlags.TypeParameter) &&
        !exported.has(target) &&
        !ts.isTypeParameterDeclaration(declaration)
      ) {
        const key = `${owner}→${target.name}`;
        if (!reported.has(key)) {
          reported.add(key);
          problems.push(
            `${owner} refers to ${target.name} (${relative(ROOT, declaration.getSourceFile().fileName)}), ` +
              `which no entry point exports: export it (from the entry point its users need), or keep it out of the ` +
              `public declaration.`,
          );
        }
      }
    }
    ts.forEachChild(child, visit);
  };
  if (ts.isClassDeclaration(node)) {
    // A Nest module's base is the ConfigurableModuleClass its forRoot/forRootAsync come from: not surface itself.
    if (!builtByNest(node)) for (const clause of node.heritageClauses ?? []) visit(clause);
    for (const member of node.members) visit(member);
  } else visit(node);
}

for (const [symbol, { entry, name, typeOnly }] of exported) {
  for (const declaration of symbol.declarations ?? []) {
    if (!inLibrary(declaration)) continue;
    checkReferences(`${entry} ${name}`, declaration, typeOnly);
  }
  if (!summaryOf(symbol)) {
    problems.push(`${entry} exports ${name} without a doc comment: say in one sentence what it is for.`);
  }
}

async function main(): Promise<void> {
  const REFERENCE = join(ROOT, 'docs', 'api.md');
  const reference = await format(referencePage(), { ...(await resolveConfig(REFERENCE)), filepath: REFERENCE });
  if (process.argv.includes('--write')) writeFileSync(REFERENCE, reference);
  else if (readFileSync(REFERENCE, 'utf8') !== reference) {
    problems.push('docs/api.md is not current: run `npm run api:check -- --write` and review the diff.');
  }

  if (problems.length > 0) {
    console.error(problems.map((problem) => `api:check: ${problem}`).join('\n'));
    console.error(
      `api:check: ${problems.length} problem(s) in ${exported.size} exports of ${entries.length} entry points`,
    );
    process.exit(1);
  }
  console.log(`api:check: ${exported.size} exports of ${entries.length} entry points, 0 problems`);
}

void main();
