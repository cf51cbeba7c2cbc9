/**
 * The dashboard's tables: one header row naming the columns, then the rows the caller renders.
 * `kind` adds a class beside `grid-table` for the styles of one table (events, groups).
 */
export function GridTable({
  kind,
  columns,
  children,
}: {
  kind?: string;
  columns: readonly string[];
  children: preact.ComponentChildren;
}) {
  return (
    <table class={kind ? `grid-table ${kind}` : 'grid-table'}>
      <thead>
        <tr>
          {columns.map((column) => (
            <th>{column}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
