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
          // Names and statuses (worst first) ascend first, figures descend.
          state.asc = state.col === col ? !state.asc : (col === 0 || button.dataset.ascFirst === "1");
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
      // The pace still needed: a straight line from the last count to the
      // target on its deadline, and the same per day on the daily chart.
      var needed = function (m, a) {
        var t = s.targets[m];
        if (!t) { return { line: null, perDay: null }; }
        var end = day(t.deadline), left = Math.round((end - xs[n - 1]) / 86400);
        if (left <= 0 || a[n - 1] >= t.value) { return { line: null, perDay: null }; }
        var perDay = (t.value - a[n - 1]) / left;
        return {
          perDay: perDay,
          line: xs.map(function (x, i) {
            if (i < n - 1 || x > end) { return null; }
            return Math.round(a[n - 1] + perDay * (x - xs[n - 1]) / 86400);
          })
        };
      };
      var needCol = needed("collected", col), needAct = needed("activated", act);
      var width = function () { return Math.max(260, box.clientWidth - 24); };
      var lang = document.documentElement.lang;
      // No value is an empty cell, never a dash that reads as missing data.
      var fmt = function (v) { return v == null ? "" : Math.round(v).toLocaleString(lang); };
      var fmt2 = function (v) { return v == null ? "" : v.toLocaleString(lang, { maximumFractionDigits: 2 }); };
      var green = "#2e7d32", blue = "#2166ac", red = "#b00020";
      // Dates as Vietnamese write them, 20/8, with the year on the first
      // tick and wherever the year changes: 20/8/2023 … 1/1/2024.
      var dayAxis = {
        values: function (u, vals) {
          var year = null;
          return vals.map(function (v) {
            var d = new Date(v * 1000), y = d.getUTCFullYear();
            var text = d.getUTCDate() + "/" + (d.getUTCMonth() + 1) + (y !== year ? "/" + y : "");
            year = y;
            return text;
          });
        }
      };
      // A whole date, as the page writes it: 14/11/2023 (2023-11-14 in English).
      var fullDate = function (v) {
        var d = new Date(v * 1000), pad = function (x) { return (x < 10 ? "0" : "") + x; };
        return lang === "en" ? d.toISOString().slice(0, 10) : pad(d.getUTCDate()) + "/" + pad(d.getUTCMonth() + 1) + "/" + d.getUTCFullYear();
      };
      // When the pointer leaves a chart, the legend shows the last day's
      // values rather than nothing.
      var lastValues = function (last) {
        return { hooks: {
          ready: [function (u) { u.setLegend({ idx: last }); }],
          setCursor: [function (u) { if (u.cursor.idx == null) { u.setLegend({ idx: last }); } }]
        } };
      };
      var series = [
        { label: labels.day, value: function (u, v) { return v == null ? "" : fullDate(v); } },
        { label: labels.collected, stroke: green, width: 2, value: function (u, v) { return fmt(v); } },
        { label: labels.activated, stroke: blue, width: 2, value: function (u, v) { return fmt(v); } }
      ];
      var data = [xs, col, act];
      var more = [
        [labels.target_collected, green, [2, 4], 1, target("collected") == null ? null : flat(target("collected"))],
        [labels.target_activated, blue, [2, 4], 1, target("activated") == null ? null : flat(target("activated"))],
        [labels.projection_collected, green, [8, 6], 1.5, projCol],
        [labels.projection_activated, blue, [8, 6], 1.5, projAct],
        [labels.needed_collected, red, [3, 3], 1.5, needCol.line],
        [labels.needed_activated, "#7b1fa2", [3, 3], 1.5, needAct.line]
      ];
      more.forEach(function (m) {
        if (m[4] === null || m[4].every(function (v) { return v == null; })) { return; }
        series.push({ label: m[0], stroke: m[1], dash: m[2], width: m[3], value: function (u, v) { return fmt(v); } });
        data.push(m[4]);
      });
      var cumulative = new uPlot({
        width: width(), height: 260, plugins: [lastValues(n - 1)],
        series: series,
        axes: [dayAxis, { size: 70, values: function (u, vals) { return vals.map(fmt); } }]
      }, data, document.getElementById("chart-cumulative"));

      var dx = s.days.map(function (d) { return day(d.date); });
      var inc = function (a) { return a.slice(0, n).map(function (v, i) { return i === 0 ? null : v - a[i - 1]; }); };
      var incCol = inc(col), incAct = inc(act);
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
      // Collected and activated side by side within each day, not on top
      // of each other.
      var bars = function (align) {
        return uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.4, 14], align: align }) : undefined;
      };
      var dailySeries = [
        series[0],
        { label: labels.collected, stroke: green, fill: "rgba(46,125,50,0.75)", paths: bars(-1), points: { show: false }, value: function (u, v) { return fmt(v); } },
        { label: labels.activated, stroke: blue, fill: "rgba(33,102,172,0.75)", paths: bars(1), points: { show: false }, value: function (u, v) { return fmt(v); } }
      ];
      var dailyData = [dx, incCol, incAct];
      [[labels.needed_collected_day, red, needCol.perDay], [labels.needed_activated_day, "#7b1fa2", needAct.perDay]].forEach(function (m) {
        if (m[2] == null) { return; }
        dailySeries.push({ label: m[0], stroke: m[1], dash: [6, 4], width: 1.5, points: { show: false }, value: function (u, v) { return fmt2(v); } });
        dailyData.push(dx.map(function () { return m[2]; }));
      });
      var daily = new uPlot({
        width: width(), height: 200, plugins: [weekends, lastValues(n - 1)],
        series: dailySeries,
        axes: [dayAxis, { size: 60, values: function (u, vals) { return vals.map(fmt); } }]
      }, dailyData, document.getElementById("chart-daily"));

      // The last 7 days as a table under the chart: the values without
      // hovering (a phone, a printout, a screen reader).
      var table = box.querySelector("#chart-table");
      if (table) {
        var rows = [];
        for (var i = n - 1; i >= Math.max(1, n - 7); i--) {
          rows.push("<tr><th scope=\"row\">" + fullDate(xs[i]) + "</th><td class=\"num\">" +
            fmt(incCol[i]) + "</td><td class=\"num\">" + fmt(incAct[i]) + "</td><td class=\"num\">" + fmt(col[i]) +
            "</td><td class=\"num\">" + fmt(act[i]) + "</td></tr>");
        }
        table.tBodies[0].innerHTML = rows.join("");
        table.hidden = false;
      }
      window.addEventListener("resize", function () {
        cumulative.setSize({ width: width(), height: 260 });
        daily.setSize({ width: width(), height: 200 });
      });
    }).catch(function () { /* no charts without the API */ });
  }

  sortable(document);
  charts(document);
  live();
})();
