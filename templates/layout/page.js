// Hovering or focusing a row of a frame table highlights the bytes it came
// from in the packet's dump. The page reads fully without this script.
(function () {
  "use strict";
  function marks(row) {
    return document.querySelectorAll('[data-m~="' + row.getAttribute("data-mark") + '"]');
  }
  function set(row, on) {
    row.classList.toggle("hl", on);
    marks(row).forEach(function (el) { el.classList.toggle("hl", on); });
  }
  document.querySelectorAll("tr[data-mark]").forEach(function (row) {
    row.addEventListener("mouseenter", function () { set(row, true); });
    row.addEventListener("mouseleave", function () { set(row, false); });
    row.addEventListener("focus", function () { set(row, true); });
    row.addEventListener("blur", function () { set(row, false); });
  });
})();
