/*
 * Warden's WebAuthn helper for self-service UIs (login and settings).
 *
 * A flow's webauthn_login_trigger / webauthn_register_trigger node calls
 * window.__oryWebAuthnLogin(options) or window.__oryWebAuthnRegistration(options)
 * from its onclick. The options are {"publicKey": {...}} with binary values in
 * base64url. The helper asks the browser for the credential, writes it as JSON
 * (binary values in base64url) into the hidden webauthn_login /
 * webauthn_register input, and submits that input's form.
 */
(function (w) {
  'use strict';
  if (!w || w.__wardenWebAuthn) {
    return;
  }

  function toBytes(text) {
    var b64 = String(text).replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4 !== 0) {
      b64 += '=';
    }
    var raw = w.atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      out[i] = raw.charCodeAt(i);
    }
    return out;
  }

  function toText(buffer) {
    if (!buffer) {
      return '';
    }
    var bytes = new Uint8Array(buffer);
    var raw = '';
    for (var i = 0; i < bytes.length; i++) {
      raw += String.fromCharCode(bytes[i]);
    }
    return w.btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      var copy = {};
      for (var k in d) {
        if (Object.prototype.hasOwnProperty.call(d, k)) {
          copy[k] = d[k];
        }
      }
      copy.id = toBytes(d.id);
      return copy;
    });
  }

  function supported() {
    if (!w.PublicKeyCredential || !w.navigator || !w.navigator.credentials) {
      w.alert('This browser does not support WebAuthn!');
      return false;
    }
    return true;
  }

  function finish(result, resultSelector, triggerSelector) {
    var input = w.document.querySelector(resultSelector);
    input.value = JSON.stringify(result);
    var trigger = w.document.querySelector(triggerSelector);
    var form = (trigger && trigger.closest('form')) || input.form;
    form.submit();
  }

  function login(options, resultSelector, triggerSelector) {
    if (!supported()) {
      return;
    }
    var pk = options.publicKey;
    pk.challenge = toBytes(pk.challenge);
    pk.allowCredentials = descriptors(pk.allowCredentials);
    w.navigator.credentials.get(options).then(function (cred) {
      finish({
        id: cred.id,
        rawId: toText(cred.rawId),
        type: cred.type,
        response: {
          authenticatorData: toText(cred.response.authenticatorData),
          clientDataJSON: toText(cred.response.clientDataJSON),
          signature: toText(cred.response.signature),
          userHandle: toText(cred.response.userHandle)
        }
      }, resultSelector || '*[name="webauthn_login"]', triggerSelector || '*[name="webauthn_login_trigger"]');
    }).catch(function (err) {
      w.alert(err);
    });
  }

  function register(options, resultSelector, triggerSelector) {
    if (!supported()) {
      return;
    }
    var pk = options.publicKey;
    pk.challenge = toBytes(pk.challenge);
    pk.user.id = toBytes(pk.user.id);
    if (pk.excludeCredentials) {
      pk.excludeCredentials = descriptors(pk.excludeCredentials);
    }
    w.navigator.credentials.create(options).then(function (cred) {
      var response = {
        attestationObject: toText(cred.response.attestationObject),
        clientDataJSON: toText(cred.response.clientDataJSON)
      };
      if (typeof cred.response.getTransports === 'function') {
        response.transports = cred.response.getTransports();
      }
      finish({
        id: cred.id,
        rawId: toText(cred.rawId),
        type: cred.type,
        response: response
      }, resultSelector || '*[name="webauthn_register"]', triggerSelector || '*[name="webauthn_register_trigger"]');
    }).catch(function (err) {
      w.alert(err);
    });
  }

  w.__oryWebAuthnLogin = login;
  w.__oryWebAuthnRegistration = register;
  // The names Kratos v1 uses (onclickTrigger).
  w.oryWebAuthnLogin = login;
  w.oryWebAuthnRegistration = register;
  w.__oryWebAuthnInitialized = true;
  w.__wardenWebAuthn = true;
})(typeof window === 'undefined' ? undefined : window);
