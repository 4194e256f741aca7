import type { ReactNode } from 'react';
import type { ApiError, Page } from '../api';
import type { Resource } from '../hooks';
import { ErrorNotice, Loading } from './feedback';
import { Pager } from './Pager';

/**
 * The states of a paged list in one place: its failure with a retry, loading, what an empty list means,
 * or the table (`children`) with the pager under it.
 */
export function PagedList<T>(props: {
  list: Resource<Page<T>>;
  /** Shown in place of the list's own error when set (e.g. the webhook the deliveries belong to). */
  error?: ApiError | undefined;
  /** "The tokens could not be loaded." */
  failed: string;
  /** "tokens", as in "Loading tokens…". */
  loading: string;
  empty: ReactNode;
  /** The pager's plural and singular: "tokens", "token". */
  noun: string;
  one: string;
  onPage: (page: number) => void;
  children: (items: T[]) => ReactNode;
}) {
  const { list } = props;
  const data = list.data;
  return (
    <>
      <ErrorNotice error={props.error ?? list.error} title={props.failed} onRetry={list.reload} />
      {list.loading && data === undefined && <Loading what={props.loading} />}
      {data !== undefined && data.total === 0 && props.empty}
      {data !== undefined && data.total > 0 && (
        <>
          {props.children(data.data)}
          <Pager
            page={data.page}
            limit={data.limit}
            total={data.total}
            noun={props.noun}
            one={props.one}
            onPage={props.onPage}
          />
        </>
      )}
    </>
  );
}
