// Script of nnlab's interactive pages (report.html, the watch page): draws each chart slot with the
// Vega runtime from its compiled spec (tooltips in one shared box), follows the system's light/dark
// theme, and sorts any table on a click of its header. Plain browser JavaScript, no network.
(function () {
  'use strict';

  // Guide colours for the dark theme, merged over the spec's own config (which is the light one).
  var DARK = {
    background: '#16181d',
    config: {
      axis: {
        labelColor: '#c9cdd3',
        titleColor: '#e6e8eb',
        gridColor: '#2c3038',
        domainColor: '#8a9099',
        tickColor: '#8a9099',
      },
      legend: { labelColor: '#c9cdd3', titleColor: '#e6e8eb' },
      title: { color: '#e6e8eb' },
      style: {
        'group-title': { fill: '#e6e8eb' },
        'guide-label': { fill: '#c9cdd3' },
        'guide-title': { fill: '#e6e8eb' },
        cell: { stroke: '#3a3f48' },
      },
    },
  };
  var darkQuery = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;

  function merge(a, b) {
    var out = Object.assign({}, a);
    Object.keys(b).forEach(function (k) {
      var x = out[k];
      var y = b[k];
      out[k] = x && y && typeof x === 'object' && typeof y === 'object' && !Array.isArray(y) ? merge(x, y) : y;
    });
    return out;
  }

  function themed(spec) {
    if (!darkQuery || !darkQuery.matches) return spec;
    return merge(spec, { background: DARK.background, config: merge(spec.config || {}, DARK.config) });
  }

  // One tooltip box for the page; Vega calls the handler with the hovered item's values.
  var tip = document.createElement('div');
  tip.id = 'nnlab-tooltip';
  tip.setAttribute('role', 'tooltip');
  tip.hidden = true;
  document.body.appendChild(tip);

  function tooltipHandler(handler, event, item, value) {
    if (value == null || value === '') {
      tip.hidden = true;
      return;
    }
    var rows =
      typeof value === 'object'
        ? Object.keys(value).map(function (k) {
            return [k, value[k]];
          })
        : [['', value]];
    var table = document.createElement('table');
    rows.forEach(function (r) {
      var tr = table.insertRow();
      tr.insertCell().textContent = r[0];
      tr.insertCell().textContent = String(r[1]);
    });
    tip.replaceChildren(table);
    tip.hidden = false;
    var x = event.clientX + 14;
    var y = event.clientY + 14;
    var w = tip.offsetWidth;
    var h = tip.offsetHeight;
    tip.style.left = Math.max(4, x + w > window.innerWidth ? event.clientX - w - 14 : x) + 'px';
    tip.style.top = Math.max(4, y + h > window.innerHeight ? event.clientY - h - 14 : y) + 'px';
  }

  var views = new Map();

  function failed(el, err) {
    el.classList.add('failed');
    el.dataset.error = String(err && err.message ? err.message : err);
    console.error('chart ' + (el.dataset.chart || '') + ': ' + el.dataset.error);
  }

  /** Draws `spec` (compiled Vega) into the slot `el`; replaces an earlier view of that slot. */
  function renderChart(el, spec) {
    var target = el.querySelector('.vega') || el;
    var old = views.get(el);
    if (old) old.finalize();
    el.__spec = spec;
    var view;
    try {
      view = new vega.View(vega.parse(themed(spec)), { renderer: 'svg', container: target, hover: true });
    } catch (err) {
      failed(el, err);
      return Promise.resolve(null);
    }
    view.tooltip(tooltipHandler);
    views.set(el, view);
    return view.runAsync().then(
      function () {
        el.dataset.rendered = 'true';
        el.classList.remove('failed');
        return view;
      },
      function (err) {
        failed(el, err);
        return null;
      },
    );
  }

  // ---- sortable tables ------------------------------------------------------------------------
  // A column sorts as numbers when every filled cell starts with one (85.76%, 1.0e-4, 7.8 s, −0.3);
  // otherwise as text. Cells like "–" or "not run yet" go last either way.
  var NUMBER = /^[-+−]?(\d+(\.\d*)?|\.\d+)(e[-+−]?\d+)?/i;
  function numberOf(text) {
    var m = NUMBER.exec(text.replace(/[\s,]/g, ''));
    return m ? parseFloat(m[0].replace(/−/g, '-')) : null;
  }
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

  function sortBy(table, th, col) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var texts = rows.map(function (r) {
      return r.cells[col] ? r.cells[col].textContent.trim() : '';
    });
    var filled = texts.filter(function (t) {
      return t && t !== '–' && t !== '—' && t !== '-';
    });
    var numeric =
      filled.length > 0 &&
      filled.every(function (t) {
        return numberOf(t) !== null;
      });
    var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
    var keyed = rows.map(function (r, i) {
      return { row: r, i: i, text: texts[i], num: numeric ? numberOf(texts[i]) : null };
    });
    keyed.sort(function (a, b) {
      var ea = numeric ? a.num === null : !a.text;
      var eb = numeric ? b.num === null : !b.text;
      if (ea !== eb) return ea ? 1 : -1;
      var c = ea ? 0 : numeric ? a.num - b.num : collator.compare(a.text, b.text);
      return c * dir || a.i - b.i;
    });
    keyed.forEach(function (k) {
      body.appendChild(k.row);
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.removeAttribute('aria-sort');
    });
    th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
  }

  function sortable(table) {
    if (!table.tHead || !table.tBodies[0] || table.dataset.sortable) return;
    table.dataset.sortable = 'true';
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.dataset.sortable = 'true';
      th.tabIndex = 0;
      th.title = 'sort by this column';
      th.addEventListener('click', function () {
        sortBy(table, th, col);
      });
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          sortBy(table, th, col);
        }
      });
    });
  }

  /** Makes tables sortable and wraps wide ones so they scroll instead of widening the page. */
  function enhanceTables(root) {
    Array.prototype.forEach.call(root.querySelectorAll('table'), function (t) {
      if (t.closest('#nnlab-tooltip')) return;
      if (!t.parentElement.classList.contains('table-wrap')) {
        var wrap = document.createElement('div');
        wrap.className = 'table-wrap';
        t.parentNode.insertBefore(wrap, t);
        wrap.appendChild(t);
      }
      sortable(t);
    });
  }

  function redrawAll() {
    views.forEach(function (view, el) {
      renderChart(el, el.__spec);
    });
  }
  if (darkQuery) {
    if (darkQuery.addEventListener) darkQuery.addEventListener('change', redrawAll);
    else darkQuery.addListener(redrawAll);
  }

  window.nnlab = { renderChart: renderChart, enhanceTables: enhanceTables };

  // report.html: the specs ship in #nnlab-charts, keyed by chart name.
  var data = document.getElementById('nnlab-charts');
  var specs = data ? JSON.parse(data.textContent) : {};
  enhanceTables(document);
  Array.prototype.forEach.call(document.querySelectorAll('.chart[data-chart]'), function (el) {
    var spec = specs[el.dataset.chart];
    if (spec) renderChart(el, spec);
    else failed(el, 'no spec of that name');
  });
})();
