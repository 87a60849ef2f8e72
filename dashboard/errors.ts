// Errors of the dashboard: a code table (status, retriable, printf-style message), turned into
// @fastify/error constructors, as fastify's own lib/errors.js does.
import createError from '@fastify/error';
import { INGEST_ERRORS } from '../ingest/errors.ts';

export const DASHBOARD_ERRORS = {
  DASH_ERR_BAD_PARAMS: { status: 400, retriable: false, message: 'bad request parameters: %s' },
  DASH_ERR_UNAUTHORIZED: { status: 401, retriable: false, message: 'missing or wrong bearer token: %s' },
  DASH_ERR_NOT_FOUND: { status: 404, retriable: false, message: 'not found: %s' },
  DASH_ERR_NO_JOB: { status: 503, retriable: true, message: 'no aggregator job runs in this process; pipeline metrics are unavailable' },
  DASH_ERR_STORE: { status: 503, retriable: true, message: 'the store did not answer: %s' },
  DASH_ERR_INTERNAL: { status: 500, retriable: false, message: 'internal error (see the server log, request %s)' },
} as const;
export type DashboardErrorCode = keyof typeof DASHBOARD_ERRORS;

function define<C extends DashboardErrorCode>(code: C) {
  return createError(code, DASHBOARD_ERRORS[code].message, DASHBOARD_ERRORS[code].status);
}

export const BadParamsError = define('DASH_ERR_BAD_PARAMS');
export const UnauthorizedError = define('DASH_ERR_UNAUTHORIZED');
export const NotFoundError = define('DASH_ERR_NOT_FOUND');
export const NoJobError = define('DASH_ERR_NO_JOB');
export const StoreError = define('DASH_ERR_STORE');
export const InternalError = define('DASH_ERR_INTERNAL');

/** Every code the API can answer: the dashboard's table and the ingest source's. */
const API_ERRORS: Readonly<Record<string, { retriable: boolean }>> = { ...INGEST_ERRORS, ...DASHBOARD_ERRORS };

/** Whether the same request may succeed later. */
export function isRetriable(code: string): boolean {
  return API_ERRORS[code]?.retriable ?? false;
}
