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
          charts(main);
          var note = document.getElementById("updated");
          if (note) { note.hidden = false; note.textContent = note.dataset.label + " " + new Date().toLocaleTimeString(); }
        });
      }).catch(function () { /* offline for a moment: try again later */ });
    }, Number(main.dataset.poll || 15000));
  }

  // Two charts from /api/v1/units/{code}/history: the cumulative figures
  // against their targets with the projection to the deadline, and the
  // daily increases with the weekends shaded.
  function charts(root) {
    var box = root.querySelector("#charts");
    var main = document.querySelector("main[data-unit]");
    if (!box || !main || !window.uPlot || !window.fetch) { return; }
    var labels = JSON.parse(box.dataset.labels);
    var url = "/api/v1/units/" + encodeURIComponent(main.dataset.unit) + "/history?from=" +
      box.dataset.from + "&to=" + box.dataset.to;
    fetch(url).then(function (r) { return r.json(); }).then(function (s) {
      var day = function (d) { return Date.parse(d + "T00:00:00Z") / 1000; };
      var xs = s.days.map(function (d) { return day(d.date); });
      var col = s.days.map(function (d) { return d.counts.collected; });
      var act = s.days.map(function (d) { return d.counts.activated; });
      var n = xs.length;
      if (n === 0) { return; }
      var pace = function (a) { return n > 7 ? (a[n - 1] - a[n - 8]) / 7 : 0; };
      var paceCol = pace(col), paceAct = pace(act);
      var target = function (m) { return s.targets[m] ? s.targets[m].value : null; };
      var deadline = null;
      ["collected", "activated"].forEach(function (m) {
        if (s.targets[m]) { var d = day(s.targets[m].deadline); if (deadline === null || d > deadline) { deadline = d; } }
      });
      var projCol = col.map(function () { return null; }), projAct = act.map(function () { return null; });
      projCol[n - 1] = col[n - 1]; projAct[n - 1] = act[n - 1];
      if (deadline !== null && deadline > xs[n - 1]) {
        for (var x = xs[n - 1] + 86400, k = 1; x <= deadline; x += 86400, k++) {
          xs.push(x); col.push(null); act.push(null);
          projCol.push(Math.round(col[n - 1] + paceCol * k));
          projAct.push(Math.round(act[n - 1] + paceAct * k));
        }
      }
      var flat = function (v) { return xs.map(function () { return v; }); };
      var width = Math.max(300, box.clientWidth - 24);
      var fmt = function (v) { return v == null ? "–" : Math.round(v).toLocaleString(document.documentElement.lang); };
      var green = "#2e7d32", blue = "#2166ac";
      // Dates as Vietnamese write them: 20/8.
      var dayAxis = {
        values: function (u, vals) {
          return vals.map(function (v) { var d = new Date(v * 1000); return d.getUTCDate() + "/" + (d.getUTCMonth() + 1); });
        }
      };
      new uPlot({
        width: width, height: 260,
        series: [
          { label: labels.day },
          { label: labels.collected, stroke: green, width: 2, value: function (u, v) { return fmt(v); } },
          { label: labels.activated, stroke: blue, width: 2, value: function (u, v) { return fmt(v); } },
          { label: labels.target + " – " + labels.collected, stroke: green, dash: [2, 4], width: 1, value: function (u, v) { return fmt(v); } },
          { label: labels.target + " – " + labels.activated, stroke: blue, dash: [2, 4], width: 1, value: function (u, v) { return fmt(v); } },
          { label: labels.projection, stroke: green, dash: [8, 6], width: 1.5, value: function (u, v) { return fmt(v); } },
          { label: labels.projection, stroke: blue, dash: [8, 6], width: 1.5, value: function (u, v) { return fmt(v); } }
        ],
        axes: [dayAxis, { size: 70, values: function (u, vals) { return vals.map(fmt); } }]
      }, [xs, col, act, flat(target("collected")), flat(target("activated")), projCol, projAct],
      document.getElementById("chart-cumulative"));

      var dx = s.days.map(function (d) { return day(d.date); });
      var inc = function (a) { return a.slice(0, n).map(function (v, i) { return i === 0 ? null : v - a[i - 1]; }); };
      var weekends = {
        hooks: {
          drawClear: [function (u) {
            var ctx = u.ctx;
            ctx.save();
            ctx.fillStyle = "rgba(0, 0, 0, 0.07)";
            dx.forEach(function (x) {
              var wd = new Date(x * 1000).getUTCDay();
              if (wd === 0 || wd === 6) {
                var a = u.valToPos(x - 43200, "x", true), b = u.valToPos(x + 43200, "x", true);
                ctx.fillRect(a, u.bbox.top, b - a, u.bbox.height);
              }
            });
            ctx.restore();
          }]
        }
      };
      var bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.8, 40] }) : undefined;
      new uPlot({
        width: width, height: 200, plugins: [weekends],
        series: [
          { label: labels.day },
          { label: labels.collected, stroke: green, fill: "rgba(46,125,50,0.6)", paths: bars, value: function (u, v) { return fmt(v); } },
          { label: labels.activated, stroke: blue, fill: "rgba(33,102,172,0.6)", paths: bars, value: function (u, v) { return fmt(v); } }
        ],
        axes: [dayAxis, { size: 60, values: function (u, vals) { return vals.map(fmt); } }]
      }, [dx, inc(col), inc(act)], document.getElementById("chart-daily"));
    }).catch(function () { /* no charts without the API */ });
  }

  sortable(document);
  charts(document);
  live();
})();
