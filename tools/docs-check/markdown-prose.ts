/** A Markdown mistake outside code blocks that GitHub renders wrongly. */
export interface ProseProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const FENCE = /^ *(`{3,}|~{3,})/;
const CODE_SPAN = /(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)/g;
const TABLE_SEPARATOR = /^ *\|?(?: *:?-+:? *\|)+ *(?::?-+:? *)?$/;

/**
 * Inline code opened on one line and closed on the next (GitHub then shows the backticks, or a list item's text
 * after the break as a new paragraph), and tables with an empty header cell.
 */
export function proseProblems(file: string, text: string): ProseProblem[] {
  const lines = text.split('\n');
  const problems: ProseProblem[] = [];
  let fence: string | undefined;
  lines.forEach((line, i) => {
    const marker = FENCE.exec(line)?.[1];
    if (marker && (!fence || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence ? undefined : marker;
      return;
    }
    if (fence || line.startsWith('    ')) return;
    if (line.replace(CODE_SPAN, '').includes('`')) {
      problems.push({ file, line: i + 1, message: 'inline code is broken across lines: keep each `…` on one line' });
    }
    if (TABLE_SEPARATOR.test(lines[i + 1] ?? '') && line.includes('|')) {
      const cells = line
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|');
      if (cells.some((cell) => !cell.trim())) {
        problems.push({ file, line: i + 1, message: 'table header has an empty cell: name every column' });
      }
    }
  });
  return problems;
}
