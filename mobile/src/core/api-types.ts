import type { paths } from '../api/schema';

/**
 * Request and response types of each operation, derived from the generated OpenAPI types, so a call
 * with the wrong path, parameters or body does not compile and the answer is typed without casts.
 */
export type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'patch';

type Defined<T> = Exclude<T, undefined>;

/** Paths that have an operation for method M. */
export type PathsWith<M extends HttpMethod> = {
  [P in keyof paths]: [Defined<paths[P][M & keyof paths[P]]>] extends [never] ? never : P;
}[keyof paths];

export type Operation<P extends keyof paths, M extends HttpMethod> = Defined<paths[P][M & keyof paths[P]]>;

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : void;

type SuccessStatus = 200 | 201 | 202 | 204;

export type ResponseOf<O> = O extends { responses: infer R } ? { [S in keyof R]: S extends SuccessStatus ? Json<R[S]> : never }[keyof R] : never;

type PathParams<O> = O extends { parameters: { path: infer Pp } } ? Pp : never;
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? Defined<Q> : never;
export type Body<O> = O extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

export type RequestOptions<O> = ([PathParams<O>] extends [never] ? { path?: undefined } : { path: PathParams<O> }) &
  ([QueryParams<O>] extends [never] ? { query?: undefined } : { query?: QueryParams<O> }) &
  ([Body<O>] extends [never] ? { body?: undefined } : { body: Body<O> });

/** Fills `{name}` segments; values are encoded so an id can never change the path. */
export function fillPath(template: string, params: Record<string, string | number> | undefined): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(value));
  });
}
