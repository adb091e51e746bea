import { useState } from 'react';
import type { FormEvent } from 'react';
import { flushSync } from 'react-dom';
import { ApiError } from './api-client';

export interface FormErrors<F extends string> {
  /** Messages shown under a field, keyed by the request's field name. */
  fields: Partial<Record<F, string>>;
  /** Shown above the form when the error is not about one of its fields. */
  form: ApiError | null;
}

export const noFormErrors = { fields: {}, form: null } as const;

/** Places a server error under the field it names when the form has that field. */
export function toFormErrors<F extends string>(
  error: unknown,
  fields: readonly F[],
): FormErrors<F> {
  const apiError = ApiError.from(error);
  const field = fields.find((name) => name === apiError.field);
  if (field && apiError.status >= 400 && apiError.status < 500) {
    return { fields: { [field]: apiError.message } as Partial<Record<F, string>>, form: null };
  }
  return { fields: {}, form: apiError };
}

/**
 * Shows errors, then moves focus to the first field that has one so keyboard and screen-reader
 * users land on it; form-level errors are announced by their role="alert" instead.
 */
export function focusFirstInvalid<F extends string>(
  form: HTMLFormElement,
  errors: FormErrors<F>,
  order: readonly F[],
): void {
  const first = order.find((name) => errors.fields[name]);
  if (!first) return;
  const element = form.elements.namedItem(first);
  if (element instanceof HTMLElement) element.focus();
}

/** Drops a field's error once the user edits that field; returns the same object if nothing changed. */
export function clearFieldError<F extends string>(
  errors: FormErrors<F>,
  name: string,
): FormErrors<F> {
  if (!(name in errors.fields)) return errors;
  const fields = { ...errors.fields };
  delete fields[name as F];
  return { ...errors, fields };
}

/** The field an input/change event on a form came from (events bubble from the control). */
export function fieldNameOf(target: EventTarget): string | null {
  return target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement
    ? target.name
    : null;
}

/**
 * A form's error state and the three things every form does with it: show the client-side
 * check's errors, show a server error under its field (or above the form), and drop a field's
 * error when it is edited. Errors are rendered synchronously so focus can move to them.
 */
export function useFormErrors<F extends string>(fields: readonly F[]) {
  const [errors, setErrors] = useState<FormErrors<F>>(noFormErrors);
  const show = (form: HTMLFormElement, next: FormErrors<F>) => {
    flushSync(() => setErrors(next));
    focusFirstInvalid(form, next, fields);
  };
  return {
    errors,
    /** Shows the client-side check's errors; true when the form may be sent. */
    passes(form: HTMLFormElement, checked: FormErrors<F>): boolean {
      show(form, checked);
      return Object.keys(checked.fields).length === 0;
    },
    showServerError(form: HTMLFormElement, error: unknown): void {
      show(form, toFormErrors(error, fields));
    },
    onChange(event: FormEvent<HTMLFormElement>): void {
      const name = fieldNameOf(event.target);
      if (name) setErrors((current) => clearFieldError(current, name));
    },
  };
}
