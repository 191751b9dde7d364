/**
 * The filter language shared by `proxy --filter`, `read --filter`,
 * `--intercept` and the inspector page's filter box (contract: "Filter
 * expressions"). Pure TypeScript, no node: imports: the page bundles it.
 *
 * API
 *   parseFilter(source): Filter            throws FilterSyntaxError only
 *   tryParseFilter(source): {ok: true, filter} | {ok: false, error}
 *   filter.matches(subject): boolean       one frame/message/violation (see FilterSubject)
 *   filter.empty                           true for "" (everything shows)
 *   filter.connectionLevel                 names only conn:N / host:NAME: every event
 *                                          is matched by its connection directly
 *   filter.needsFollowers                  mentions violation/rule: a frame is decided
 *                                          once the events after it are known
 *   createFilterView(filter): {push(event): WireEvent[], flush(): WireEvent[]}
 *                                          the contract's rules over a stream of events
 *                                          in wire order (see view.ts)
 *   FilterSyntaxError {position (1-based), reason, message}
 *
 * Example
 *   const view = createFilterView(parseFilter('client text "hello"'));
 *   for (const e of batch) show(view.push(e));
 *   show(view.flush());
 */
import { FilterSyntaxError } from './errors.js';
import { compile, type Filter } from './match.js';
import { parseFilter as parseAst } from './parse.js';

export function parseFilter(source: string): Filter {
  const ast = parseAst(source);
  const kinds = ast.clauses.map((clause) => clause.term);
  return {
    source,
    ast,
    empty: kinds.length === 0,
    connectionLevel: kinds.length > 0 && kinds.every((term) => term.kind === 'conn' || term.kind === 'host'),
    needsFollowers: kinds.some((term) => term.kind === 'rule' || (term.kind === 'keyword' && term.word === 'violation')),
    matches: compile(ast),
  };
}

export type FilterParse = { ok: true; filter: Filter } | { ok: false; error: FilterSyntaxError };

/** For the page's filter box: the error as a value. */
export function tryParseFilter(source: string): FilterParse {
  try {
    return { ok: true, filter: parseFilter(source) };
  } catch (error) {
    if (error instanceof FilterSyntaxError) return { ok: false, error };
    throw error;
  }
}

export { FilterSyntaxError } from './errors.js';
export { createFilterView, hostOf, type FilterView } from './view.js';
export type { Filter, FilterSubject } from './match.js';
export type { Clause, FilterAst, Term } from './parse.js';
