import { NavLink, Outlet } from 'react-router';

const SECTIONS = [
  { to: '/console/payments', label: 'Payments' },
  { to: '/console/customers', label: 'Customers' },
  { to: '/console/catalog', label: 'Catalog' },
  { to: '/console/api-keys', label: 'API keys' },
  { to: '/console/webhooks', label: 'Webhooks' },
  { to: '/console/audit', label: 'Audit log' },
  { to: '/console/reconciliation', label: 'Reconciliation' },
] as const;

/** The operator console: its own navigation above every console page. */
export function ConsoleLayout() {
  return (
    <div className="console">
      <nav className="console__nav" aria-label="Console">
        <ul className="console__nav-list">
          {SECTIONS.map((section) => (
            <li key={section.to}>
              <NavLink to={section.to} className="console__nav-link">
                {section.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}
