// SPDX-License-Identifier: GPL-3.0-or-later
// The caller's side of nlchat-web: one WebSocket to the server it came from, a session
// token kept in this tab's sessionStorage (no cookies), and a transcript the server
// replays on reload. Messages not yet accepted by the server wait in an outbox (also in
// sessionStorage) and are sent again, once, after a reconnect. Each message the caller
// wrote says how far it got: "sending" (still in this tab), "sent" (with nlchat-web,
// which keeps it while the chat service is away) and "delivered" (the chat service has
// it); the page never shows more than is true.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const log = $("log"), scroller = $("scroll"), text = $("text"), form = $("send"), typing = $("typing"), link = $("link");
  const endButton = $("end"), endedBox = $("ended"), endedText = $("ended-text"), again = $("again");
  const serviceNote = $("service");
  const delivered = new Set();  // ids of this chat's messages the chat service has

  const store = {
    get(k) { try { return sessionStorage.getItem(k); } catch (e) { return null; } },
    set(k, v) { try { sessionStorage.setItem(k, v); } catch (e) { /* storage off: this tab only */ } },
    drop(k) { try { sessionStorage.removeItem(k); } catch (e) { /* nothing kept */ } },
  };

  let token = store.get("nlchat-token");
  let nextId = Number(store.get("nlchat-next")) || 1;
  let outbox = [];
  try { outbox = JSON.parse(store.get("nlchat-outbox") || "[]"); } catch (e) { outbox = []; }
  let seen = 0, ws = null, retry = 0, retryTimer = null, stopped = false, started = false, ended = false;
  let composing = false, pauseTimer = null, maxChars = 1000;

  // Characters are counted as the server counts them: Unicode code points (an emoji is
  // one, though JavaScript's length says two). The text box has no maxlength, which would
  // silently cut a paste and count emoji twice: an overlong message stays in the box and
  // the page says why.
  const characters = (s) => [...s].length;

  // In the widget's frame, Escape asks the host page to close the box (key presses in
  // a frame do not reach the page around it).
  if (window.self !== window.top) {
    document.documentElement.classList.add("embedded");
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape") window.parent.postMessage({ nlchat: "close" }, "*");
    });
  }

  function saveOutbox() { store.set("nlchat-outbox", JSON.stringify(outbox)); }

  function line(kind, words, who) {
    const li = document.createElement("li");
    li.className = kind;
    if (who) {
      const label = document.createElement("span");
      label.className = "who";
      label.textContent = who + ": ";
      li.appendChild(label);
    }
    li.appendChild(document.createTextNode(words));
    log.appendChild(li);
    // Messages still on their way stay last, below whatever arrives meanwhile.
    if (!kind.includes("pending")) for (const p of log.querySelectorAll(".pending")) log.appendChild(p);
    scroller.scrollTop = scroller.scrollHeight;
    return li;
  }

  // The state shown after one of the caller's messages: "sent" or "delivered".
  function markState(li, state) {
    let el = li.querySelector(".state");
    if (!el) {
      el = document.createElement("span");
      el.className = "state";
      li.appendChild(el);
    }
    el.textContent = " \u00b7 " + state;
    li.dataset.state = state;
  }

  function showPending(item) {
    const li = line("you pending", item.text, "You (sending)");
    li.dataset.id = String(item.id);
  }

  function setStarted(on) {
    started = on;
    endButton.hidden = !started || ended;
  }

  function setEnded(words) {
    ended = true;
    typing.textContent = "";
    form.hidden = true;
    endButton.hidden = true;
    endedText.textContent = words;
    endedBox.hidden = false;
    again.focus();
  }

  function send(obj) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj));
  }

  // A message the server has answered for (taken or refused): out of the outbox and no
  // longer shown as on its way. Returns it, if this tab still had it.
  function settle(id) {
    const item = outbox.find((m) => m.id === id);
    outbox = outbox.filter((m) => m.id !== id);
    saveOutbox();
    const pending = log.querySelector('.pending[data-id="' + id + '"]');
    if (pending) pending.remove();
    return item;
  }

  function flushOutbox() { for (const item of outbox) send({ t: "msg", id: item.id, text: item.text }); }

  function onFrame(f) {
    switch (f.t) {
      case "welcome":
        retry = 0;
        link.textContent = "";
        if (token !== f.token || !f.resumed) {
          // A new chat (first visit, or the old one ended while we were away).
          log.textContent = "";
          delivered.clear();
          seen = 0;
          setStarted(false);
        }
        token = f.token;
        store.set("nlchat-token", token);
        $("notice").textContent = f.notice;
        maxChars = f.max_chars;
        // What the server accepted already comes back in the replay.
        outbox = outbox.filter((m) => m.id > f.last_id);
        if (nextId <= f.last_id) nextId = f.last_id + 1;
        saveOutbox();
        for (const el of log.querySelectorAll(".pending")) el.remove();
        break;
      case "ev":
        if (f.seq <= seen) return;
        seen = f.seq;
        if (f.kind === "you") {
          settle(f.id);
          const li = line("you", f.text, "You");
          li.dataset.msg = String(f.id);
          markState(li, delivered.has(f.id) ? "delivered" : "sent");
          setStarted(true);
        } else if (f.kind === "listener") {
          typing.textContent = "";
          line("listener", f.text, "Listener");
        } else if (f.kind === "service") {
          line("service", f.text, "Nightline");
        } else if (f.kind === "ended") {
          setEnded(f.text);  // said once, in the ended box (a status region)
        }
        break;
      case "typing":
        typing.textContent = f.on ? "A listener is typing\u2026" : "";
        break;
      case "delivered": {
        delivered.add(f.id);
        const li = log.querySelector('.you[data-msg="' + f.id + '"]');
        if (li) markState(li, "delivered");
        break;
      }
      case "service":
        // While the chat service is away the caller's messages wait with nlchat-web
        // (shown as "sent", not "delivered"), and the page says so.
        serviceNote.textContent = f.up ? "" : f.text;
        break;
      case "not_sent": {
        const item = settle(f.id);
        line("problem", f.text, "Not sent");
        if (item && !text.value) text.value = item.text;
        break;
      }
      case "refused":
      case "moved":
        stopped = true;
        setEnded(f.text);  // said once, in the ended box
        break;
      case "gone":
        // The chat this tab had no longer exists (it ended while we were away, or the
        // service restarted): what was still on its way was not delivered, and the page
        // says so, keeps what was shown, and offers a new chat.
        stopped = true;
        for (const item of outbox) {
          settle(item.id);
          line("problem", item.text, "Not sent");
        }
        store.drop("nlchat-token");
        token = null;
        setEnded(f.text);
        break;
    }
  }

  function connect() {
    clearTimeout(retryTimer);
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat";
    ws = new WebSocket(url, "nlchat");
    ws.onopen = () => {
      // With a token this tab is coming back to its chat; the server says "gone" if the
      // chat no longer exists instead of quietly starting a new one.
      send({ t: "hello", token: token, seen: seen, resume: !!token });
    };
    ws.onmessage = (e) => {
      let f;
      try { f = JSON.parse(e.data); } catch (err) { return; }
      const wasWelcome = f.t === "welcome";
      onFrame(f);
      if (wasWelcome) {
        for (const item of outbox) showPending(item);
        flushOutbox();
        if (f.ended && !ended) setEnded("This chat has ended.");
      }
    };
    ws.onclose = () => {
      ws = null;
      if (stopped) return;
      // Reconnect with a growing pause; the server keeps the chat for a while.
      retry = Math.min(retry + 1, 6);
      link.textContent = "Connection lost. Reconnecting\u2026";
      retryTimer = setTimeout(connect, Math.min(500 * 2 ** retry, 10000));
    };
  }

  function stopComposing() {
    clearTimeout(pauseTimer);
    if (composing) send({ t: "state", state: "paused" });
    composing = false;
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const words = text.value.trim();
    if (!words || ended) return;
    const count = characters(words);
    if (count > maxChars) {
      line("problem", "That message is " + count + " characters long; the limit is " + maxChars +
           ". It is still in the box: please shorten it, or send it in parts.", "Not sent");
      text.focus();
      return;
    }
    const item = { id: nextId++, text: words };
    store.set("nlchat-next", String(nextId));
    outbox.push(item);
    saveOutbox();
    showPending(item);
    text.value = "";
    clearTimeout(pauseTimer);
    composing = false;
    send({ t: "msg", id: item.id, text: item.text });
    text.focus();
  });

  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  text.addEventListener("input", () => {
    if (!started || ended) return;
    if (!text.value) return stopComposing();
    if (!composing) send({ t: "state", state: "composing" });
    composing = true;
    clearTimeout(pauseTimer);
    pauseTimer = setTimeout(stopComposing, 5000);
  });

  endButton.addEventListener("click", () => send({ t: "end" }));

  again.addEventListener("click", () => {
    stopped = true;
    if (ws) ws.close();
    store.drop("nlchat-token");
    store.drop("nlchat-outbox");
    token = null;
    outbox = [];
    seen = 0;
    ended = false;
    delivered.clear();
    log.textContent = "";
    typing.textContent = "";
    endedBox.hidden = true;
    form.hidden = false;
    setStarted(false);
    stopped = false;
    connect();
    text.focus();
  });

  connect();
})();
