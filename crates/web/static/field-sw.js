// The field page's service worker: keeps the page, its script, style,
// manifest and icon, so that /field opens without network. The page itself
// is asked of the network first (a fresh sign-in and CSRF token), the copy
// used when there is none. Nothing else is touched: the lists live in the
// page's IndexedDB, and API answers are never cached here.
"use strict";
const CACHE = "phuxanh-field-1";
const SHELL = ["/field", "/static/field.js", "/static/style.css", "/field.webmanifest", "/static/icon-192.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !SHELL.includes(url.pathname)) {
    return;
  }
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((c) => c.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() => caches.match(url.pathname).then((hit) => hit || Response.error())),
  );
});
