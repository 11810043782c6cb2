// Phủ Xanh dashboard: sortable tables (click or Enter on a header), and
// live figures: the page polls the data's generation and, when it changes,
// fetches itself again and swaps in the new figures without a reload.
(function () {
  "use strict";

  function sortable(root) {
    root.querySelectorAll("table.sortable").forEach(function (table) {
      var state = { col: -1, asc: true };
      table.querySelectorAll("thead button").forEach(function (button) {
        button.addEventListener("click", function () {
          var col = Number(button.dataset.col);
          state.asc = state.col === col ? !state.asc : col === 0;
          state.col = col;
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = a.cells[col].dataset.value, y = b.cells[col].dataset.value;
            var nx = Number(x), ny = Number(y);
            var c = (x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y), "vi");
            return state.asc ? c : -c;
          });
          rows.forEach(function (r) { body.appendChild(r); });
          table.querySelectorAll("thead th").forEach(function (th, i) {
            th.setAttribute("aria-sort", i === col ? (state.asc ? "ascending" : "descending") : "none");
          });
        });
      });
    });
  }

  function live() {
    var main = document.querySelector("main[data-generation]");
    if (!main || !window.fetch) { return; }
    var generation = main.dataset.generation;
    setInterval(function () {
      fetch("/api/v1/version").then(function (r) { return r.json(); }).then(function (v) {
        if (String(v.generation) === generation) { return; }
        return fetch(location.href).then(function (r) { return r.text(); }).then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
          if (!fresh) { return; }
          main.innerHTML = fresh.innerHTML;
          generation = fresh.dataset.generation;
          main.dataset.generation = generation;
          sortable(main);
          var note = document.getElementById("updated");
          if (note) { note.hidden = false; note.textContent = note.dataset.label + " " + new Date().toLocaleTimeString(); }
        });
      }).catch(function () { /* offline for a moment: try again later */ });
    }, Number(main.dataset.poll || 15000));
  }

  sortable(document);
  live();
})();
