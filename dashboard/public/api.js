/* global URLSearchParams, location, sessionStorage, history */
// API access: the bearer token (from ?token= once, then the tab's sessionStorage), JSON fetches
// with an Authorization header, and the SSE URL (EventSource cannot send headers).
const KEY = 'salesinsights.token';
const params = new URLSearchParams(location.search);
if (params.has('token')) {
  sessionStorage.setItem(KEY, params.get('token') ?? '');
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
}
const token = sessionStorage.getItem(KEY) || '';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
  }
}

/** GET /api/<path> with query parameters (empty values left out); resolves to the JSON body. */
export async function api(path, query = {}) {
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const url = `/api/${path}${qs.size ? `?${qs}` : ''}`;
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export function streamUrl() {
  return token ? `/api/stream?token=${encodeURIComponent(token)}` : '/api/stream';
}
