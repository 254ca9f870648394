// One page of a SCIM list (RFC 7644 §3.4.2.4): a 1-based start index, at most 200 resources a page,
// and the total the filter matched; shared by the Users and Groups endpoints.
import type { SelectQueryBuilder } from "kysely";

export interface ScimPage<T> {
  totalResults: number;
  startIndex: number;
  resources: T[];
}

/**
 * Reads the page `options` asks for from a filtered query: `ordered` adds the stable order the pages
 * follow. The resources are the query's rows; the caller maps them.
 */
export async function readScimPage<DB, TB extends keyof DB, Row>(
  query: SelectQueryBuilder<DB, TB, Row>,
  ordered: (query: SelectQueryBuilder<DB, TB, Row>) => SelectQueryBuilder<DB, TB, Row>,
  options: { startIndex?: number; count?: number },
): Promise<ScimPage<Row>> {
  const startIndex = Math.max(1, options.startIndex ?? 1);
  const count = Math.min(200, Math.max(0, options.count ?? 100));
  // Over a generic query Kysely cannot name the counted column's type; it is the one selected here.
  const total = (await query
    .clearSelect()
    .select((select) => select.fn.countAll<string | number>().as("total"))
    .executeTakeFirst()) as { total: string | number } | undefined;
  const resources =
    count === 0
      ? []
      : await ordered(query)
          .offset(startIndex - 1)
          .limit(count)
          .execute();
  return { totalResults: Number(total?.total ?? 0), startIndex, resources };
}
