// The webhook signing secrets we accept. Several are live at once during a rotation (Stripe signs
// each event with every active secret of the endpoint); the configured ones are fixed, and in
// simulated mode start-up adds the secret of the endpoint it registers at the simulator.
export class WebhookSecrets {
  private readonly added = new Set<string>();

  constructor(private readonly configured: readonly string[]) {}

  add(secret: string): void {
    if (secret) this.added.add(secret);
  }

  all(): string[] {
    return [...new Set([...this.configured, ...this.added])];
  }
}
