/*
 * Stripe.js stand-in, served by the Paydeck Stripe simulator (GET /v3/, /stripe.js,
 * /<release train>/stripe.js). It defines `window.Stripe` with the subset of Stripe.js that
 * `@stripe/stripe-js` and `@stripe/react-stripe-js` use for the Card Element flows.
 *
 * Like Stripe.js, card details never pass through the host page: they are typed into an iframe
 * served from the simulator's origin (/elements/card-frame.html), which creates the
 * PaymentMethod itself and hands back only the `pm_…` object. The host page talks to the
 * simulator's API (the origin this script was loaded from) with the publishable key, and shows
 * 3-D Secure challenges in a modal iframe.
 */
(() => {
  'use strict';

  const RELEASE_TRAIN = 'endive'; // what @stripe/stripe-js 10 expects in Stripe.version
  const SCRIPT_URL = document.currentScript ? document.currentScript.src : location.href;
  const SIM_ORIGIN = new URL(SCRIPT_URL).origin;
  const FRAME_URL = `${SIM_ORIGIN}/elements/card-frame.html`;
  const FRAME_TITLE = 'Secure card payment input frame';
  const AUTH_FAILED_MESSAGE =
    'We are unable to authenticate your payment method. Please choose a different payment method and try again.';

  /** Stripe.js throws IntegrationError for programming mistakes; API failures resolve `{error}`. */
  class IntegrationError extends Error {
    constructor(message) {
      super(message);
      this.name = 'IntegrationError';
    }
  }

  /** Stripe's form encoding: nested objects and arrays as `a[b][0]=…`. */
  function formEncode(params, prefix = '', out = new URLSearchParams()) {
    for (const [key, value] of Object.entries(params || {})) {
      if (value === undefined || value === null) continue;
      const name = prefix ? `${prefix}[${key}]` : key;
      if (typeof value === 'object') formEncode(value, name, out);
      else out.append(name, String(value));
    }
    return out;
  }

  const INTENTS = {
    payment_intent: {
      path: 'payment_intents',
      prefix: 'pi_',
      result: 'paymentIntent',
      name: 'PaymentIntent',
    },
    setup_intent: {
      path: 'setup_intents',
      prefix: 'seti_',
      result: 'setupIntent',
      name: 'SetupIntent',
    },
  };

  function parseClientSecret(kind, clientSecret, method) {
    const match = /^((pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(String(clientSecret));
    if (!match || !String(clientSecret).startsWith(INTENTS[kind].prefix)) {
      throw new IntegrationError(
        `Invalid value for ${method} intent secret: value should be a ${INTENTS[kind].name} client ` +
          `secret. You specified: ${clientSecret}.`,
      );
    }
    return match[1];
  }

  // ---------------------------------------------------------------------------------------
  // Frames: one window listener routes messages from our iframes to their owners.

  const frameOwners = new Map(); // Window → handler(data)
  window.addEventListener('message', (event) => {
    const handler = frameOwners.get(event.source);
    if (handler) handler(event.data, event.origin);
  });

  let frameCounter = 0;

  // ---------------------------------------------------------------------------------------
  // The Card Element (host side). The inputs and their validation live in card-frame.js.

  const EVENT_TYPES = new Set([
    'ready',
    'change',
    'focus',
    'blur',
    'escape',
    'click',
    'loaderror',
    'loaderstart',
  ]);

  class CardElement {
    constructor(group, options) {
      this._group = group;
      this._options = { ...options };
      this._listeners = new Map();
      this._pending = new Map();
      this._requestCounter = 0;
      this._state = {
        empty: true,
        complete: false,
        error: undefined,
        brand: 'unknown',
        focused: false,
      };
      this._frame = null;
      this._mountNode = null;
      this._destroyed = false;
      this._frameReady = null;
    }

    mount(domElement) {
      this._assertAlive();
      if (this._frame) {
        throw new IntegrationError(
          'This Element is already mounted. Use `unmount()` to unmount the Element before re-mounting.',
        );
      }
      const node = typeof domElement === 'string' ? document.querySelector(domElement) : domElement;
      if (!node || typeof node.appendChild !== 'function') {
        throw new IntegrationError(
          `The selector you specified (${domElement}) applies to no DOM elements.`,
        );
      }
      const id = `${(frameCounter += 1)}`;
      const config = {
        id,
        key: this._group._stripe._key,
        hostOrigin: location.origin,
        options: this._frameOptions(),
      };
      const wrapper = document.createElement('div');
      wrapper.className = '__PrivateStripeElement';
      Object.assign(wrapper.style, {
        margin: '0',
        padding: '0',
        border: 'none',
        display: 'block',
        position: 'relative',
      });
      const frame = document.createElement('iframe');
      frame.name = `__privateStripeFrame${id}`;
      frame.title = FRAME_TITLE;
      frame.setAttribute('frameborder', '0');
      frame.setAttribute('allowtransparency', 'true');
      frame.setAttribute('scrolling', 'no');
      frame.setAttribute('role', 'presentation');
      frame.src = `${FRAME_URL}#${encodeURIComponent(JSON.stringify(config))}`;
      Object.assign(frame.style, {
        border: 'none',
        margin: '0',
        padding: '0',
        width: '1px',
        minWidth: '100%',
        overflow: 'hidden',
        display: 'block',
        height: '24px',
        colorScheme: 'light only',
      });
      this._frameReady = new Promise((resolve) => (this._resolveReady = resolve));
      wrapper.appendChild(frame);
      node.appendChild(wrapper);
      this._frame = frame;
      this._wrapper = wrapper;
      this._mountNode = node;
      frameOwners.set(frame.contentWindow, (data, origin) => this._onFrameMessage(data, origin));
      this._applyClasses();
      this._emit('loaderstart', { elementType: 'card' });
    }

    unmount() {
      this._assertAlive();
      if (!this._frame) return;
      frameOwners.delete(this._frame.contentWindow);
      for (const { resolve } of this._pending.values()) {
        resolve({ error: { type: 'validation_error', message: 'The Element was unmounted.' } });
      }
      this._pending.clear();
      this._wrapper.remove();
      this._removeClasses();
      this._frame = null;
      this._wrapper = null;
      this._mountNode = null;
      this._state = {
        empty: true,
        complete: false,
        error: undefined,
        brand: 'unknown',
        focused: false,
      };
    }

    destroy() {
      this._assertAlive();
      this.unmount();
      this._destroyed = true;
      this._group._remove(this);
    }

    update(options) {
      this._assertAlive();
      Object.assign(this._options, options);
      this._post({ type: 'update', options: this._frameOptions() });
    }

    clear() {
      this._post({ type: 'clear' });
    }

    focus() {
      if (this._frame) this._frame.focus();
      this._post({ type: 'focus' });
    }

    blur() {
      this._post({ type: 'blur' });
    }

    on(event, handler) {
      if (!EVENT_TYPES.has(event))
        throw new IntegrationError(`Unsupported event type for the card Element: ${event}.`);
      if (typeof handler !== 'function')
        throw new IntegrationError('The event handler must be a function.');
      if (!this._listeners.has(event)) this._listeners.set(event, []);
      this._listeners.get(event).push({ handler, once: false });
      return this;
    }

    once(event, handler) {
      this.on(event, handler);
      this._listeners.get(event).at(-1).once = true;
      return this;
    }

    off(event, handler) {
      const list = this._listeners.get(event);
      if (list) {
        this._listeners.set(event, handler ? list.filter((l) => l.handler !== handler) : []);
      }
      return this;
    }

    /** Asks the frame to validate and create a PaymentMethod; resolves `{paymentMethod}` or `{error}`. */
    async _createPaymentMethod(params) {
      if (this._destroyed || !this._frame) {
        throw new IntegrationError(
          'We could not retrieve data from the specified Element. Please make sure the Element you are attempting to use is still mounted.',
        );
      }
      return this._request({ type: 'create-payment-method', params });
    }

    async _validate() {
      if (!this._frame)
        return {
          error: {
            type: 'validation_error',
            code: 'incomplete_number',
            message: 'Your card number is incomplete.',
          },
        };
      return this._request({ type: 'validate' });
    }

    _request(message) {
      const requestId = `${(this._requestCounter += 1)}`;
      return new Promise((resolve) => {
        this._pending.set(requestId, { resolve });
        this._post({ ...message, requestId });
      });
    }

    _frameOptions() {
      const { hidePostalCode, style, value, disabled, iconStyle, hideIcon, placeholder } =
        this._options;
      return { hidePostalCode, style, value, disabled, iconStyle, hideIcon, placeholder };
    }

    /** Messages wait for the frame's `ready`: before it, the iframe still holds about:blank. */
    _post(message) {
      const frame = this._frame;
      if (!frame) return;
      this._frameReady.then(() => {
        if (this._frame === frame)
          frame.contentWindow.postMessage({ source: 'sim-stripe-host', ...message }, SIM_ORIGIN);
      });
    }

    _onFrameMessage(data, origin) {
      if (origin !== SIM_ORIGIN || !data || data.source !== 'sim-card-frame') return;
      switch (data.type) {
        case 'ready':
          this._resolveReady();
          this._emit('ready', { elementType: 'card' });
          break;
        case 'resize':
          this._frame.style.height = `${data.height}px`;
          break;
        case 'change':
          Object.assign(this._state, {
            empty: data.empty,
            complete: data.complete,
            error: data.error,
            brand: data.brand,
          });
          this._applyClasses();
          this._emit('change', {
            elementType: 'card',
            empty: data.empty,
            complete: data.complete,
            error: data.error,
            brand: data.brand,
            value: { postalCode: data.postalCode },
          });
          break;
        case 'focus':
        case 'blur':
          this._state.focused = data.type === 'focus';
          this._applyClasses();
          this._emit(data.type, { elementType: 'card' });
          break;
        case 'escape':
          this._emit('escape', { elementType: 'card' });
          break;
        case 'result': {
          const pending = this._pending.get(data.requestId);
          this._pending.delete(data.requestId);
          if (pending) pending.resolve(data.result);
          break;
        }
        default:
      }
    }

    _emit(event, payload) {
      const list = this._listeners.get(event) || [];
      this._listeners.set(
        event,
        list.filter((l) => !l.once),
      );
      for (const { handler } of list) handler(payload);
    }

    _classNames() {
      const custom = this._options.classes || {};
      return {
        base: custom.base || 'StripeElement',
        complete: custom.complete || 'StripeElement--complete',
        empty: custom.empty || 'StripeElement--empty',
        focus: custom.focus || 'StripeElement--focus',
        invalid: custom.invalid || 'StripeElement--invalid',
      };
    }

    _applyClasses() {
      if (!this._mountNode) return;
      const names = this._classNames();
      const list = this._mountNode.classList;
      list.add(names.base);
      list.toggle(names.complete, this._state.complete);
      list.toggle(names.empty, this._state.empty);
      list.toggle(names.focus, this._state.focused);
      list.toggle(names.invalid, Boolean(this._state.error));
    }

    _removeClasses() {
      if (!this._mountNode) return;
      for (const name of Object.values(this._classNames())) this._mountNode.classList.remove(name);
    }

    _assertAlive() {
      if (this._destroyed) {
        throw new IntegrationError(
          'This Element has already been destroyed. Please create a new one.',
        );
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Elements group

  class Elements {
    constructor(stripe, options) {
      this._stripe = stripe;
      this._options = { ...options };
      this._elements = new Map();
    }

    create(type, options = {}) {
      if (type !== 'card') {
        throw new IntegrationError(
          `The Stripe simulator's Stripe.js stand-in supports only the 'card' Element, not '${type}'.`,
        );
      }
      if (this._elements.has(type)) {
        throw new IntegrationError(`Can only create one Element of type ${type}.`);
      }
      const element = new CardElement(this, options);
      this._elements.set(type, element);
      return element;
    }

    /** Takes a type name, or a component carrying `__elementType` (react-stripe-js's CardElement). */
    getElement(type) {
      const name = typeof type === 'string' ? type : type && type.__elementType;
      return this._elements.get(name) || null;
    }

    update(options) {
      Object.assign(this._options, options);
    }

    /** Validates the form, like `elements.submit()` (used by the deferred-intent flows). */
    async submit() {
      const card = this._elements.get('card');
      if (!card) return {};
      const result = await card._validate();
      return result.error ? { error: result.error } : {};
    }

    _remove(element) {
      for (const [type, candidate] of this._elements) {
        if (candidate === element) this._elements.delete(type);
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // The 3-D Secure challenge: a modal with the simulator's challenge page in an iframe. Like
  // Stripe's, it takes keyboard focus when it opens (the page inside focuses its heading).

  function showChallenge(url, intentId) {
    return new Promise((resolve) => {
      const overlay = document.createElement('div');
      overlay.className = '__PrivateStripeElement-challenge';
      Object.assign(overlay.style, {
        position: 'fixed',
        inset: '0',
        zIndex: '2147483647',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        background: 'rgba(0, 0, 0, 0.45)',
      });
      const frame = document.createElement('iframe');
      frame.name = `__privateStripeFrame${(frameCounter += 1)}`;
      frame.title = '3D Secure authentication';
      frame.src = url;
      Object.assign(frame.style, {
        width: 'min(420px, 94vw)',
        height: 'min(380px, 90vh)',
        border: 'none',
        borderRadius: '8px',
        background: '#fff',
        boxShadow: '0 10px 40px rgba(0, 0, 0, 0.3)',
      });
      frame.addEventListener('load', () => frame.focus());
      overlay.appendChild(frame);
      document.body.appendChild(overlay);
      const challengeOrigin = new URL(url, SIM_ORIGIN).origin;
      frameOwners.set(frame.contentWindow, (data, origin) => {
        if (
          origin !== challengeOrigin ||
          !data ||
          data.type !== 'sim-3ds-result' ||
          data.intent !== intentId
        )
          return;
        frameOwners.delete(frame.contentWindow);
        overlay.remove();
        resolve(data.result);
      });
    });
  }

  // ---------------------------------------------------------------------------------------
  // The stripe object

  class StripeInstance {
    constructor(key, options) {
      this._key = key;
      this._options = { ...options };
      this._appInfo = null;
      this._wrappers = [];
    }

    elements(options) {
      return new Elements(this, options);
    }

    registerAppInfo(appInfo) {
      this._appInfo = appInfo;
    }

    _registerWrapper(wrapper) {
      this._wrappers.push(wrapper);
    }

    async _api(method, path, params) {
      const url = new URL(`/v1/${path}`, SIM_ORIGIN);
      const headers = { Authorization: `Bearer ${this._key}` };
      if (this._options.apiVersion) headers['Stripe-Version'] = this._options.apiVersion;
      if (this._options.stripeAccount) headers['Stripe-Account'] = this._options.stripeAccount;
      const init = { method, headers };
      if (method === 'GET') url.search = formEncode(params).toString();
      else init.body = formEncode(params);
      let response;
      try {
        response = await fetch(url, init);
      } catch {
        return {
          error: {
            type: 'api_connection_error',
            message: 'An error occurred with our connection to Stripe.',
          },
        };
      }
      const body = await response.json().catch(() => null);
      if (response.ok && body) return { data: body };
      return {
        error: (body && body.error) || {
          type: 'api_error',
          message: `Unexpected response from the Stripe simulator (HTTP ${response.status}).`,
        },
      };
    }

    // --- PaymentMethods

    async createPaymentMethod(paramsOrType, maybeElement, maybeData) {
      // Legacy form: createPaymentMethod('card', cardElement, {billing_details})
      const params =
        typeof paramsOrType === 'string'
          ? { type: paramsOrType, card: maybeElement, ...maybeData }
          : { ...paramsOrType };
      let element = params.card;
      let extra;
      if (params.elements) {
        element = params.elements.getElement('card');
        if (!element) {
          throw new IntegrationError(
            'createPaymentMethod: the Elements instance has no mounted card Element.',
          );
        }
        extra = params.params;
      } else {
        if (params.type !== 'card') {
          throw new IntegrationError(
            `createPaymentMethod: unsupported type '${params.type}' (only 'card').`,
          );
        }
        const { type: _type, card: _card, ...rest } = params;
        extra = rest;
      }
      if (!(element instanceof CardElement)) {
        throw new IntegrationError(
          'createPaymentMethod: `card` must be a card Element created by elements.create.',
        );
      }
      return element._createPaymentMethod(extra || {});
    }

    createToken() {
      return Promise.resolve({
        error: {
          type: 'invalid_request_error',
          message: 'The Stripe simulator does not support tokens; use createPaymentMethod.',
        },
      });
    }

    // --- Intents

    retrievePaymentIntent(clientSecret) {
      return this._retrieve('payment_intent', clientSecret, 'retrievePaymentIntent');
    }

    retrieveSetupIntent(clientSecret) {
      return this._retrieve('setup_intent', clientSecret, 'retrieveSetupIntent');
    }

    confirmCardPayment(clientSecret, data, options) {
      return this._confirm('payment_intent', clientSecret, data, options, 'confirmCardPayment');
    }

    confirmCardSetup(clientSecret, data, options) {
      return this._confirm('setup_intent', clientSecret, data, options, 'confirmCardSetup');
    }

    handleCardAction(clientSecret) {
      return this._handleAction('payment_intent', clientSecret, 'handleCardAction');
    }

    handleNextAction(options) {
      const clientSecret = options && options.clientSecret;
      const kind = String(clientSecret).startsWith('seti_') ? 'setup_intent' : 'payment_intent';
      return this._handleAction(kind, clientSecret, 'handleNextAction');
    }

    async _retrieve(kind, clientSecret, method) {
      const id = parseClientSecret(kind, clientSecret, method);
      const result = await this._api('GET', `${INTENTS[kind].path}/${id}`, {
        client_secret: clientSecret,
      });
      return result.error ? { error: result.error } : { [INTENTS[kind].result]: result.data };
    }

    async _confirm(kind, clientSecret, data = {}, options = {}, method) {
      const id = parseClientSecret(kind, clientSecret, method);
      const { payment_method: paymentMethod, ...rest } = data || {};
      const params = { ...rest, client_secret: clientSecret };
      if (typeof paymentMethod === 'string') {
        params.payment_method = paymentMethod;
      } else if (paymentMethod && paymentMethod.card instanceof CardElement) {
        const { card, ...details } = paymentMethod;
        const created = await card._createPaymentMethod(details);
        if (created.error) return { error: created.error };
        params.payment_method = created.paymentMethod.id;
      } else if (paymentMethod) {
        throw new IntegrationError(
          `${method}: payment_method must be a PaymentMethod id or {card: cardElement, billing_details}.`,
        );
      }
      const result = await this._api('POST', `${INTENTS[kind].path}/${id}/confirm`, params);
      if (result.error) return { error: result.error };
      const intent = result.data;
      if (intent.status === 'requires_action' && (options || {}).handleActions !== false) {
        return this._runNextAction(kind, clientSecret, intent);
      }
      return this._outcome(kind, intent);
    }

    async _handleAction(kind, clientSecret, method) {
      parseClientSecret(kind, clientSecret, method);
      const retrieved = await this._retrieve(kind, clientSecret, method);
      if (retrieved.error) return retrieved;
      const intent = retrieved[INTENTS[kind].result];
      if (intent.status !== 'requires_action') {
        throw new IntegrationError(
          `${method}: the ${INTENTS[kind].name} has status ${intent.status}; it must be requires_action.`,
        );
      }
      return this._runNextAction(kind, clientSecret, intent);
    }

    async _runNextAction(kind, clientSecret, intent) {
      const action = intent.next_action || {};
      let outcome;
      if (
        action.type === 'use_stripe_sdk' &&
        action.use_stripe_sdk &&
        action.use_stripe_sdk.stripe_js
      ) {
        outcome = await showChallenge(action.use_stripe_sdk.stripe_js, intent.id);
      } else if (action.type === 'redirect_to_url' && action.redirect_to_url) {
        location.assign(action.redirect_to_url.url);
        return new Promise(() => {}); // the page is navigating away, as with Stripe.js
      } else {
        return this._outcome(kind, intent);
      }
      const retrieved = await this._retrieve(kind, clientSecret, 'handleNextAction');
      if (retrieved.error) return retrieved;
      return this._outcome(kind, retrieved[INTENTS[kind].result], outcome === 'fail');
    }

    /** Turns an intent after confirmation or authentication into Stripe.js's result shape. */
    _outcome(kind, intent, authenticationFailed = false) {
      const lastError = intent.last_payment_error || intent.last_setup_error;
      const authFailureCode = `${kind}_authentication_failure`;
      const failed = intent.status === 'requires_payment_method';
      if (authenticationFailed || (failed && lastError && lastError.code === authFailureCode)) {
        return {
          error: {
            type: 'invalid_request_error',
            code: authFailureCode,
            message: AUTH_FAILED_MESSAGE,
            [kind]: intent,
          },
        };
      }
      if (failed && lastError) return { error: { ...lastError, [kind]: intent } };
      return { [INTENTS[kind].result]: intent };
    }
  }

  function Stripe(key, options) {
    if (typeof key !== 'string' || !/^pk_(test|live)_/.test(key)) {
      throw new IntegrationError(
        `Invalid API Key provided: ${key}. Stripe(…) takes a publishable key (pk_test_…).`,
      );
    }
    return new StripeInstance(key, options);
  }
  Stripe.version = RELEASE_TRAIN;

  if (!window.Stripe) window.Stripe = Stripe;
})();
