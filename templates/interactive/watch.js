// Script of the watch page: follows /events (the run's view, src/watch/view.ts), redraws the trial
// table and the curves, and opens the report when the run has written it.
(function () {
  'use strict';
  var table = document.querySelector('#trials tbody');
  var chart = document.getElementById('curves');
  var phase = document.getElementById('phase');
  var count = document.getElementById('count');
  var lastChart = '';

  function pct(x) {
    return x == null ? '–' : (x * 100).toFixed(2) + '%';
  }

  function row(t) {
    var tr = document.createElement('tr');
    tr.dataset.status = t.status;
    var cells = [
      t.id,
      t.status,
      null,
      t.step == null ? '–' : t.step + (t.totalSteps ? ' / ' + t.totalSteps : ''),
      pct(t.validationAccuracy),
      t.hash,
    ];
    cells.forEach(function (text, i) {
      var td = tr.insertCell();
      if (i === 2) {
        var bar = document.createElement('progress');
        bar.max = 1;
        bar.value = t.totalSteps ? t.step / t.totalSteps : t.status === 'trained' || t.status === 'cached' ? 1 : 0;
        td.appendChild(bar);
      } else td.textContent = text;
      if (i === 3 || i === 4) td.align = 'right';
    });
    return tr;
  }

  function show(view) {
    document.getElementById('experiment').textContent = view.experiment;
    document.title = view.experiment + ' — nnlab watch';
    phase.textContent = view.message;
    phase.dataset.phase = view.phase;
    var done = view.trials.filter(function (t) {
      return ['trained', 'cached', 'diverged', 'failed'].indexOf(t.status) >= 0;
    }).length;
    count.textContent = view.trials.length ? done + ' of ' + view.trials.length + ' trials done' : '';
    table.replaceChildren.apply(table, view.trials.map(row));
    var spec = JSON.stringify(view.chart);
    if (view.chart && spec !== lastChart) {
      lastChart = spec;
      window.nnlab.renderChart(chart, view.chart);
    }
  }

  var events = new EventSource('events');
  events.addEventListener('state', function (e) {
    var view = JSON.parse(e.data);
    show(view);
    if (view.report) {
      events.close();
      location.href = 'report';
    } else if (view.phase !== 'running' && view.phase !== 'waiting') events.close();
  });
  events.onerror = function () {
    if (events.readyState === EventSource.CLOSED) phase.textContent += ' (the watch has stopped)';
  };
})();
