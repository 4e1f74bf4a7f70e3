import type { ReactNode } from 'react';
import type { MorePages } from '../use-resource.ts';
import { ErrorNotice } from './status.tsx';

/** A column of a DataTable: its header, and what each row shows under it. */
export interface Column<Row> {
  header: string;
  cell: (row: Row) => ReactNode;
  /** Figures, aligned to the right: the header and every cell. */
  numeric?: boolean;
  /** The cell's label in a stacked table, where each row is a card on a narrow screen. */
  stackLabel?: string;
}

/**
 * A table of rows, one column each for `columns`, with a caption for screen readers
 * and column headers. `stacked` shows each row as a card of labelled cells on a narrow
 * screen (the columns' `stackLabel`s). With `empty`, a table without rows shows that
 * instead.
 */
export function DataTable<Row>({
  label,
  caption,
  columns,
  rows,
  rowKey,
  stacked = false,
  empty,
}: {
  /** The name of its scrolling region. */
  label: string;
  caption: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string | number;
  stacked?: boolean;
  empty?: ReactNode;
}) {
  if (empty !== undefined && rows.length === 0) return empty;
  const numeric = (column: Column<Row>) => (column.numeric ? 'num' : undefined);
  return (
    <TableScroll label={label}>
      <table className={stacked ? 'table table-stack' : 'table'}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.header} scope="col" className={numeric(column)}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((column) => (
                <td key={column.header} data-label={column.stackLabel} className={numeric(column)}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/**
 * A table that may scroll sideways on a narrow screen: a labelled region that takes
 * keyboard focus, so it can be scrolled without a mouse.
 */
function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/**
 * The end of a paged list: the button that loads the next page while there is one
 * (`label`, "Loading…" meanwhile), and the notice of a page that failed to load. No
 * button while the first page has failed (`firstFailed`): its notice offers the retry.
 */
export function LoadMore<T>({
  pages,
  label,
  what,
  firstFailed,
}: {
  pages: MorePages<T>;
  label: string;
  /** What failed to load, for the notice ("older records"). */
  what: string;
  firstFailed: boolean;
}) {
  const { next, loadingMore, moreError, loadMore } = pages;
  return (
    <>
      {moreError ? (
        <ErrorNotice error={moreError} onRetry={() => void loadMore()} what={what} />
      ) : null}
      {next && !firstFailed ? (
        <button type="button" onClick={() => void loadMore()} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : label}
        </button>
      ) : null}
    </>
  );
}
