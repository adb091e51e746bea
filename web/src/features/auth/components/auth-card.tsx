import type { ReactNode } from 'react';

/** The narrow centred frame shared by the sign-in and sign-up pages. */
export function AuthCard({
  title,
  intro,
  children,
  footer,
}: {
  title: string;
  intro?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <section className="auth-card" aria-labelledby="auth-card-title">
      <title>{`${title} · Paydeck`}</title>
      <h1 id="auth-card-title">{title}</h1>
      {intro ? <p className="auth-card__intro">{intro}</p> : null}
      {children}
      {footer ? <div className="auth-card__footer">{footer}</div> : null}
    </section>
  );
}
