/*
 * The card Element's frame, served from the simulator's origin (/elements/card-frame.html).
 * Card details stay here: the frame validates them like Elements, creates the PaymentMethod with
 * the simulator's API itself and tells the host page only brand/empty/complete/error and the
 * resulting `pm_…` object. Configuration arrives in the URL fragment from stripe.js.
 */
(() => {
  'use strict';

  const config = JSON.parse(decodeURIComponent(location.hash.slice(1) || '{}'));
  const hostOrigin = config.hostOrigin;
  const form = document.querySelector('.card');
  const fields = {
    number: form.querySelector('[name="cardnumber"]'),
    expiry: form.querySelector('[name="exp-date"]'),
    cvc: form.querySelector('[name="cvc"]'),
    postal: form.querySelector('[name="postal"]'),
  };
  const ORDER = ['number', 'expiry', 'cvc', 'postal'];
  let options = config.options || {};
  let lastChange = null;
  let started = false; // the initial state is not a change
  const blurred = new Set(); // fields the customer has left: their "incomplete" errors now show

  // ---------------------------------------------------------------------------------------
  // Card rules (Stripe's brands, lengths and validation messages)

  const BRANDS = [
    { brand: 'amex', pattern: /^3[47]/, lengths: [15], gaps: [4, 10], cvc: 4 },
    { brand: 'diners', pattern: /^(36|38|39|30[0-5])/, lengths: [14, 16], gaps: [4, 10], cvc: 3 },
    {
      brand: 'discover',
      pattern: /^(6011|64[4-9]|65)/,
      lengths: [16, 19],
      gaps: [4, 8, 12],
      cvc: 3,
    },
    { brand: 'jcb', pattern: /^35/, lengths: [16], gaps: [4, 8, 12], cvc: 3 },
    { brand: 'unionpay', pattern: /^62/, lengths: [16, 17, 18, 19], gaps: [4, 8, 12], cvc: 3 },
    { brand: 'mastercard', pattern: /^(5[1-5]|2[2-7])/, lengths: [16], gaps: [4, 8, 12], cvc: 3 },
    { brand: 'visa', pattern: /^4/, lengths: [16], gaps: [4, 8, 12], cvc: 3 },
  ];
  const UNKNOWN = {
    brand: 'unknown',
    pattern: /./,
    lengths: [16, 17, 18, 19],
    gaps: [4, 8, 12],
    cvc: 4,
  };

  const MESSAGES = {
    incomplete_number: 'Your card number is incomplete.',
    invalid_number: 'Your card number is invalid.',
    incomplete_expiry: "Your card's expiration date is incomplete.",
    invalid_expiry_month: "Your card's expiration month is invalid.",
    invalid_expiry_month_past: "Your card's expiration date is in the past.",
    invalid_expiry_year_past: "Your card's expiration year is in the past.",
    invalid_expiry_year: "Your card's expiration year is invalid.",
    incomplete_cvc: "Your card's security code is incomplete.",
    incomplete_zip: 'Your postal code is incomplete.',
  };

  const digitsOf = (value) => value.replace(/\D/g, '');
  const brandOf = (digits) => BRANDS.find((b) => b.pattern.test(digits)) || UNKNOWN;

  function luhn(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i += 1) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
    }
    return sum % 10 === 0;
  }

  // Each check returns {complete} or {error: code, shown: whether to show it before blur}.
  function checkNumber(digits) {
    if (!digits) return { empty: true };
    const rules = brandOf(digits);
    const max = Math.max(...rules.lengths);
    if (rules.lengths.includes(digits.length) && luhn(digits)) return { complete: true };
    if (digits.length >= max || rules.lengths.includes(digits.length)) {
      return { error: 'invalid_number', shown: digits.length >= max };
    }
    return { error: 'incomplete_number' };
  }

  function checkExpiry(digits) {
    if (!digits) return { empty: true };
    if (digits.length < 4) return { error: 'incomplete_expiry' };
    const month = Number(digits.slice(0, 2));
    const year = 2000 + Number(digits.slice(2, 4));
    const now = new Date();
    if (month < 1 || month > 12) return { error: 'invalid_expiry_month', shown: true };
    if (year < now.getFullYear()) return { error: 'invalid_expiry_year_past', shown: true };
    if (year === now.getFullYear() && month < now.getMonth() + 1) {
      return { error: 'invalid_expiry_month_past', shown: true };
    }
    if (year > now.getFullYear() + 50) return { error: 'invalid_expiry_year', shown: true };
    return { complete: true };
  }

  function checkCvc(digits, rules) {
    if (!digits) return { empty: true };
    const minimum = rules.brand === 'unknown' ? 3 : rules.cvc;
    return digits.length >= minimum ? { complete: true } : { error: 'incomplete_cvc' };
  }

  function checkPostal(value) {
    const postal = value.trim();
    if (!postal) return { empty: true };
    return /^\d{1,4}$/.test(postal) ? { error: 'incomplete_zip' } : { complete: true };
  }

  // ---------------------------------------------------------------------------------------
  // Formatting as the customer types

  function formatNumber(digits) {
    const rules = brandOf(digits);
    const limited = digits.slice(0, Math.max(...rules.lengths));
    let out = '';
    for (let i = 0; i < limited.length; i += 1) {
      if (rules.gaps.includes(i)) out += ' ';
      out += limited[i];
    }
    return out;
  }

  function formatExpiry(value, deleting) {
    let digits = digitsOf(value).slice(0, 4);
    if (digits.length === 1 && digits > '1') digits = `0${digits}`;
    if (digits.length < 2) return digits;
    if (digits.length === 2) return deleting ? digits : `${digits} / `;
    return `${digits.slice(0, 2)} / ${digits.slice(2)}`;
  }

  function postalShown() {
    return !options.hidePostalCode;
  }

  function state() {
    const number = digitsOf(fields.number.value);
    const rules = brandOf(number);
    const checks = {
      number: checkNumber(number),
      expiry: checkExpiry(digitsOf(fields.expiry.value)),
      cvc: checkCvc(digitsOf(fields.cvc.value), rules),
      postal: postalShown() ? checkPostal(fields.postal.value) : { complete: true, hidden: true },
    };
    const active = ORDER.filter((name) => !checks[name].hidden);
    return {
      checks,
      brand: number ? rules.brand : 'unknown',
      empty: active.every((name) => checks[name].empty),
      complete: active.every((name) => checks[name].complete),
    };
  }

  /** The first error to show: definite errors at once, "incomplete" ones after blur or submit. */
  function visibleError(checks, all) {
    for (const name of ORDER) {
      const check = checks[name];
      if (check.hidden) continue;
      if (check.error && (all || check.shown || blurred.has(name))) {
        return { type: 'validation_error', code: check.error, message: MESSAGES[check.error] };
      }
      if (all && check.empty) {
        const code = {
          number: 'incomplete_number',
          expiry: 'incomplete_expiry',
          cvc: 'incomplete_cvc',
          postal: 'incomplete_zip',
        }[name];
        return { type: 'validation_error', code, message: MESSAGES[code] };
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------
  // Talking to the host page

  function post(message) {
    window.parent.postMessage({ source: 'sim-card-frame', id: config.id, ...message }, hostOrigin);
  }

  function render(showAll = false) {
    const current = state();
    const error = visibleError(current.checks, showAll);
    form.dataset.brand = current.brand;
    for (const name of ORDER) {
      const check = current.checks[name];
      fields[name].classList.toggle(
        'invalid',
        Boolean(check.error && (showAll || check.shown || blurred.has(name))),
      );
    }
    const change = {
      type: 'change',
      empty: current.empty,
      complete: current.complete,
      brand: current.brand,
      error,
      postalCode: postalShown() ? fields.postal.value.trim() : '',
    };
    const key = JSON.stringify(change);
    if (key !== lastChange) {
      lastChange = key;
      if (started) post(change);
    }
    return { current, error };
  }

  function onInput(name, event) {
    const input = fields[name];
    const deleting = Boolean(event.inputType && event.inputType.startsWith('delete'));
    const number = digitsOf(fields.number.value);
    if (name === 'number') input.value = formatNumber(digitsOf(input.value));
    if (name === 'expiry') input.value = formatExpiry(input.value, deleting);
    if (name === 'cvc') input.value = digitsOf(input.value).slice(0, brandOf(number).cvc);
    if (name === 'postal') input.value = input.value.replace(/[^A-Za-z0-9 -]/g, '').slice(0, 10);
    const { current } = render();
    // Move on to the next field once this one is complete, as Elements does.
    const next = ORDER[ORDER.indexOf(name) + 1];
    if (!deleting && current.checks[name].complete && next && !current.checks[next].hidden) {
      fields[next].focus();
    }
  }

  let focused = false;
  for (const name of ORDER) {
    const input = fields[name];
    input.addEventListener('input', (event) => onInput(name, event));
    input.addEventListener('blur', () => {
      if (input.value) blurred.add(name);
      render();
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') post({ type: 'escape' });
      if (event.key === 'Enter') event.preventDefault();
    });
  }
  form.addEventListener('focusin', () => {
    if (!focused) post({ type: 'focus' });
    focused = true;
  });
  form.addEventListener('focusout', (event) => {
    if (event.relatedTarget && form.contains(event.relatedTarget)) return;
    focused = false;
    post({ type: 'blur' });
  });
  form.addEventListener('submit', (event) => event.preventDefault());

  function applyOptions() {
    const base = (options.style && options.style.base) || {};
    const invalid = (options.style && options.style.invalid) || {};
    const vars = {
      '--color': base.color,
      '--font-family': base.fontFamily,
      '--font-size': base.fontSize,
      '--font-weight': base.fontWeight,
      '--line-height': base.lineHeight,
      '--letter-spacing': base.letterSpacing,
      '--placeholder-color': base['::placeholder'] && base['::placeholder'].color,
      '--icon-color': base.iconColor,
      '--invalid-color': invalid.color,
    };
    for (const [name, value] of Object.entries(vars)) {
      if (value) document.documentElement.style.setProperty(name, String(value));
      else document.documentElement.style.removeProperty(name);
    }
    form.toggleAttribute('data-hide-postal', Boolean(options.hidePostalCode));
    form.toggleAttribute('data-hide-icon', Boolean(options.hideIcon));
    for (const input of Object.values(fields)) input.disabled = Boolean(options.disabled);
    if (options.value && typeof options.value.postalCode === 'string') {
      fields.postal.value = options.value.postalCode;
    }
    render();
  }

  function clear() {
    for (const input of Object.values(fields)) input.value = '';
    blurred.clear();
    render();
  }

  async function createPaymentMethod(params) {
    const { current, error } = render(true);
    if (error || !current.complete) return { error };
    const expiry = digitsOf(fields.expiry.value);
    const billing = { ...(params.billing_details || {}) };
    if (postalShown() && fields.postal.value.trim()) {
      billing.address = { ...(billing.address || {}), postal_code: fields.postal.value.trim() };
    }
    const body = formEncode({
      ...params,
      type: 'card',
      card: {
        number: digitsOf(fields.number.value),
        exp_month: Number(expiry.slice(0, 2)),
        exp_year: 2000 + Number(expiry.slice(2, 4)),
        cvc: digitsOf(fields.cvc.value),
      },
      billing_details: Object.keys(billing).length ? billing : undefined,
    });
    try {
      const response = await fetch('/v1/payment_methods', {
        method: 'POST',
        headers: { Authorization: `Bearer ${config.key}` },
        body,
      });
      const json = await response.json().catch(() => null);
      if (response.ok && json) return { paymentMethod: json };
      return {
        error: (json && json.error) || { type: 'api_error', message: `HTTP ${response.status}` },
      };
    } catch {
      return {
        error: {
          type: 'api_connection_error',
          message: 'An error occurred with our connection to Stripe.',
        },
      };
    }
  }

  function formEncode(params, prefix = '', out = new URLSearchParams()) {
    for (const [key, value] of Object.entries(params || {})) {
      if (value === undefined || value === null) continue;
      const name = prefix ? `${prefix}[${key}]` : key;
      if (typeof value === 'object') formEncode(value, name, out);
      else out.append(name, String(value));
    }
    return out;
  }

  window.addEventListener('message', async (event) => {
    const data = event.data;
    if (
      event.origin !== hostOrigin ||
      event.source !== window.parent ||
      !data ||
      data.source !== 'sim-stripe-host'
    ) {
      return;
    }
    switch (data.type) {
      case 'update':
        options = data.options || {};
        applyOptions();
        break;
      case 'clear':
        clear();
        break;
      case 'focus':
        fields.number.focus();
        break;
      case 'blur':
        if (form.contains(document.activeElement)) document.activeElement.blur();
        break;
      case 'validate': {
        const { error } = render(true);
        post({ type: 'result', requestId: data.requestId, result: error ? { error } : {} });
        break;
      }
      case 'create-payment-method':
        post({
          type: 'result',
          requestId: data.requestId,
          result: await createPaymentMethod(data.params || {}),
        });
        break;
      default:
    }
  });

  const reportHeight = () =>
    post({ type: 'resize', height: Math.ceil(form.getBoundingClientRect().height) });
  new ResizeObserver(reportHeight).observe(form);
  applyOptions();
  started = true;
  reportHeight();
  post({ type: 'ready' });
})();
