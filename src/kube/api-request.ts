/**
 * The verb and resource of a Kubernetes API request, from its method and URL, as the API server
 * names them in audit logs (`get` of one object, `list` of a collection, `watch`). Used to count
 * every request the controller sends by what it is.
 */
export interface ApiRequestKind {
  /** get, list, watch, create, update, patch, delete or deletecollection */
  verb: string;
  /** Plural resource, with the subresource after a slash (`rollouts/status`); '' when unknown. */
  resource: string;
}

export function describeApiRequest(method: string, url: string): ApiRequestKind {
  const parsed = new URL(url, 'http://unused');
  const segments = parsed.pathname.split('/').filter((s) => s !== '');
  // /api/v1/... or /apis/group/version/...
  const rest = segments[0] === 'api' ? segments.slice(2) : segments[0] === 'apis' ? segments.slice(3) : [];
  // namespaces/NS/resource[/name[/sub]] — but /namespaces and /namespaces/NAME are the namespaces themselves
  const path = rest[0] === 'namespaces' && rest.length >= 3 ? rest.slice(2) : rest;
  const [resource = '', name, subresource] = path;
  const full = subresource ? `${resource}/${subresource}` : resource;
  const upper = method.toUpperCase();
  if (upper === 'GET') {
    if (parsed.searchParams.get('watch') === 'true') return { verb: 'watch', resource: full };
    return { verb: name === undefined ? 'list' : 'get', resource: full };
  }
  if (upper === 'DELETE') return { verb: name === undefined ? 'deletecollection' : 'delete', resource: full };
  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' };
  return { verb: verbs[upper] ?? upper.toLowerCase(), resource: full };
}
