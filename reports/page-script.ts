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
  };
  const onLogGrid = (v) => [1, 2, 5].includes(Math.round(v / 10 ** Math.floor(Math.log10(v))));
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
          borderWidth: line ? 2 : 0, pointRadius: line ? 2 : 0, spanGaps: true,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { type: spec.x.linear ? 'linear' : 'category', title: { display: true, text: spec.x.title }, grid: { display: !!spec.x.linear } },
          y: {
            type: spec.y.logarithmic ? 'logarithmic' : 'linear',
            beginAtZero: !spec.y.logarithmic,
            min: spec.y.logarithmic ? logFloor(spec) : undefined,
            title: { display: true, text: spec.y.title },
            ticks: { callback: (v) => (spec.y.logarithmic && !onLogGrid(v) ? '' : format(v)) },
          },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: { callbacks: { label: (c) => c.dataset.label + ': ' + format(c.parsed.y) } },
        },
      },
    });
  }
  document.body.dataset.chartsDrawn = String(specs.length);
})();`;
