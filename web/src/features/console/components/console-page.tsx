export function ConsolePage() {
  return (
    <div>
      <title>Console · Paydeck</title>
      <h1>Operator console</h1>
      <p className="lead">
        Payments, refunds, webhooks, alerts and the audit log will live here. Nothing is available
        yet.
      </p>
    </div>
  );
}
