// Phủ Xanh dashboard: sortable tables (click or Enter on a header).
(function () {
  "use strict";
  document.querySelectorAll("table.sortable").forEach(function (table) {
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
})();
