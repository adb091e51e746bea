/*
 * The simulator's 3-D Secure challenge page (GET /_sim/3ds/<intent id>). Its buttons settle the
 * authentication with POST /_sim/3ds/<intent id>/complete or /fail, then tell Stripe.js (the
 * parent window) with postMessage({type: 'sim-3ds-result', intent, result}). Opened as a
 * top-level page (the redirect flow), it follows a `return_url` query parameter instead.
 */
(() => {
  'use strict';

  const intent = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '');
  const buttons = [...document.querySelectorAll('button[data-result]')];
  const status = document.querySelector('.status');
  const heading = document.querySelector('h1');

  // Keyboard and screen-reader users start at the title, one Tab away from the answers: at
  // once, and again whenever the frame receives focus (Stripe.js focuses it when it opens)
  // with nothing inside focused yet.
  const focusHeading = () => {
    if (!document.activeElement || document.activeElement === document.body) heading.focus();
  };
  focusHeading();
  window.addEventListener('focus', focusHeading);

  async function settle(result) {
    for (const button of buttons) button.disabled = true;
    status.textContent = 'Contacting your bank…';
    let response;
    try {
      response = await fetch(`/_sim/3ds/${encodeURIComponent(intent)}/${result}`, {
        method: 'POST',
      });
    } catch {
      response = null;
    }
    if (!response || !response.ok) {
      const body = response ? await response.json().catch(() => null) : null;
      status.textContent =
        (body && body.error && body.error.message) || 'The simulator did not accept the answer.';
      for (const button of buttons) button.disabled = false;
      return;
    }
    status.textContent =
      result === 'complete' ? 'Authentication complete.' : 'Authentication failed.';
    if (window.parent !== window) {
      window.parent.postMessage({ type: 'sim-3ds-result', intent, result }, '*');
      return;
    }
    const returnUrl = new URL(location.href).searchParams.get('return_url');
    if (returnUrl && /^https?:\/\//i.test(returnUrl)) location.assign(returnUrl);
  }

  for (const button of buttons) {
    button.addEventListener('click', () => settle(button.dataset.result));
  }
})();
