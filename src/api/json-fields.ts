import { z } from 'zod';
import { pathDeeperThan } from '../json/value-depth.js';

/** Deepest nesting of objects and arrays in client JSON (`events.publish` data, JSON Schemas); the value itself is level 1. */
export const MAX_JSON_DEPTH = 64;
export const TOO_DEEP = `must not nest deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`;

/**
 * A JSON object field (e.g. an event type's JSON Schema): at most MAX_JSON_DEPTH levels, checked
 * without recursion before any code that recurses (JSON.stringify, Ajv) sees it.
 */
export const jsonObject = (message = 'must be a JSON object') =>
  z.record(z.string(), z.unknown(), message).superRefine((value, ctx) => {
    const path = pathDeeperThan(value, MAX_JSON_DEPTH);
    if (path) ctx.addIssue({ code: 'custom', path, message: TOO_DEEP });
  });
