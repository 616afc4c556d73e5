// Charts of the reports dashboard, drawn with the vendored Chart.js from the JSON
// block #report-charts. Kept in a file (no inline script) for the Content-Security-
// Policy; without JavaScript the tables next to each chart carry the same numbers.
(function () {
  "use strict";

  var COLOURS = {
    covered: "#198754",
    gap: "#fd7e14",
    muted: "#adb5bd",
    primary: "#0d6efd",
    line: "#6c757d",
    sequence: "#0d6efd",
    funnel: ["#6ea8fe", "#3d8bfd", "#0d6efd", "#0a58ca", "#198754", "#dc3545"],
    status: { verified: "#198754", pending: "#ffc107", rejected: "#dc3545" }
  };

  function colourFor(dataset, index) {
    var role = dataset.role;
    if (role === "funnel") {
      return dataset.data.map(function (_value, i) { return COLOURS.funnel[i % COLOURS.funnel.length]; });
    }
    if (role === "status") {
      return (dataset.keys || []).map(function (key) { return COLOURS.status[key] || COLOURS.muted; });
    }
    if (role === "sequence" && dataset.data) {
      // The first bucket (no qualified supplier) is the gap: show it as one.
      return dataset.data.map(function (_value, i) { return i === 0 ? COLOURS.gap : COLOURS.sequence; });
    }
    return COLOURS[role] || COLOURS.primary;
  }

  function config(spec) {
    var horizontal = !!spec.horizontal;
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = colourFor(dataset, index);
      var out = {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: colour,
        borderColor: dataset.type === "line" ? colour : undefined,
        maxBarThickness: 48
      };
      if (dataset.type) {
        out.type = dataset.type;
        out.tension = 0.2;
        out.pointRadius = 2;
      }
      return out;
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: spec.type === "doughnut" || datasets.length > 1, position: "bottom" }
      }
    };
    if (spec.type !== "doughnut") {
      var valueAxis = { beginAtZero: true, stacked: !!spec.stacked, ticks: { precision: 0 } };
      var labelAxis = { stacked: !!spec.stacked };
      if (spec.xTitle) {
        labelAxis.title = { display: true, text: spec.xTitle };
      }
      options.indexAxis = horizontal ? "y" : "x";
      options.scales = horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis };
    }
    return { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw() {
    var source = document.getElementById("report-charts");
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var specs = JSON.parse(source.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (box) {
      var spec = specs[box.getAttribute("data-chart")];
      if (!spec || !spec.labels || spec.labels.length === 0) {
        return;
      }
      if (spec.horizontal) {
        // One bar per row needs room; the stylesheet's height suits a few rows only.
        box.style.height = Math.max(12, 2.2 * spec.labels.length + 5) + "rem";
      }
      box.hidden = false;
      new window.Chart(box.querySelector("canvas"), config(spec));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
