/**
 * The browser side of the HTML report, as source text: it reads the chart specs
 * from `#sessionbench-charts` and draws them with the inlined chart.js. Plain JS so
 * no build step can inject helpers into it.
 */
export const PAGE_SCRIPT = String.raw`(() => {
  const specs = JSON.parse(document.getElementById('sessionbench-charts').textContent);
  const number = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });
  const formats = {
    us: (v) => (v >= 1e6 ? number.format(v / 1e6) + ' s' : v >= 1000 ? number.format(v / 1000) + ' ms' : number.format(v) + ' µs'),
    rps: (v) => Math.round(v).toLocaleString('en-US') + ' req/s',
    bytes: (v) => (v >= 1048576 ? number.format(v / 1048576) + ' MiB' : v >= 1024 ? number.format(v / 1024) + ' KiB' : Math.round(v) + ' B'),
    count: (v) => (Number.isInteger(v) ? v.toLocaleString('en-US') : ''),
    percent: (v) => number.format(v) + '%',
  };
  // Shades x spans of a linear axis (e.g. the seconds a store server was paused) behind the data, labelled at the top.
  const bandsPlugin = (bands) => ({
    id: 'bands',
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea: area, scales: { x } } = chart;
      ctx.save();
      for (const band of bands) {
        const left = Math.max(area.left, x.getPixelForValue(band.from));
        const right = Math.min(area.right, x.getPixelForValue(band.to));
        ctx.fillStyle = 'rgba(185, 28, 28, 0.10)';
        ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
        ctx.fillStyle = '#991b1b';
        ctx.font = '12px ' + Chart.defaults.font.family;
        ctx.textAlign = 'center';
        ctx.fillText(band.label, (left + right) / 2, area.top + 14);
      }
      ctx.restore();
    },
  });
  // 1, 2 and 5 times a power of ten (a log axis also ticks at 1.1, 1.2, …: those stay unlabelled).
  const onLogGrid = (v) => [1, 2, 5].some((k) => Math.abs(v / 10 ** Math.floor(Math.log10(v)) - k) < 1e-6);
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#334155';
  const logFloor = (spec) => {
    const values = spec.datasets.flatMap((d) => d.data.map((v) => (typeof v === 'number' ? v : v && v.y))).filter((v) => v > 0);
    return values.length ? 10 ** Math.floor(Math.log10(Math.min(...values))) : undefined;
  };
  for (const spec of specs) {
    const format = formats[spec.y.unit];
    const line = spec.type === 'line';
    new Chart(document.getElementById('chart-' + spec.id), {
      type: spec.type,
      data: {
        labels: spec.x.labels,
        datasets: spec.datasets.map((d) => ({
          label: d.label, data: d.data, backgroundColor: d.color, borderColor: d.color,
          borderWidth: line ? 2 : 0, pointRadius: line ? 2 : 0, spanGaps: true, borderDash: d.dashed ? [6, 4] : undefined,
          yAxisID: d.secondAxis ? 'y2' : 'y',
        })),
      },
      plugins: spec.x.bands ? [bandsPlugin(spec.x.bands)] : [],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: {
            type: spec.x.logarithmic ? 'logarithmic' : spec.x.linear ? 'linear' : 'category',
            title: { display: true, text: spec.x.title },
            grid: { display: !!spec.x.linear },
            ...(spec.x.logarithmic ? { ticks: { callback: (v) => (onLogGrid(v) ? formats.count(v) : '') } } : {}),
          },
          y: {
            type: spec.y.logarithmic ? 'logarithmic' : 'linear',
            beginAtZero: !spec.y.logarithmic,
            min: spec.y.logarithmic ? logFloor(spec) : undefined,
            max: spec.y.max,
            title: { display: true, text: spec.y.title },
            ticks: { callback: (v) => (spec.y.logarithmic && !onLogGrid(v) ? '' : format(v)) },
          },
          ...(spec.y2 ? { y2: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: spec.y2.title }, ticks: { callback: formats[spec.y2.unit] } } } : {}),
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: { callbacks: { label: (c) => c.dataset.label + ': ' + (c.dataset.yAxisID === 'y2' ? formats[spec.y2.unit] : format)(c.parsed.y) } },
        },
      },
    });
  }
  document.body.dataset.chartsDrawn = String(specs.length);
})();`;
