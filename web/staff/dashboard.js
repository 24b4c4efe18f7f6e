// The staff dashboard's charts: reads the figures the page carries as JSON (#chart-data) and
// draws each with uPlot (served beside this file) above its table, as wide as its container,
// redrawn when the window is resized or a phone turns. Without script the tables remain.
(function () {
  'use strict';
  var source = document.getElementById('chart-data');
  if (!source || typeof uPlot === 'undefined') return;
  var data = JSON.parse(source.textContent);
  var lang = data.lang === 'ar' ? 'ar-u-nu-latn' : 'en';
  var colours = ['#0b6e4f', '#f2a900'];
  var HEIGHT = 220;
  var axisFont = '12px system-ui, sans-serif';
  // uPlot draws at device pixels: labels are measured in the font it scales to.
  var measureFont = Math.round(12 * devicePixelRatio) + 'px system-ui, sans-serif';

  function bytes(n) {
    var units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
    var unit = 0;
    while (Math.abs(n) >= 1024 && unit < units.length - 1) {
      n /= 1024;
      unit++;
    }
    return (unit === 0 || n >= 100 ? Math.round(n) : n.toFixed(1)) + ' ' + units[unit];
  }

  function formatter(series) {
    if (series.unit === 'bytes') return bytes;
    var format =
      series.unit === 'money'
        ? new Intl.NumberFormat(lang, { style: 'currency', currency: series.currency, notation: 'compact', maximumFractionDigits: 1 })
        : new Intl.NumberFormat(lang, { notation: 'compact', maximumFractionDigits: 1 });
    return function (n) {
      return format.format(n);
    };
  }

  function widthOf(box) {
    return Math.max(200, box.clientWidth);
  }

  var plots = [];
  data.charts.forEach(function (chart) {
    var section = document.querySelector('[data-chart="' + chart.id + '"]');
    if (!section) return;
    var frame = document.createElement('div');
    frame.className = 'chart';
    // The table below says the same to a screen reader.
    frame.setAttribute('aria-hidden', 'true');
    var box = document.createElement('div');
    frame.appendChild(box);
    section.insertBefore(frame, section.querySelector('details'));

    var format = formatter(chart.series[0]);
    var labels = chart.labels;
    var xs = labels.map(function (_, i) {
      return i;
    });
    var bars = chart.kind === 'bars' ? uPlot.paths.bars({ size: [0.7, 40] }) : null;
    var options = {
      width: widthOf(box),
      height: HEIGHT,
      scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
      legend: { show: chart.series.length > 1, live: false },
      cursor: { y: false, points: { show: !bars } },
      axes: [
        {
          splits: function (u) {
            // As many labels as fit side by side, counted back from today: 12 months fit a desk, a phone shows every few.
            u.ctx.font = measureFont;
            var widest = labels.reduce(function (w, label) {
              return Math.max(w, u.ctx.measureText(label).width / devicePixelRatio);
            }, 0);
            var step = Math.max(1, Math.ceil(labels.length / Math.max(2, Math.floor((u.width - 70) / (widest + 14)))));
            var out = [];
            for (var i = labels.length - 1; i >= 0; i -= step) out.unshift(i);
            return out;
          },
          values: function (_u, splits) {
            return splits.map(function (i) {
              return labels[i] || '';
            });
          },
          grid: { show: false },
        },
        {
          // As wide as the longest label ("KES 1.5K", "512 MB"), so none is cut at the edge.
          size: function (u, values) {
            if (!values) return 50;
            u.ctx.font = measureFont;
            var widest = values.reduce(function (w, v) {
              return Math.max(w, u.ctx.measureText(v).width);
            }, 0);
            return Math.ceil(widest / devicePixelRatio) + 18;
          },
          font: axisFont,
          values: function (_u, splits) {
            return splits.map(format);
          },
        },
      ],
      series: [{ label: '' }].concat(
        chart.series.map(function (series, i) {
          return {
            label: series.label,
            stroke: colours[i % colours.length],
            fill: bars ? colours[i % colours.length] : undefined,
            width: bars ? 0 : 2,
            paths: bars || undefined,
            points: { show: false },
            value: function (_u, v) {
              return v === null || v === undefined ? '—' : format(v);
            },
          };
        }),
      ),
    };
    var values = [xs].concat(
      chart.series.map(function (series) {
        return series.values;
      }),
    );
    plots.push({ plot: new uPlot(options, values, box), box: box });
  });

  var pending = 0;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      plots.forEach(function (p) {
        p.plot.setSize({ width: widthOf(p.box), height: HEIGHT });
      });
    }, 150);
  });
})();
