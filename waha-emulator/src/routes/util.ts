import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../errors';
import { asRecord, queryInt, querySortOrder, queryString } from '../validation';

export function queryOf(request: FastifyRequest): Record<string, unknown> {
  return asRecord(request.query);
}

export function paramOf(request: FastifyRequest, name: string): string {
  const value = asRecord(request.params)[name];
  return typeof value === 'string' ? value : '';
}

export function bodyOf(request: FastifyRequest): Record<string, unknown> {
  return asRecord(request.body);
}

export function json(reply: FastifyReply, statusCode: number, body: unknown): FastifyReply {
  return reply.code(statusCode).send(body);
}

/** Nest answers `null`/`undefined` with an empty body (no JSON `null`). */
export function empty(reply: FastifyReply, statusCode: number): FastifyReply {
  return reply.code(statusCode).send();
}

export interface Pagination {
  limit?: number;
  offset?: number;
  sortBy?: string;
  sortOrder?: 'asc' | 'desc';
}

/** limit/offset/sortBy/sortOrder with validation; `sortBy` must be one of `sortFields` when given. */
export function paginationOf(
  query: Record<string, unknown>,
  sortFields: string[],
  defaultLimit?: number,
): Pagination {
  const errors: string[] = [];
  const limit = queryInt(errors, 'limit', queryString(query.limit)) ?? defaultLimit;
  const offset = queryInt(errors, 'offset', queryString(query.offset));
  const sortOrder = querySortOrder(errors, 'sortOrder', queryString(query.sortOrder));
  const sortBy = queryString(query.sortBy);
  if (sortBy !== undefined && sortBy !== '' && !sortFields.includes(sortBy)) {
    errors.push(`sortBy must be one of the following values: ${sortFields.join(', ')}`);
  }
  if (errors.length > 0) {
    throw badRequest(errors);
  }
  return { limit, offset, sortOrder, sortBy: sortBy || undefined };
}

/** `ids=a&ids=b` or `ids=a,b`. */
export function listOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items
    .filter((item): item is string => typeof item === 'string')
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
