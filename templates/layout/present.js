// Presenter mode: one packet at a time, in capture order, large enough for
// a projector, its arrow highlighted in the sequence diagram. Opened by
// ?present in the URL or the p key; -> Space j next, <- k back, Home End,
// n speaker notes (the longer explanation), Esc back to the page. #pN opens
// at packet N and the hash follows each step. Everything is found inside
// the page's root element (class "wstrace"), so that the script works in a
// page embedded in another. Without script the page is the normal page.
(function () {
  "use strict";
  var here = document.currentScript;
  var root = (here && here.closest(".wstrace")) || document.querySelector(".wstrace") || document.body;
  var bar = root.querySelector(".present-bar");
  if (!bar) {
    return;
  }
  var status = bar.querySelector(".present-status");
  var start = bar.querySelector(".present-start");
  var pane = root.querySelector(".diagram");
  var current = null;
  bar.hidden = false;

  function packets() {
    var list = Array.prototype.slice.call(root.querySelectorAll("article.packet[data-packet]"));
    list.sort(function (a, b) { return a.getAttribute("data-packet") - b.getAttribute("data-packet"); });
    return list;
  }
  function presenting() { return root.classList.contains("presenting"); }
  // active reports whether the keys are this trace's: a page may hold
  // several, each with its script. The one presenting has them, else the
  // first trace of the page.
  function active() {
    if (document.querySelector(".wstrace.presenting")) {
      return presenting();
    }
    var first = document.querySelector(".wstrace .present-bar");
    return !!first && root.contains(first);
  }
  function byID(id) {
    if (!id) {
      return null;
    }
    var list = packets();
    for (var i = 0; i < list.length; i++) {
      if (list[i].id === id) {
        return list[i];
      }
    }
    return null;
  }
  function hashID() {
    try {
      return decodeURIComponent(location.hash.slice(1));
    } catch (e) {
      return "";
    }
  }
  function setURL(search, hash) {
    var url = location.pathname + search + hash;
    try {
      history.replaceState(history.state, "", url);
    } catch (e) {
      // Pages opened from file: may refuse; the hash still works.
      if (hash && location.hash !== hash) {
        location.replace(hash);
      }
    }
  }
  function heading(el) {
    var h = el.querySelector("h2, h3, h4, h5, h6");
    if (!h) {
      return "";
    }
    var t = "";
    h.childNodes.forEach(function (n) {
      if (!(n.classList && n.classList.contains("anchor"))) {
        t += n.textContent;
      }
    });
    return t.trim();
  }
  function mark(el) {
    root.querySelectorAll(".seq-link.seq-current").forEach(function (a) {
      a.classList.remove("seq-current");
    });
    if (!el) {
      return;
    }
    var n = Number(el.getAttribute("data-packet"));
    var arrow = root.querySelector('.seq-link[data-packet="' + n + '"]');
    if (arrow) {
      arrow.classList.add("seq-current");
    } else {
      // A packet the diagram leaves out (an acknowledgement among many):
      // show where it would be, after the last arrow before it.
      root.querySelectorAll(".seq-link[data-packet]").forEach(function (a) {
        if (Number(a.getAttribute("data-packet")) < n) {
          arrow = a;
        }
      });
    }
    if (arrow && pane && presenting()) {
      center(arrow);
    }
  }
  // center scrolls the diagram's pane (and only it) to bring the arrow to
  // its middle.
  function center(arrow) {
    var p = pane.getBoundingClientRect();
    var a = arrow.getBoundingClientRect();
    pane.scrollTop += (a.top + a.height / 2) - (p.top + p.height / 2);
    pane.scrollLeft += (a.left + a.width / 2) - (p.left + p.width / 2);
  }
  function show(el) {
    if (!el) {
      return;
    }
    if (current && current !== el) {
      current.classList.remove("present-current");
      current.removeAttribute("aria-current");
    }
    current = el;
    el.classList.add("present-current");
    el.setAttribute("aria-current", "step");
    el.scrollTop = 0;
    if (!el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "-1");
    }
    el.focus({ preventScroll: true });
    mark(el);
    var list = packets();
    if (status) {
      status.textContent = (list.indexOf(el) + 1) + " / " + list.length + " \u00b7 " + heading(el);
    }
    if (location.hash !== "#" + el.id) {
      setURL(location.search, "#" + el.id);
    }
  }
  function step(by) {
    var list = packets();
    if (list.length === 0) {
      return;
    }
    var i = list.indexOf(current);
    if (by === Infinity) {
      i = list.length - 1;
    } else if (by === -Infinity) {
      i = 0;
    } else {
      i = Math.max(0, Math.min(list.length - 1, i + by));
    }
    show(list[i]);
  }
  function enter() {
    var list = packets();
    if (list.length === 0) {
      return;
    }
    root.classList.add("presenting");
    var params = new URLSearchParams(location.search);
    if (!params.has("present")) {
      params.set("present", "");
      setURL("?" + params.toString().replace(/=$|=(&)/g, "$1"), location.hash);
    }
    show(byID(hashID()) || current || list[0]);
  }
  function leave() {
    root.classList.remove("presenting", "present-notes");
    var params = new URLSearchParams(location.search);
    params.delete("present");
    var q = params.toString();
    setURL(q ? "?" + q : "", location.hash);
    if (current) {
      current.classList.remove("present-current");
      current.removeAttribute("aria-current");
      current.scrollIntoView({ block: "start" });
    }
  }
  if (start) {
    start.addEventListener("click", enter);
  }
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) {
      return;
    }
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
      return;
    }
    if (!active()) {
      return;
    }
    var on = presenting();
    var done = true;
    switch (e.key) {
      case "p":
        if (on) { leave(); } else { enter(); }
        break;
      case "ArrowRight": case " ": case "j": case "PageDown":
        if (on) { step(1); } else { done = false; }
        break;
      case "ArrowLeft": case "k": case "PageUp":
        if (on) { step(-1); } else { done = false; }
        break;
      case "Home":
        if (on) { step(-Infinity); } else { done = false; }
        break;
      case "End":
        if (on) { step(Infinity); } else { done = false; }
        break;
      case "n":
        if (on) { root.classList.toggle("present-notes"); } else { done = false; }
        break;
      case "Escape":
        if (on) { leave(); } else { done = false; }
        break;
      default:
        done = false;
    }
    if (done) {
      e.preventDefault();
    }
  });
  window.addEventListener("hashchange", function () {
    var el = byID(hashID());
    if (presenting() && el && el !== current) {
      show(el);
    }
  });
  // The live page adds packets as they arrive: one who watches the last
  // packet is taken to the new one.
  root.addEventListener("wstrace:packet", function (e) {
    var list = packets();
    if (presenting() && current && list.indexOf(current) === list.length - 2 && e.target === list[list.length - 1]) {
      show(e.target);
    } else if (presenting() && !current && list.length > 0) {
      show(list[0]);
    } else if (status && presenting() && current) {
      status.textContent = (list.indexOf(current) + 1) + " / " + list.length + " \u00b7 " + heading(current);
    }
  });
  if (new URLSearchParams(location.search).has("present")) {
    enter();
  }
})();
