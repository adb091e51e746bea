import { NavLink, Outlet } from 'react-router';

const SECTIONS = [
  { to: '/console', label: 'Dashboard', end: true },
  { to: '/console/payments', label: 'Payments' },
  { to: '/console/customers', label: 'Customers' },
  { to: '/console/catalog', label: 'Catalog' },
  { to: '/console/api-keys', label: 'API keys' },
  { to: '/console/webhooks', label: 'Webhooks' },
  { to: '/console/merchant-webhooks', label: 'Merchant webhooks' },
  { to: '/console/audit', label: 'Audit log' },
  { to: '/console/reconciliation', label: 'Reconciliation' },
  { to: '/console/alerts', label: 'Alerts' },
  { to: '/console/mail', label: 'Mail' },
] as const;

/** The operator console: its own navigation above every console page. */
export function ConsoleLayout() {
  return (
    <div className="console">
      <nav className="console__nav" aria-label="Console">
        <ul className="console__nav-list">
          {SECTIONS.map((section) => (
            <li key={section.to}>
              <NavLink
                to={section.to}
                end={'end' in section && section.end}
                className="console__nav-link"
              >
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
