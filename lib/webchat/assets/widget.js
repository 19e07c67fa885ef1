/* omnigate web chat widget: plain JavaScript, no framework, no third-party
 * requests. Embedded with one tag:
 *   <script src="https://<omnigate>/webchat/<connector>/widget.js" async></script>
 * Optional attributes: data-token (a visitor token your backend signed),
 * data-lang ("en" | "id"; default: the page's <html lang>), data-title. */
(function () {
  "use strict";
  if (window.__omnigateWebchat) return; // one widget per page

  var script =
    document.currentScript ||
    document.querySelector('script[src*="/webchat/"][src$="/widget.js"]');
  if (!script) return;
  var src = new URL(script.src, location.href);
  var match = src.pathname.match(/^\/webchat\/([^/]+)\/widget\.js$/);
  if (!match) return;
  var connector = decodeURIComponent(match[1]);
  var api = src.origin + "/webchat/" + encodeURIComponent(connector);
  var storageKey = "omnigate-webchat:" + src.origin + ":" + connector;

  var TEXT = {
    en: {
      open: "Chat with us",
      close: "Close chat",
      title: "Chat",
      placeholder: "Type your message",
      send: "Send",
      bot: "Assistant",
      agent: "Agent",
      you: "You",
      agentJoined: "An agent joined the chat",
      reconnecting: "Connection lost, reconnecting...",
      failed: "Not sent. Tap to retry.",
      unavailable: "Chat is unavailable right now.",
      typing: "Typing...",
      tooLong: "That message is too long.",
      slowDown: "Please wait a moment before sending more."
    },
    id: {
      open: "Chat dengan kami",
      close: "Tutup chat",
      title: "Chat",
      placeholder: "Ketik pesan Anda",
      send: "Kirim",
      bot: "Asisten",
      agent: "Petugas",
      you: "Anda",
      agentJoined: "Petugas bergabung ke percakapan",
      reconnecting: "Koneksi terputus, menyambung kembali...",
      failed: "Tidak terkirim. Ketuk untuk mencoba lagi.",
      unavailable: "Chat sedang tidak tersedia.",
      typing: "Sedang mengetik...",
      tooLong: "Pesan terlalu panjang.",
      slowDown: "Mohon tunggu sebentar sebelum mengirim lagi."
    }
  };
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || "en")
    .toLowerCase()
    .slice(0, 2);
  var t = TEXT[lang] || TEXT.en;

  // ---- state ----------------------------------------------------------
  var token = null;
  var cursor = "0";
  var shown = {}; // message id -> element (dedupes optimistic sends)
  var agentSeen = false;
  var typingTimer = null;
  var polling = false;
  var stopped = false;

  // ---- DOM --------------------------------------------------------------
  var style = document.createElement("style");
  style.textContent = "__OMNIGATE_WIDGET_CSS__";
  document.head.appendChild(style);

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var root = el("div", "ogw-root");
  root.setAttribute("data-omnigate-webchat", connector);
  root.lang = lang;
  var launcher = el("button", "ogw-launcher", t.open);
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "ogw-panel");
  var panel = el("section", "ogw-panel");
  panel.id = "ogw-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", script.getAttribute("data-title") || t.title);
  var header = el("header", "ogw-header");
  header.appendChild(el("h2", "ogw-title", script.getAttribute("data-title") || t.title));
  var closeButton = el("button", "ogw-close", "\u00d7");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", t.close);
  header.appendChild(closeButton);
  var list = el("ol", "ogw-messages");
  list.setAttribute("role", "log");
  list.setAttribute("aria-live", "polite");
  var typing = el("div", "ogw-typing", t.typing);
  typing.hidden = true;
  var quick = el("div", "ogw-quick");
  var notice = el("div", "ogw-notice");
  notice.setAttribute("role", "status");
  notice.hidden = true;
  var form = el("form", "ogw-form");
  var input = el("input", "ogw-input");
  input.type = "text";
  input.maxLength = 4000;
  input.placeholder = t.placeholder;
  input.setAttribute("aria-label", t.placeholder);
  input.autocomplete = "off";
  var sendButton = el("button", "ogw-send", t.send);
  sendButton.type = "submit";
  form.appendChild(input);
  form.appendChild(sendButton);
  panel.appendChild(header);
  panel.appendChild(list);
  panel.appendChild(typing);
  panel.appendChild(quick);
  panel.appendChild(notice);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    input.focus();
    start();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () {
    if (panel.hidden) open();
    else close();
  });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") close();
  });

  function showNotice(text) {
    notice.textContent = text || "";
    notice.hidden = !text;
  }

  // ---- rendering ----------------------------------------------------------
  // Text with http(s) links made clickable; everything else stays text.
  function appendText(parent, text) {
    var re = /https?:\/\/[^\s<>"']+/g;
    var last = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = el("a", null, m[0]);
      a.href = m[0];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.appendChild(a);
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function isWebUrl(url) {
    return /^https?:\/\//i.test(url || "");
  }

  function render(message) {
    if (!message || !message.id) return;
    var existing = shown[message.id];
    if (existing) {
      existing.classList.remove("ogw-pending", "ogw-failed");
      return;
    }
    var role = message.role === "agent" || message.role === "bot" ? message.role : "customer";
    if (role === "agent" && !agentSeen) {
      agentSeen = true;
      list.appendChild(el("li", "ogw-system", t.agentJoined));
    }
    var item = el("li", "ogw-msg ogw-" + role);
    item.setAttribute("data-id", message.id);
    item.appendChild(el("span", "ogw-author", role === "customer" ? t.you : t[role]));
    var body = el("div", "ogw-body");
    appendText(body, message.text || "");
    (message.attachments || []).forEach(function (a) {
      if (!isWebUrl(a.url)) return;
      if (/^image\//.test(a.mime_type || "")) {
        var img = el("img", "ogw-image");
        img.src = a.url;
        img.alt = a.caption || a.filename || "";
        body.appendChild(img);
      } else {
        var link = el("a", "ogw-file", a.filename || a.url);
        link.href = a.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        body.appendChild(link);
      }
    });
    item.appendChild(body);
    list.appendChild(item);
    shown[message.id] = item;
    if (role !== "customer") {
      setTyping(false);
      showQuickReplies(message.quick_replies || []);
    }
    list.scrollTop = list.scrollHeight;
    return item;
  }

  function showQuickReplies(options) {
    quick.textContent = "";
    options.forEach(function (option) {
      if (!option || !option.title) return;
      var b = el("button", "ogw-quick-reply", option.title);
      b.type = "button";
      b.addEventListener("click", function () {
        quick.textContent = "";
        send(option.title, option.payload);
      });
      quick.appendChild(b);
    });
  }

  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    // The bot answers in seconds; nobody should stare at dots forever.
    if (on) typingTimer = setTimeout(function () { typing.hidden = true; }, 15000);
  }

  // ---- API ----------------------------------------------------------------
  function call(method, path, body) {
    var headers = {};
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(api + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (json) {
        return { status: r.status, json: json };
      });
    });
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function loadSession() {
    var signed = script.getAttribute("data-token");
    var saved = null;
    try { saved = localStorage.getItem(storageKey); } catch (e) { /* private mode */ }
    var body = signed ? { token: signed } : saved ? { token: saved } : {};
    return call("POST", "/session", body).then(function (r) {
      if (r.status === 401 && !signed && saved) {
        // An expired anonymous session: start a fresh one.
        try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
        return call("POST", "/session", {});
      }
      return r;
    }).then(function (r) {
      if (r.status !== 200 || !r.json.token) throw new Error(r.json.error || "session");
      token = r.json.token;
      try { localStorage.setItem(storageKey, token); } catch (e) { /* ignore */ }
    });
  }

  // Long-polls forever; a lost connection retries with backoff and picks up
  // after the last message seen, so nothing acknowledged is missed.
  function pollLoop() {
    if (polling || stopped) return;
    polling = true;
    var delay = 500;
    function next(wait) {
      if (stopped) return;
      call("GET", "/poll?after=" + encodeURIComponent(cursor) + (wait ? "&wait=1" : ""))
        .then(function (r) {
          if (r.status === 401) {
            token = null;
            return loadSession().then(function () { next(false); });
          }
          if (r.status !== 200) throw new Error("poll " + r.status);
          showNotice("");
          delay = 500;
          (r.json.messages || []).forEach(function (m) { render(m.message); });
          if (r.json.cursor) cursor = r.json.cursor;
          next(true);
        })
        .catch(function () {
          showNotice(t.reconnecting);
          delay = Math.min(delay * 2, 10000);
          sleep(delay).then(function () { next(false); });
        });
    }
    next(false);
  }

  // Live replies: a WebSocket when it works, long-polling when it does not
  // (proxies that refuse upgrades, old browsers). A dropped socket
  // reconnects after the last message seen, so nothing is missed.
  var socketFailures = 0;
  function connectLive() {
    if (stopped) return;
    if (!("WebSocket" in window) || socketFailures >= 3) {
      pollLoop();
      return;
    }
    var ws = new WebSocket(api.replace(/^http/, "ws") + "/socket");
    var ready = false;
    ws.onopen = function () {
      ws.send(JSON.stringify({ type: "hello", token: token, after: cursor }));
    };
    ws.onmessage = function (e) {
      var m;
      try { m = JSON.parse(e.data); } catch (err) { return; }
      if (m.type === "ready") {
        ready = true;
        socketFailures = 0;
        showNotice("");
      } else if (m.type === "messages") {
        (m.messages || []).forEach(function (item) { render(item.message); });
        if (m.cursor) cursor = m.cursor;
      } else if (m.type === "error" && /^token|^anonymous/.test(m.error || "")) {
        token = null; // the next connection starts a new session
      }
    };
    ws.onclose = function () {
      if (stopped) return;
      if (!ready) socketFailures++;
      showNotice(t.reconnecting);
      var delay = Math.min(500 * Math.pow(2, socketFailures), 8000);
      sleep(delay).then(function () {
        return token ? null : loadSession();
      }).then(connectLive, function () {
        socketFailures++;
        connectLive();
      });
    };
  }

  var started = null;
  function start() {
    if (!started) {
      started = loadSession().then(connectLive, function () {
        showNotice(t.unavailable);
        started = null;
      });
    }
    return started;
  }

  function newId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return "m-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // Sends once per id: retries reuse it, so the gateway stores it once.
  function send(text, payload) {
    var id = newId();
    var item = render({ id: id, role: "customer", text: text });
    item.classList.add("ogw-pending");
    quick.textContent = "";
    setTyping(true);
    var body = { client_message_id: id, text: text, locale: lang, page_url: location.href };
    if (payload) body.quick_reply = { payload: payload };
    function attempt(n) {
      return (token ? Promise.resolve() : start()).then(function () {
        return call("POST", "/messages", body);
      }).then(function (r) {
        if (r.status === 200) {
          item.classList.remove("ogw-pending");
          return;
        }
        if (r.status === 413) throw { final: t.tooLong };
        if (r.status === 429 && n >= 3) throw { final: t.slowDown };
        if (r.status >= 400 && r.status < 500 && r.status !== 429) throw { final: t.failed };
        throw new Error("retry");
      }).catch(function (e) {
        if (e && e.final) throw e;
        if (n >= 6) throw { final: t.failed };
        return sleep(Math.min(500 * Math.pow(2, n), 8000)).then(function () {
          return attempt(n + 1);
        });
      });
    }
    attempt(0).catch(function (e) {
      item.classList.remove("ogw-pending");
      item.classList.add("ogw-failed");
      item.title = e.final;
      setTyping(false);
      item.tabIndex = 0;
      item.addEventListener("click", function retry() {
        item.removeEventListener("click", retry);
        item.classList.remove("ogw-failed");
        item.classList.add("ogw-pending");
        attempt(0).then(null, function () { item.classList.add("ogw-failed"); });
      });
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  window.addEventListener("pagehide", function () { stopped = true; });

  function mount() {
    document.body.appendChild(root);
    // A visitor with a session sees its history at once on reload.
    var saved = null;
    try { saved = localStorage.getItem(storageKey); } catch (e) { /* ignore */ }
    if (saved || script.getAttribute("data-open") === "true") open();
  }
  window.__omnigateWebchat = { open: open, close: close };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
