// SPDX-License-Identifier: GPL-3.0-or-later
// The embeddable chat box: a site adds <script src="https://CHAT-HOST/widget.js" defer>
// and gets a "Chat with a listener" button that opens the chat page in a frame. The frame
// keeps the chat on nlchat-web's own origin, under its own strict headers; nothing here
// reads or writes the host page's cookies or storage.
"use strict";
(function () {
  const me = document.currentScript;
  const origin = new URL(me ? me.src : "/", location.href).origin;
  const label = (me && me.dataset.label) || "Chat with a listener";

  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "nlchat-frame");
  Object.assign(button.style, {
    position: "fixed", right: "1rem", bottom: "1rem", zIndex: "2147483646",
    font: "600 1rem system-ui, sans-serif", padding: "0.7rem 1.1rem", borderRadius: "2rem",
    border: "0", background: "#1f5fbf", color: "#fff", cursor: "pointer",
  });

  let frame = null;
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "nlchat-frame";
      frame.title = label;
      frame.src = origin + "/?embed";
      Object.assign(frame.style, {
        position: "fixed", right: "1rem", bottom: "4.5rem", zIndex: "2147483647",
        width: "min(24rem, calc(100vw - 2rem))", height: "min(36rem, calc(100vh - 6rem))",
        border: "1px solid #c9cad3", borderRadius: "0.8rem", background: "#fff",
      });
      document.body.appendChild(frame);
    }
    frame.hidden = false;
    button.setAttribute("aria-expanded", "true");
    frame.focus();
  }
  function close() {
    if (frame) frame.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.focus();
  }
  button.addEventListener("click", () => (frame && !frame.hidden ? close() : open()));
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && frame && !frame.hidden) close(); });
  // The chat page in the frame asks to be closed when Escape is pressed inside it.
  window.addEventListener("message", (e) => {
    if (e.origin === origin && e.data && e.data.nlchat === "close" && frame && !frame.hidden) close();
  });

  if (document.body) document.body.appendChild(button);
  else document.addEventListener("DOMContentLoaded", () => document.body.appendChild(button));
})();
