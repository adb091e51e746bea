import type { ButtonHTMLAttributes, Ref } from 'react';

type Variant = 'primary' | 'secondary' | 'quiet' | 'danger';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  /**
   * Shows a spinner and blocks repeat clicks while a request runs, without changing the width.
   * The button keeps its name meanwhile ("Pay $32.00", busy), so it can still be found and read.
   */
  pending?: boolean;
  ref?: Ref<HTMLButtonElement>;
}

export function Button({
  variant = 'primary',
  pending = false,
  type = 'button',
  className,
  disabled,
  children,
  ...rest
}: ButtonProps) {
  const classes = ['button', `button--${variant}`, className].filter(Boolean).join(' ');
  return (
    <button
      {...rest}
      type={type}
      className={classes}
      disabled={disabled || pending}
      aria-busy={pending || undefined}
    >
      {/* Hidden by opacity, not visibility: the label stays in the accessibility tree as the name. */}
      <span className={pending ? 'button__label button__label--hidden' : 'button__label'}>
        {children}
      </span>
      {pending ? <span className="spinner button__spinner" aria-hidden="true" /> : null}
    </button>
  );
}
