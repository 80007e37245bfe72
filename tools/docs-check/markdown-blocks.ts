/** A fenced code block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the block's first code line (the line after the opening fence). */
  readonly line: number;
  /** Spaces the fence was indented by (a block inside a list item); stripped from every code line. */
  readonly indent: number;
  /** First word of the info string (`ts`, `bash`, …), lower case; `''` when there is none. */
  readonly lang: string;
  /** The rest of the info string, split into words (`partial`). */
  readonly flags: readonly string[];
  readonly code: string;
}

const FENCE = /^( *)(`{3,}|~{3,})(.*)$/;

/**
 * The fenced code blocks of a Markdown text (CommonMark fences: ``` or ~~~, indented up to any depth, closed by a
 * fence of the same character at least as long). Unclosed blocks run to the end of the file, as on GitHub.
 */
export function markdownBlocks(file: string, text: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const [, spaces = '', fence = '', info = ''] = open;
    const [lang = '', ...flags] = info.trim().split(/\s+/);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      const close = FENCE.exec(line);
      if (close && close[2]?.[0] === fence[0] && (close[2]?.length ?? 0) >= fence.length && !close[3]?.trim()) break;
      body.push(line.startsWith(spaces) ? line.slice(spaces.length) : line.trimStart());
    }
    blocks.push({ file, line: i + 2, indent: spaces.length, lang: lang.toLowerCase(), flags, code: body.join('\n') });
    i = j;
  }
  return blocks;
}
