import { z } from 'zod';
import { type TextKind, textViolation } from './text-rules.js';

/**
 * Zod fields for every string the API takes, so each router applies the text rule of
 * text-rules.ts the same way. (NUL and lone surrogates are also refused for any string in any
 * input by the `storableInput` middleware, before these run.)
 */

/** Refinement applying the text rule of `kind`. */
export const textRule = (kind: TextKind) => (s: string, ctx: z.RefinementCtx<string>) => {
  const violation = textViolation(s, kind);
  if (violation) ctx.addIssue({ code: 'custom', message: violation });
};

/** A display name: trimmed, 1–`max` characters, no control characters. */
export const nameText = (max: number) =>
  z.string().trim().min(1, `must be 1–${max} characters`).max(max, `must be 1–${max} characters`).superRefine(textRule('name'));

/** An id, filter or other exact single-line value: `min`–`max` characters, no control characters, never trimmed. */
export const idText = (max: number, min = 1) =>
  z.string().min(min, 'is required').max(max, `must be at most ${max} characters`).superRefine(textRule('name'));

/** Free text (descriptions, reasons): at most `max` characters; tab and newline are the only control characters allowed. */
export const freeText = (max: number) => z.string().max(max, `must be at most ${max} characters`).superRefine(textRule('free'));
