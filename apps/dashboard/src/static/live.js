/*
 * Gatehouse live pages: what the page does with the events of GET /live (routes/live/hub.ts).
 * htmx and its SSE extension hold the connection (the body's sse-connect) and refresh the
 * [data-live-region] parts; this script adds what is ours:
 *   signed-out -> the "you were signed out" page, saying why;   reload -> the page reloads;
 *   the header's "Live" badge; polite announcements of new rows; no refresh while the keyboard
 *   focus is inside a region (it waits until focus leaves), so focus is never stolen or lost.
 * Served from our origin under script-src 'self'; without it every page works the same.
 */
(function () {
  'use strict';
  var body = document.body;
  if (!body || !body.hasAttribute('sse-connect') || typeof window.htmx === 'undefined' || typeof window.EventSource === 'undefined') return;

  var indicator = document.getElementById('live-indicator');
  var announcer = document.getElementById('live-announcer');
  var leaving = false;

  function here() {
    return location.pathname + location.search;
  }

  function setState(state, text) {
    if (!indicator) return;
    indicator.hidden = false;
    indicator.setAttribute('data-state', state);
    var label = indicator.querySelector('.live-indicator__text');
    if (label) label.textContent = text;
  }

  function announce(text) {
    if (!announcer) return;
    // Cleared first, so the same words twice are announced twice.
    announcer.textContent = '';
    window.setTimeout(function () { announcer.textContent = text; }, 100);
  }

  function parse(data) {
    try {
      var value = JSON.parse(data);
      return value && typeof value === 'object' ? value : {};
    } catch (e) {
      return {};
    }
  }

  function signedOut(reason) {
    if (leaving) return;
    leaving = true;
    var query = new URLSearchParams({ returnTo: here() });
    if (typeof reason === 'string' && /^[a-z_]{1,40}$/.test(reason)) query.set('reason', reason);
    location.replace('/signed-out?' + query.toString());
  }

  function reload() {
    if (leaving) return;
    leaving = true;
    location.reload();
  }

  // This page is navigating away (a form was sent — sign-out among them — or a link followed):
  // what the stream says next is about the page being left. Above all, the tab that signs out
  // must follow the sign-out through Okta, not the "signed out elsewhere" page its own stream
  // announces a moment later.
  document.addEventListener('submit', function (event) {
    if (!event.defaultPrevented) leaving = true;
  });
  window.addEventListener('pagehide', function () { leaving = true; });

  // Regions refresh from this very page (its filters and page number included).
  var regions = document.querySelectorAll('[data-live-region]');
  for (var i = 0; i < regions.length; i++) regions[i].setAttribute('hx-get', here());

  body.addEventListener('htmx:sseOpen', function (event) {
    var source = event.detail && event.detail.source;
    if (source && !source.gatehouseBound) {
      source.gatehouseBound = true;
      source.addEventListener('signed-out', function (message) { signedOut(parse(message.data).reason); });
      source.addEventListener('reload', reload);
    }
    body.setAttribute('data-live-state', 'live');
    setState('live', 'Live');
  });

  body.addEventListener('htmx:sseError', function (event) {
    if (leaving) return;
    var source = event.detail && event.detail.source;
    body.setAttribute('data-live-state', 'offline');
    if (!source || source.readyState !== EventSource.CLOSED) {
      setState('offline', 'Reconnecting…');
      return;
    }
    // The server refused the stream (no session, too many tabs, shutting down): ask which.
    fetch('/api/me', { credentials: 'same-origin', headers: { accept: 'application/json', 'x-gatehouse-background': '1' } }).then(
      function (res) {
        if (res.status === 401) signedOut(null);
        else setState('paused', 'Live updates paused');
      },
      function () { setState('offline', 'Reconnecting…'); },
    );
  });

  function regionOf(target) {
    return target && target.matches && target.matches('[data-live-region]') ? target : null;
  }

  function focusInside(region) {
    var active = document.activeElement;
    return !!active && active !== body && region.contains(active);
  }

  // Hold a refresh while the keyboard focus is inside the region; run it once focus has left.
  body.addEventListener('htmx:confirm', function (event) {
    var region = regionOf(event.target);
    if (!region || !focusInside(region)) return;
    event.preventDefault();
    if (region.hasAttribute('data-live-pending')) return;
    region.setAttribute('data-live-pending', '');
    var issue = event.detail.issueRequest;
    function onFocusOut() {
      // Where focus went is known only after the event; a window switch leaves it inside.
      window.setTimeout(function () {
        if (focusInside(region)) return;
        region.removeEventListener('focusout', onFocusOut);
        region.removeAttribute('data-live-pending');
        issue(true);
      }, 0);
    }
    region.addEventListener('focusout', onFocusOut);
  });

  function keys(region) {
    var found = {};
    var rows = region.querySelectorAll('[data-live-key]');
    for (var j = 0; j < rows.length; j++) found[rows[j].getAttribute('data-live-key')] = true;
    return found;
  }

  body.addEventListener('htmx:beforeSwap', function (event) {
    var region = regionOf(event.detail.target);
    if (!region) return;
    region.gatehouseKeys = keys(region);
    region.gatehouseText = region.textContent;
  });

  body.addEventListener('htmx:afterSwap', function (event) {
    var region = regionOf(event.detail.target);
    if (!region) return;
    var before = region.gatehouseKeys || {};
    var fresh = 0;
    var rows = region.querySelectorAll('[data-live-key]');
    for (var j = 0; j < rows.length; j++) {
      if (!before[rows[j].getAttribute('data-live-key')]) {
        rows[j].classList.add('live-new');
        fresh++;
      }
    }
    region.setAttribute('data-live-updated', String(Date.now()));
    if (fresh === 0 && region.textContent === region.gatehouseText) return;
    var label = region.getAttribute('data-live-region');
    announce(label + ' updated' + (fresh > 0 ? ': ' + fresh + ' new' : '') + '.');
  });
})();
