/**
 * Registering the custom search attributes the processes declare (each in its messages module) on a
 * namespace.
 * A workflow that upserts an attribute the namespace does not know fails its workflow task and
 * stops moving, so the worker makes sure they exist before it polls, and says plainly what to do
 * when it may not register them itself (Temporal Cloud, a locked-down cluster).
 */
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** Each SDK attribute type as the server's enum and as `temporal operator search-attribute create` spells it. */
const KINDS: Record<SearchAttributeType, { type: temporal.api.enums.v1.IndexedValueType; cli: string }> = {
  [SearchAttributeType.KEYWORD]: { type: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, cli: 'Keyword' },
  [SearchAttributeType.TEXT]: { type: IndexedValueType.INDEXED_VALUE_TYPE_TEXT, cli: 'Text' },
  [SearchAttributeType.INT]: { type: IndexedValueType.INDEXED_VALUE_TYPE_INT, cli: 'Int' },
  [SearchAttributeType.DOUBLE]: { type: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE, cli: 'Double' },
  [SearchAttributeType.BOOL]: { type: IndexedValueType.INDEXED_VALUE_TYPE_BOOL, cli: 'Bool' },
  [SearchAttributeType.DATETIME]: { type: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME, cli: 'Datetime' },
  [SearchAttributeType.KEYWORD_LIST]: {
    type: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
    cli: 'KeywordList',
  },
};

/** What `defineSearchAttributeKey` returns: a name and a type. */
export type SearchAttributeKeys = readonly { name: string; type: SearchAttributeType }[];

/** Name → server type and CLI spelling, for the keys the processes declare. */
export function searchAttributeTable(
  keys: SearchAttributeKeys,
): Record<string, { type: temporal.api.enums.v1.IndexedValueType; cli: string }> {
  return Object.fromEntries(keys.map((key) => [key.name, KINDS[key.type]]));
}

/** The part of a client or native connection this needs. */
export interface OperatorConnection {
  operatorService: {
    listSearchAttributes(request: { namespace: string }): Promise<{
      customAttributes?: Record<string, temporal.api.enums.v1.IndexedValueType> | null;
    }>;
    addSearchAttributes(request: {
      namespace: string;
      searchAttributes: Record<string, temporal.api.enums.v1.IndexedValueType>;
    }): Promise<unknown>;
  };
}

export class SearchAttributeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchAttributeError';
  }
}

function createCommand(
  namespace: string,
  names: string[],
  table: ReturnType<typeof searchAttributeTable>,
): string {
  const flags = names.map((name) => `--name ${name} --type ${table[name]!.cli}`).join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${flags}`;
}

const GRPC_UNIMPLEMENTED = 12;

/** The namespace's custom attributes; undefined from a server that cannot list them (the time-skipping test server). */
async function listCustomAttributes(
  connection: OperatorConnection,
  namespace: string,
): Promise<Record<string, temporal.api.enums.v1.IndexedValueType> | undefined> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return customAttributes ?? {};
  } catch (err) {
    if ((err as { code?: unknown }).code === GRPC_UNIMPLEMENTED) return undefined;
    throw err;
  }
}

/** Registers whichever of `keys` the namespace lacks; returns the names it added. */
export async function ensureSearchAttributes(
  connection: OperatorConnection,
  namespace: string,
  keys: SearchAttributeKeys,
): Promise<string[]> {
  const table = searchAttributeTable(keys);
  const existing = (await listCustomAttributes(connection, namespace)) ?? {};
  const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const [name, { type, cli }] of Object.entries(table)) {
    const found = existing[name];
    if (found === undefined) missing[name] = type;
    else if (found !== type) {
      throw new SearchAttributeError(
        `search attribute ${name} exists on namespace ${namespace} with type ${IndexedValueType[found]}, but the workflows need ${cli}`,
      );
    }
  }
  const names = Object.keys(missing);
  if (names.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (err) {
    throw new SearchAttributeError(
      `search attributes ${names.join(', ')} are missing on namespace ${namespace} and could not be added ` +
        `(${err instanceof Error ? err.message : String(err)}). Ask an operator to run: ${createCommand(namespace, names, table)}`,
    );
  }
  return names;
}
