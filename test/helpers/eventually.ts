// Waits for something that happens in the background (a retry loop, a timer) without betting on
// how long it takes: it polls until `check` gives a value, and the test's own timeout is the
// only bound.
export async function eventually<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  everyMs = 20,
): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
