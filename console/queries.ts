// The 1.x `queries[]` the console sends (contract §12.3): each a JSON string, built as the
// SDKs' Query.* builds it. No DOM here: test/console/ checks them.
type Value = string | number | boolean;

const query = (method: string, attribute?: string, values?: Value[]) => JSON.stringify({ method, attribute, values });

export const Query = {
  equal: (attribute: string, value: Value) => query('equal', attribute, [value]),
  contains: (attribute: string, value: string) => query('contains', attribute, [value]),
  orderAsc: (attribute: string) => query('orderAsc', attribute),
  orderDesc: (attribute: string) => query('orderDesc', attribute),
  limit: (limit: number) => query('limit', undefined, [limit]),
  offset: (offset: number) => query('offset', undefined, [offset]),
  cursorAfter: (id: string) => query('cursorAfter', undefined, [id]),
  cursorBefore: (id: string) => query('cursorBefore', undefined, [id]),
};

/** The users table's filters; `''` is "any". */
export interface UserFilters {
  status: '' | 'active' | 'blocked';
  emailVerification: '' | 'verified' | 'unverified';
  label: string;
}

export function filterQueries(filters: UserFilters): string[] {
  const queries: string[] = [];
  if (filters.status) queries.push(Query.equal('status', filters.status === 'active'));
  if (filters.emailVerification) queries.push(Query.equal('emailVerification', filters.emailVerification === 'verified'));
  if (filters.label) queries.push(Query.contains('labels', filters.label));
  return queries;
}
