/** A column heading: its text, or its text and a class (e.g. `number` for right-aligned figures). */
export type Column = string | { label: string; className: string };

/** A table's column headings; `actions` adds a last column for the rows' buttons, named for screen readers. */
export function TableHead(props: { columns: readonly Column[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column) =>
          typeof column === 'string' ? (
            <th scope="col" key={column}>
              {column}
            </th>
          ) : (
            <th scope="col" key={column.label} className={column.className}>
              {column.label}
            </th>
          ),
        )}
        {props.actions === true && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
