// The live page: packets arrive as Server-Sent Events (event "packet",
// data the packet's <article>) and go at the end of the list. EventSource
// reconnects by itself after a dropped connection, sending the id of the
// last event it got, so that the server resumes where the viewer was. The
// event "cut" says the server dropped this viewer for falling behind; "end"
// that the capture ended: the page then loads the full page.
(function () {
  "use strict";
  var here = document.currentScript;
  var root = here && here.closest(".wstrace-live");
  if (!root || !window.EventSource) {
    return;
  }
  var list = root.querySelector(".live-packets");
  var state = root.querySelector(".live-state");
  var count = root.querySelector(".live-count");
  var cut = root.querySelector(".live-cut");
  var texts = {};
  var tmpl = root.querySelector("template.live-text");
  if (tmpl) {
    tmpl.content.querySelectorAll("[data-key]").forEach(function (el) {
      texts[el.getAttribute("data-key")] = el.textContent;
    });
  }
  var n = 0;
  var es = new EventSource(root.getAttribute("data-events"));
  function say(key) {
    if (state && texts[key]) {
      state.textContent = texts[key];
    }
  }
  es.addEventListener("open", function () { say("live"); });
  es.addEventListener("error", function () {
    if (es.readyState !== EventSource.CLOSED) {
      say("reconnecting");
    }
  });
  es.addEventListener("packet", function (e) {
    var box = document.createElement("div");
    box.innerHTML = e.data;
    var article = box.querySelector("article.packet[data-packet]");
    if (!article || list.querySelector('article.packet[data-packet="' + article.getAttribute("data-packet") + '"]')) {
      return;
    }
    // A viewer at the bottom of the page follows the capture: the new
    // packet comes into view. One who scrolled up to read stays there.
    var doc = document.scrollingElement || document.documentElement;
    var follow = !root.classList.contains("presenting") && window.innerHeight + window.scrollY >= doc.scrollHeight - 160;
    list.appendChild(article);
    if (follow) {
      article.scrollIntoView({ block: "end" });
    }
    n++;
    root.setAttribute("data-packets", String(n));
    if (count) {
      // No space after a full-width colon (Chinese), one after ":".
      var label = texts.count || "";
      count.textContent = label + (/[\u3000-\u303f\uff00-\uffef]$/.test(label) ? "" : " ") + n;
    }
    say("live");
    if (cut) {
      cut.hidden = true;
    }
    article.dispatchEvent(new CustomEvent("wstrace:packet", { bubbles: true }));
  });
  es.addEventListener("cut", function () {
    if (cut) {
      cut.hidden = false;
    }
  });
  es.addEventListener("end", function () {
    es.close();
    say("ended");
    root.setAttribute("data-ended", "true");
    location.reload();
  });
})();
