// RFC 4180 CSV, both ways, for packing lists: a header row, fields separated by commas, a field in
// double quotes may hold commas, line breaks and "" for a quote. Spreadsheets add a byte-order mark
// and CRLF line ends, and a blank last line; all three are accepted. Each row keeps the line it starts
// on, so an error names the line a person sees in their editor (a quoted cell may span lines).

export interface CsvRow {
  /** 1-based line the row starts on. */
  line: number;
  cells: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/** Every row, the header first; blank lines are skipped. Stops with a CsvSyntaxError past `maxRows`. */
export function parseCsv(text: string, maxRows: number): CsvRow[] {
  const rows: CsvRow[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new CsvSyntaxError(start, `line ${start}: a quoted cell is not closed`);
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          cell += c;
          i++;
        }
        if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r')
          throw new CsvSyntaxError(line, `line ${line}: text after a closing quote (a quote inside a cell is written "")`);
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"')
            throw new CsvSyntaxError(line, `line ${line}: a quote inside an unquoted cell (quote the cell, and write "" for a quote)`);
          cell += text[i]!;
          i++;
        }
      }
      cells.push(cell);
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // End of the row: CRLF, LF, a lone CR, or the end of the text.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (cells.length === 1 && cells[0] === '') continue;
    if (rows.length >= maxRows) throw new CsvSyntaxError(start, `line ${start}: more than ${maxRows - 1} rows; split the file`);
    rows.push({ line: start, cells });
  }
  return rows;
}

/** One cell as written: quoted when it holds a comma, a quote, a line break or edge spaces. A cell a
 *  spreadsheet would run as a formula (= + - @ tab CR first) gets a ' in front: the import refuses such
 *  values in every free-text column, so only a record from elsewhere (a data move) can hold one. */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
