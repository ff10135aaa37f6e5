/** One paginated list of the API (`nextCursor`), polled every two seconds, shown page after page. */
import { useInfiniteQuery, type QueryKey } from '@tanstack/react-query';

export const REFRESH_MS = 2_000;

export function usePaged<Page extends { nextCursor?: string }, Item>(
  queryKey: QueryKey,
  fetchPage: (cursor?: string) => Promise<Page>,
  itemsOf: (page: Page) => Item[],
) {
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: REFRESH_MS,
  });
  const items = query.data?.pages.flatMap(itemsOf) ?? [];
  return { query, items, loaded: query.data !== undefined };
}
