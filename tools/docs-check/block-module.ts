import ts from 'typescript';

/**
 * Names a module declares at its top level: imports, classes, functions, variables, types, enums, namespaces.
 * Used twice: the prelude's exports (what a block may use without importing it), and a block's own names (which
 * the prelude import must leave out, so a block can define its own `OrderPlaced` or import `OnEvent` from
 * @nestjs/event-emitter).
 */
export function topLevelNames(fileName: string, code: string): Set<string> {
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names = new Set<string>();
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name);
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) for (const item of bindings.elements) names.add(item.name.text);
    } else if (
      ts.isExportDeclaration(statement) &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const item of statement.exportClause.elements) names.add(item.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) addBinding(declaration.name);
    } else if (
      (ts.isClassDeclaration(statement) ||
        ts.isFunctionDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement) ||
        ts.isModuleDeclaration(statement)) &&
      statement.name &&
      ts.isIdentifier(statement.name)
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/**
 * The module compiled for one block: one line importing from the prelude every name the block does not declare
 * itself, then the block unchanged (so block line n is module line n + 1), then `export {}` so that every block is
 * a module of its own and names never collide between blocks.
 */
export function blockModule(code: string, preludeNames: ReadonlySet<string>, preludeSpecifier: string): string {
  const own = topLevelNames('block.ts', code);
  const imported = [...preludeNames].filter((name) => !own.has(name)).sort();
  const header = imported.length ? `import { ${imported.join(', ')} } from '${preludeSpecifier}';` : '';
  return `${header}\n${code}\nexport {};\n`;
}

/** Lines the module adds before the block's first line. */
export const HEADER_LINES = 1;
