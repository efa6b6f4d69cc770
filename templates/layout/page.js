// Hovering or focusing a row of a frame table highlights the bytes it came
// from in the packet's dump. The page reads fully without this script.
//
// The script sits at the end of the trace's root element (class "wstrace")
// and touches nothing outside it, so that several traces, each with its own
// copy of the script, can share one page.
(function () {
  "use strict";
  var me = document.currentScript;
  var root = me && me.closest(".wstrace");
  if (!root) {
    return;
  }
  function marks(row) {
    return root.querySelectorAll('[data-m~="' + row.getAttribute("data-mark") + '"]');
  }
  function set(row, on) {
    row.classList.toggle("hl", on);
    marks(row).forEach(function (el) { el.classList.toggle("hl", on); });
  }
  root.querySelectorAll("tr[data-mark]").forEach(function (row) {
    row.addEventListener("mouseenter", function () { set(row, true); });
    row.addEventListener("mouseleave", function () { set(row, false); });
    row.addEventListener("focus", function () { set(row, true); });
    row.addEventListener("blur", function () { set(row, false); });
  });
})();
