import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { asApiError } from './api';
import type { ApiError } from './api';

/** Data loaded for a page: the last good data stays shown while a reload runs. */
export interface Resource<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads `load()` now and whenever `key` changes; `reload()` loads again. Stale answers are dropped. */
export function useResource<T>(load: () => Promise<T>, key: string): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    let current = true;
    setState((previous) => ({ data: previous.data, loading: true }));
    loader.current().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error: asApiError(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/**
 * A request the admin starts (a save, a test): `run` keeps it busy meanwhile and its failure in `error`. A
 * dialog that closes once its request succeeds passes `closes`: it stays busy (its buttons disabled) until
 * it is gone, instead of offering its button again for a moment.
 */
export function useRequest(closes = false) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const run = useCallback(
    async (request: () => Promise<void>) => {
      setBusy(true);
      setError(undefined);
      try {
        await request();
        if (!closes) setBusy(false);
      } catch (err) {
        setError(asApiError(err));
        setBusy(false);
      }
    },
    [closes],
  );
  return { busy, error, run };
}

/** The page's title in the tab and for screen readers' page announcements. */
export function useTitle(...parts: (string | undefined)[]): void {
  const title = [...parts.filter((p): p is string => p !== undefined && p !== ''), 'EUDR console'].join(
    ' · ',
  );
  useEffect(() => {
    document.title = title;
  }, [title]);
}

/** A clock that ticks every `ms`, for "expires in" and "last used" texts that age while a page is open. */
export function useNow(ms = 60_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/**
 * The page's query (filters, page number) with the address kept in step: a change shows at once (a
 * chosen filter is checked before the router has navigated), and back/forward and links still work.
 */
export function useSearchState(): [
  URLSearchParams,
  (next: Record<string, string> | URLSearchParams) => void,
] {
  const [params, setParams] = useSearchParams();
  const [local, setLocal] = useState(params);
  const current = params.toString();
  useEffect(() => setLocal(new URLSearchParams(current)), [current]);
  const set = useCallback(
    (next: Record<string, string> | URLSearchParams) => {
      const query = new URLSearchParams(next);
      setLocal(query);
      setParams(query);
    },
    [setParams],
  );
  return [local, set];
}

/** A filtered list's query: the filters that are set, and the page when it is not the first. */
export function listQuery(filters: Record<string, string | undefined>, page = 1): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters))
    if (value !== undefined && value !== '') query.set(key, value);
  if (page > 1) query.set('page', String(page));
  return query;
}
