/* 统计控制台: draws the charts from the figures the page carries (data-figures on #charts). ECharts is
   served from node_modules under /vendor/echarts/; no inline script (CSP). */
(function () {
  "use strict";
  var holder = document.getElementById("charts");
  if (!holder || typeof echarts === "undefined") { return; }
  var figures = JSON.parse(holder.getAttribute("data-figures"));
  var phone = window.matchMedia("(max-width: 720px)");
  var font = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif';
  var base = {
    textStyle: { fontFamily: font, fontSize: 12 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { type: "scroll", top: 0, textStyle: { fontFamily: font } },
    grid: { top: 40, left: 8, right: 16, bottom: 8, containLabel: true }
  };

  function bars(name, data, extra) {
    return Object.assign({ name: name, type: "bar", data: data, barMaxWidth: 28 }, extra || {});
  }

  function months() {  // "2026-11" → "11月" on a phone, so twelve fit (asked at each drawing: a resize redraws)
    return { type: "category", data: figures.months,
             axisLabel: { formatter: function (m) { return phone.matches ? +m.slice(5) + "月" : m; } } };
  }

  function names(list) {  // a category per row, every one labelled (ECharts would skip some when crowded)
    return { type: "category", inverse: true, data: list, axisLabel: { interval: 0 } };
  }

  var builders = {
    filings: function () {
      return {
        xAxis: months(),
        yAxis: { type: "value", minInterval: 1 },
        series: figures.filings.map(function (s) { return bars(s.name, s.data, { stack: "filings" }); })
      };
    },
    decision_days: function () {
      var rows = figures.decision_days;
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (items) {
          var row = rows[items[0].dataIndex];
          return row.name + "（已决定 " + row.count + " 件）<br>" + items.map(function (i) {
            return i.marker + i.seriesName + "：" + (i.value === null ? "—" : i.value + " 个工作日");
          }).join("<br>");
        } },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: names(rows.map(function (r) { return r.name; })),
        series: [bars("中位数", rows.map(function (r) { return r.median; })),
                 bars("90%分位数", rows.map(function (r) { return r.p90; }))]
      };
    },
    bureaus: function () {
      var rows = figures.bureaus;
      return {
        xAxis: { type: "value", minInterval: 1 },
        yAxis: names(rows.map(function (r) { return r.name; })),
        series: [bars("待审批", rows.map(function (r) { return r.open; })),
                 bars("已超期", rows.map(function (r) { return r.overdue; }), { itemStyle: { color: "#cf1322" } })]
      };
    },
    certificates: function () {
      return {
        xAxis: months(),
        yAxis: { type: "value", minInterval: 1 },
        series: [bars("发证", figures.certificates.issued, { itemStyle: { color: "#389e0d" } }),
                 bars("注销/撤销/失效", figures.certificates.ended, { itemStyle: { color: "#8c8c8c" } })]
      };
    },
    regions: function () {
      return {
        xAxis: { type: "value", minInterval: 1 },
        yAxis: names(figures.regions.names),
        series: figures.regions.series.map(function (s) { return bars(s.name, s.data, { stack: "regions" }); })
      };
    }
  };

  var charts = [];
  holder.querySelectorAll("[data-chart]").forEach(function (el) {
    var build = builders[el.getAttribute("data-chart")];
    if (!build) { return; }
    var rows = el.getAttribute("data-rows");  // a bar per row: as tall as its rows need
    if (rows) { el.style.height = Math.max(300, 26 * rows + 80) + "px"; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(Object.assign({}, base, build()));
    el.setAttribute("data-rendered", "1");  // for the browser tests: drawn, not just laid out
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
