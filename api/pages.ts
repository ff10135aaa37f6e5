/** Paged lists (`?limit=`, `?cursor=`): what every list route shares. */
import { decodeCursor, type ListPosition } from '../store/lists';
import { badRequest } from './errors';

/** Where the page a cursor names starts; a cursor this API never gave out is a 400. */
export function pageAfter(cursor: string | undefined): ListPosition | undefined {
  if (cursor === undefined) return undefined;
  const after = decodeCursor(cursor);
  if (!after) {
    throw badRequest('the cursor is not one this API gave out; start again without it', [
      { field: 'cursor', message: "must be a previous page's nextCursor" },
    ]);
  }
  return after;
}
