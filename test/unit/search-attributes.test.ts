/** Registering the workflows' search attributes: what is added, and what an operator is told. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import {
  ensureSearchAttributes,
  SearchAttributeError,
  type OperatorConnection,
} from '../../infrastructure/search-attributes';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes';

const { INDEXED_VALUE_TYPE_KEYWORD: KEYWORD, INDEXED_VALUE_TYPE_INT: INT } =
  temporal.api.enums.v1.IndexedValueType;

/** Every attribute the workflows keep, as a namespace that has them all would list them. */
const ALL = {
  OrderStatus: KEYWORD,
  OrderId: KEYWORD,
  CustomerId: KEYWORD,
  LeaveStatus: KEYWORD,
  EmployeeId: KEYWORD,
  RegistrationStatus: KEYWORD,
};

function operator(
  existing: Record<string, number> | 'unimplemented',
  add: (attrs: Record<string, number>) => Promise<void> = async () => undefined,
): OperatorConnection & { added: Record<string, number>[] } {
  const added: Record<string, number>[] = [];
  return {
    added,
    operatorService: {
      async listSearchAttributes() {
        if (existing === 'unimplemented') throw Object.assign(new Error('unimplemented'), { code: 12 });
        return { customAttributes: existing };
      },
      async addSearchAttributes({ searchAttributes }) {
        await add(searchAttributes);
        added.push(searchAttributes);
      },
    },
  };
}

describe('search attributes', () => {
  it('adds the missing ones as keywords', async () => {
    const conn = operator({ Other: INT, EmployeeId: KEYWORD });
    assert.deepEqual(await ensureSearchAttributes(conn, 'default', SEARCH_ATTRIBUTE_KEYS), [
      'OrderStatus',
      'OrderId',
      'CustomerId',
      'LeaveStatus',
      'RegistrationStatus',
    ]);
    assert.deepEqual(conn.added, [
      {
        OrderStatus: KEYWORD,
        OrderId: KEYWORD,
        CustomerId: KEYWORD,
        LeaveStatus: KEYWORD,
        RegistrationStatus: KEYWORD,
      },
    ]);
  });

  it('adds nothing when they are there', async () => {
    const conn = operator(ALL);
    assert.deepEqual(await ensureSearchAttributes(conn, 'default', SEARCH_ATTRIBUTE_KEYS), []);
    assert.deepEqual(conn.added, []);
  });

  it('adds them on a server that cannot list them (the time-skipping test server)', async () => {
    const conn = operator('unimplemented');
    assert.deepEqual(await ensureSearchAttributes(conn, 'default', SEARCH_ATTRIBUTE_KEYS), Object.keys(ALL));
  });

  it('refuses an attribute of the wrong type', async () => {
    await assert.rejects(
      ensureSearchAttributes(
        operator({ OrderStatus: INT, LeaveStatus: KEYWORD, EmployeeId: KEYWORD }),
        'shop',
        SEARCH_ATTRIBUTE_KEYS,
      ),
      /OrderStatus exists on namespace shop with type INDEXED_VALUE_TYPE_INT, but the workflows need Keyword/,
    );
  });

  it('tells the operator the command to run when it may not add them', async () => {
    const others: Record<string, number> = { ...ALL };
    delete others.OrderStatus;
    const conn = operator(others, async () => {
      throw new Error('PermissionDenied');
    });
    const err = await ensureSearchAttributes(conn, 'shop', SEARCH_ATTRIBUTE_KEYS).catch((e: unknown) => e);
    assert.ok(err instanceof SearchAttributeError);
    assert.match(
      err.message,
      /could not be added \(PermissionDenied\)\. Ask an operator to run: temporal operator search-attribute create --namespace shop --name OrderStatus --type Keyword/,
    );
  });
});
