/** "Showing 21–40 of 135" with previous and next; hidden when everything fits on one page. */
export function Pager(props: {
  page: number;
  limit: number;
  total: number;
  noun: string;
  onPage: (page: number) => void;
}) {
  const { page, limit, total } = props;
  const pages = Math.max(1, Math.ceil(total / limit));
  if (total === 0) return null;
  const first = (page - 1) * limit + 1;
  const last = Math.min(total, page * limit);
  return (
    <nav className="pager" aria-label={`Pages of ${props.noun}`}>
      <p>
        Showing {first.toLocaleString('en-GB')}–{last.toLocaleString('en-GB')} of{' '}
        {total.toLocaleString('en-GB')} {props.noun}
        {pages > 1 && ` (page ${page} of ${pages})`}
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
