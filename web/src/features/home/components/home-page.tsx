import { Link } from 'react-router';
import { useSignedInUser } from '../../../lib/session';

interface Area {
  title: string;
  description: string;
  to: string;
}

const AREAS: readonly Area[] = [
  { title: 'Shop', description: 'Browse products and start an order.', to: '/shop' },
  { title: 'Wallet', description: 'Save cards and choose your default.', to: '/wallet' },
  { title: 'Orders', description: 'Follow orders, payments, refunds and receipts.', to: '/orders' },
  {
    title: 'Account',
    description: 'Your profile, your data and the legal documents.',
    to: '/account',
  },
];

export function HomePage() {
  const user = useSignedInUser();
  return (
    <div className="home">
      <title>Home · Paydeck</title>
      <h1>Welcome, {user.name}</h1>
      <p className="lead">Signed in as {user.email}.</p>
      <ul className="tiles" aria-label="Areas">
        {AREAS.map((area) => (
          <li key={area.title} className="tile tile--link">
            <h2 className="tile__title">
              {/* The link covers the whole tile (CSS), so the tile is one big target. */}
              <Link to={area.to} className="tile__link">
                {area.title}
              </Link>
            </h2>
            <p>{area.description}</p>
          </li>
        ))}
      </ul>
      <p className="home__legal">
        Read the <Link to="/legal/terms">Terms of Service</Link> and the{' '}
        <Link to="/legal/privacy">Privacy Policy</Link>.
      </p>
    </div>
  );
}
