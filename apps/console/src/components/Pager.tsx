/** "Showing 21–40 of 135 tokens" with previous and next; only the count when it fits on one page. */
export function Pager(props: {
  page: number;
  limit: number;
  total: number;
  /** Plural and singular: "tokens", "token". */
  noun: string;
  one: string;
  onPage: (page: number) => void;
}) {
  const { page, limit, total } = props;
  const pages = Math.max(1, Math.ceil(total / limit));
  if (total === 0) return null;
  const first = (page - 1) * limit + 1;
  const last = Math.min(total, page * limit);
  const count = `${total.toLocaleString('en-GB')} ${total === 1 ? props.one : props.noun}`;
  return (
    <nav className="pager" aria-label={`Pages of ${props.noun}`}>
      <p>
        {pages === 1
          ? count
          : `Showing ${first.toLocaleString('en-GB')}–${last.toLocaleString('en-GB')} of ${count} (page ${page} of ${pages})`}
      </p>
      {pages > 1 && (
        <div className="pager-buttons">
          <button
            type="button"
            className="secondary"
            disabled={page <= 1}
            onClick={() => props.onPage(page - 1)}
          >
            Previous page
          </button>
          <button
            type="button"
            className="secondary"
            disabled={page >= pages}
            onClick={() => props.onPage(page + 1)}
          >
            Next page
          </button>
        </div>
      )}
    </nav>
  );
}
