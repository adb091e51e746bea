import { Link } from 'react-router';
import { useSignedInUser } from '../../../lib/session';

interface Area {
  title: string;
  description: string;
}

// Placeholders for the next issues; shown as plain cards so nothing pretends to work yet.
const AREAS: readonly Area[] = [
  { title: 'Shop', description: 'Browse products and start an order.' },
  { title: 'Wallet', description: 'Save cards and choose your default.' },
  { title: 'Orders', description: 'Follow orders, payments, refunds and receipts.' },
  { title: 'Account', description: 'Export your data or delete your account.' },
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
          <li key={area.title} className="tile">
            <h2 className="tile__title">{area.title}</h2>
            <p>{area.description}</p>
            <p className="badge">Coming soon</p>
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
