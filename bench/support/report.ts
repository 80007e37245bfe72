import { median, Samples } from './measure';

/** A goal from PRODUCT.md: the ratio (or value) must be at least / at most `value`. */
export interface Goal {
  readonly op: '>=' | '<=' | '=';
  readonly value: number;
}

/** One line of the results table. */
export type Row =
  | {
      readonly id: string;
      readonly scenario: string;
      readonly ours: string;
      readonly peer: string;
      readonly unit: string;
      /** Samples of ours and of the peer. */
      readonly samples: Samples;
      /** `ratio` = median(ours) / median(peer); for sizes lower is better and the goal says so. */
      readonly goal: Goal;
      readonly note?: string;
    }
  | {
      readonly id: string;
      readonly scenario: string;
      readonly ours: string;
      readonly unit: string;
      /** An absolute value (e.g. a count), no peer. */
      readonly value: number;
      readonly goal: Goal;
      readonly note?: string;
    };

function passes(value: number, goal: Goal): boolean {
  if (goal.op === '>=') return value >= goal.value;
  if (goal.op === '<=') return value <= goal.value;
  return value === goal.value;
}

function formatNumber(value: number): string {
  if (value >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

function goalText(goal: Goal, ratio: boolean): string {
  const op = goal.op === '>=' ? '≥' : goal.op === '<=' ? '≤' : '=';
  return `${op} ${goal.value}${ratio ? '×' : ''}`;
}

/** Whether every measured row met its goal. */
export function allPass(rows: readonly Row[]): boolean {
  return rows.every((row) => {
    if ('value' in row) return passes(row.value, row.goal);
    return passes(median(row.samples[0]!) / median(row.samples[1]!), row.goal);
  });
}

/** The results as a markdown table, then every sample (so a reader can judge the spread). */
/** The table of {@link renderMarkdown} alone (for the history file). */
export function renderTable(rows: readonly Row[]): string {
  const markdown = renderMarkdown(rows, '');
  return markdown.slice(0, markdown.indexOf('\n\nSamples')).trim();
}

export function renderMarkdown(rows: readonly Row[], header: string): string {
  const lines = [
    header,
    '',
    '| # | scenario | ours (median) | peer (median) | ratio | goal | result |',
    '| - | -------- | ------------- | ------------- | ----- | ---- | ------ |',
  ];
  const details: string[] = [];
  for (const row of rows) {
    if ('value' in row) {
      const ok = passes(row.value, row.goal);
      lines.push(
        `| ${row.id} | ${row.scenario} | ${formatNumber(row.value)} ${row.unit} (${row.ours}) | — | — | ${goalText(row.goal, false)} | ${ok ? 'pass' : '**FAIL**'} |`,
      );
      if (row.note) details.push(`- ${row.id}: ${row.note}`);
      continue;
    }
    const [ours, peer] = row.samples.map(median) as [number, number];
    const ratio = ours / peer;
    const ok = passes(ratio, row.goal);
    lines.push(
      `| ${row.id} | ${row.scenario} | ${formatNumber(ours)} ${row.unit} (${row.ours}) | ${formatNumber(peer)} ${row.unit} (${row.peer}) | ${ratio.toFixed(2)}× | ${goalText(row.goal, true)} | ${ok ? 'pass' : '**FAIL**'} |`,
    );
    const list = (values: readonly number[]) => values.map(formatNumber).join(', ');
    details.push(
      `- ${row.id}: ours [${list(row.samples[0]!)}], peer [${list(row.samples[1]!)}] ${row.unit}${row.note ? `. ${row.note}` : ''}`,
    );
  }
  return [...lines, '', 'Samples (in run order) and notes:', '', ...details, ''].join('\n');
}
