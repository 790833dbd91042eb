/**
 * A rendered chart inside a `<figure>`: the SVG, a caption, and the same numbers as a table
 * (in a disclosure) for screen readers and for copying.
 */
import { raw } from 'hono/html';
import type { FC } from 'hono/jsx';

/** Props of {@link ChartFigure}. */
export interface ChartFigureProps {
  /** SVG from `renderChart` (trusted: produced by Vega from escaped values). */
  svg: string;
  caption: string;
  /** Column headings and rows of the data behind the chart. */
  columns: string[];
  /** One entry per row, in `columns` order. */
  rows: Array<Array<string | number>>;
}

/** Renders one chart with its accessible data table. */
export const ChartFigure: FC<ChartFigureProps> = ({ svg, caption, columns, rows }) => (
  <figure class="chart">
    <div role="img" aria-label={caption}>{raw(svg)}</div>
    <figcaption>{caption}</figcaption>
    <details>
      <summary>Show the data</summary>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>{columns.map((column) => <th scope="col">{column}</th>)}</tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr>{row.map((cell) => <td class={typeof cell === 'number' ? 'num' : undefined}>{String(cell)}</td>)}</tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  </figure>
);
