import { useId } from 'react';
import type { InputHTMLAttributes, ReactNode, Ref } from 'react';

interface FieldBase {
  /** Request field name; also the input's name. */
  name: string;
  error?: string | undefined;
}

export interface TextFieldProps
  extends FieldBase, Omit<InputHTMLAttributes<HTMLInputElement>, 'name'> {
  label: string;
  /** A rule the user should know before typing (e.g. minimum length). */
  hint?: ReactNode;
  ref?: Ref<HTMLInputElement>;
}

/** A labelled input whose hint and error are announced with it (aria-describedby). */
export function TextField({ label, hint, error, name, id, className, ...input }: TextFieldProps) {
  const autoId = useId();
  const inputId = id ?? `${autoId}-${name}`;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  return (
    <div className={['field', className].filter(Boolean).join(' ')}>
      <label className="field__label" htmlFor={inputId}>
        {label}
      </label>
      {hint ? (
        <p className="field__hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <input
        {...input}
        id={inputId}
        name={name}
        className="field__input"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hintId, errorId)}
      />
      <FieldError id={errorId} message={error} />
    </div>
  );
}

export interface CheckboxFieldProps
  extends FieldBase, Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'type'> {
  /** May contain links; the whole label toggles the box. */
  label: ReactNode;
  hint?: ReactNode;
}

export function CheckboxField({
  label,
  hint,
  error,
  name,
  id,
  className,
  ...input
}: CheckboxFieldProps) {
  const autoId = useId();
  const inputId = id ?? `${autoId}-${name}`;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  return (
    <div className={['field', 'field--checkbox', className].filter(Boolean).join(' ')}>
      <div className="checkbox">
        <input
          {...input}
          type="checkbox"
          id={inputId}
          name={name}
          className="checkbox__input"
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(hintId, errorId)}
        />
        <label className="checkbox__label" htmlFor={inputId}>
          {label}
        </label>
      </div>
      {hint ? (
        <p className="field__hint field__hint--checkbox" id={hintId}>
          {hint}
        </p>
      ) : null}
      <FieldError id={errorId} message={error} />
    </div>
  );
}

function FieldError({ id, message }: { id: string | undefined; message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="field__error" id={id}>
      {message}
    </p>
  );
}

function describedBy(...ids: (string | undefined)[]): string | undefined {
  const present = ids.filter(Boolean);
  return present.length > 0 ? present.join(' ') : undefined;
}
