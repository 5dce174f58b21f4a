/* docker-dashboard Stats tab: polls the container's stats endpoint and draws live charts.
 *
 * Every figure is computed on the server (docker_dashboard.api.stats); this script only keeps the
 * last data-history-seconds of samples (a bounded array per chart), formats numbers and draws them
 * with the Rickshaw/d3 that Horizon already ships. It polls only while the tab is visible, says when
 * the container is stopped or the host is unreachable, and keeps retrying with a growing pause.
 */
(function () {
  'use strict';
  if (window.dockerDashboardStats) { window.dockerDashboardStats.scan(document); return; }

  var BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

  function bytes(value) {
    var unit = 0;
    while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) { value /= 1024; unit += 1; }
    return (unit ? value.toFixed(value < 10 ? 2 : 1) : Math.round(value)) + ' ' + BYTE_UNITS[unit];
  }
  var FORMATS = {
    'percent': function (v) { return v.toFixed(1) + ' %'; },
    'bytes': bytes,
    'bytes-rate': function (v) { return bytes(v) + '/s'; },
    'count': function (v) { return String(Math.round(v)); }
  };

  var AXIS_FLOOR = {'percent': 10, 'bytes': 1024, 'bytes-rate': 1024, 'count': 4};

  function Stats(root) {
    this.root = root;
    this.cfg = root.dataset;
    this.maxPoints = Math.max(10, Math.ceil(Number(this.cfg.historySeconds) * 1000 / (Number(this.cfg.pollMs) + 1000)));
    this.failures = 0;
    this.timer = null;
    this.samples = 0;
    this.status = root.querySelector('[data-role=status]');
    var colours = [1, 2].map(function (n) {
      var probe = root.querySelector('[data-role=colour-' + n + ']');
      return probe ? window.getComputedStyle(probe).color : (n === 1 ? '#1f77b4' : '#d62728');
    });
    this.charts = Array.prototype.map.call(root.querySelectorAll('.stats-panel'), function (panel) {
      var fields = Array.prototype.filter.call(panel.querySelectorAll('dd[data-field]'), function (dd) {
        return dd.dataset.plot !== 'no';
      });
      return {
        panel: panel, unit: panel.dataset.unit, graph: null,
        element: panel.querySelector('[data-role=graph]'),
        series: fields.map(function (dd, index) {
          dd.previousElementSibling.style.setProperty('--stats-colour', colours[index % 2]);
          return {name: dd.previousElementSibling.textContent.trim(), field: dd.dataset.field, data: [],
                  color: colours[index % 2], className: 'stats-series-' + (index + 1)};
        })
      };
    });
  }

  Stats.prototype.visible = function () {
    return !document.hidden && this.root.offsetParent !== null;
  };

  Stats.prototype.say = function (text, kind) {
    this.status.textContent = text;
    this.status.className = 'stats-status alert alert-' + kind;
    this.root.dataset.state = kind;
  };

  Stats.prototype.schedule = function (ms) {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.poll(); }, ms);
  };

  Stats.prototype.poll = function () {
    var self = this;
    if (!document.body.contains(this.root)) { return; }    // the tab left the page: stop for good
    if (!this.visible()) {
      if (this.samples) { this.say(this.cfg.textHidden, 'info'); }
      this.schedule(1000);
      return;
    }
    fetch(this.cfg.url, {credentials: 'same-origin', headers: {'Accept': 'application/json',
                                                               'X-Requested-With': 'XMLHttpRequest'}})
      .then(function (response) {
        return response.json().catch(function () { return {error: self.cfg.textFailed, retry: true}; })
          .then(function (body) { return {ok: response.ok, body: body}; });
      })
      .catch(function () { return {ok: false, body: {error: self.cfg.textFailed, retry: true}}; })
      .then(function (result) { self.handle(result.ok, result.body); });
  };

  Stats.prototype.handle = function (ok, body) {
    if (ok && body.running) {
      this.failures = 0;
      this.add(body.sample);
      this.say(body.paused ? this.cfg.textPaused : this.cfg.textLive, body.paused ? 'warning' : 'success');
      this.schedule(Number(this.cfg.pollMs));
      return;
    }
    if (ok && body.running === false) {                    // a stopped container: look again now and then
      this.say(body.message, 'warning');
      this.schedule(5000);
      return;
    }
    if (!body.error) { body = {error: this.cfg.textFailed, retry: true}; }   // e.g. a login page after a timeout
    if (body.retry === false) { this.say(body.error, 'danger'); return; }
    this.failures += 1;
    var wait = Math.min(2000 * this.failures, 10000);
    this.say(body.error + ' ' + this.cfg.textRetry.replace('%s', Math.round(wait / 1000)), 'danger');
    this.schedule(wait);
  };

  Stats.prototype.add = function (sample) {
    var self = this;
    this.samples += 1;
    this.root.dataset.samples = String(this.samples);
    this.charts.forEach(function (chart) {
      chart.series.forEach(function (series) {
        series.data.push({x: sample.time, y: sample[series.field]});
        if (series.data.length > self.maxPoints) { series.data.shift(); }
      });
      self.draw(chart);
    });
    this.showNumbers(sample);
  };

  Stats.prototype.showNumbers = function (sample) {
    var cfg = this.cfg, root = this.root;
    var derived = {
      cpu_capacity: sample.cpu_limit ? cfg.textLimit.replace('%s', sample.cpu_limit) : cfg.textOfCpus.replace('%s', sample.online_cpus),
      net_totals: bytes(sample.net_rx_total) + ' / ' + bytes(sample.net_tx_total),
      block_totals: bytes(sample.block_read_total) + ' / ' + bytes(sample.block_write_total)
    };
    this.charts.forEach(function (chart) {
      chart.panel.querySelectorAll('dd[data-field]').forEach(function (dd) {
        var field = dd.dataset.field;
        var format = FORMATS[dd.dataset.unit || chart.unit];
        dd.textContent = field in derived ? derived[field] : format(Number(sample[field]) || 0);
      });
    });
    root.dataset.updated = String(sample.time);
  };

  Stats.prototype.draw = function (chart) {
    if (!window.Rickshaw || !chart.element) { return; }   // numbers still update without charts
    var format = FORMATS[chart.unit];
    if (!chart.graph) {
      chart.graph = new Rickshaw.Graph({
        element: chart.element, width: Math.max(chart.element.clientWidth, 240), height: 140,
        renderer: 'line', interpolation: 'linear', min: 0, series: chart.series
      });
      new Rickshaw.Graph.Axis.Time({graph: chart.graph});
      new Rickshaw.Graph.Axis.Y({graph: chart.graph, ticks: 4, tickFormat: function (v) { return v ? format(v) : '0'; }});
      new Rickshaw.Graph.HoverDetail({graph: chart.graph, yFormatter: format,
                                      xFormatter: function (x) { return new Date(x * 1000).toLocaleTimeString(); }});
    }
    var width = chart.element.clientWidth;
    if (width && Math.abs(width - chart.graph.width) > 20) { chart.graph.configure({width: width}); }
    // Head-room above the highest point, and a floor that keeps ticks readable for flat or zero series.
    var top = 0;
    chart.series.forEach(function (s) { s.data.forEach(function (p) { top = Math.max(top, p.y); }); });
    chart.graph.configure({max: Math.max(chart.unit === 'count' ? Math.ceil(top * 1.25) : top * 1.15, AXIS_FLOOR[chart.unit])});
    chart.graph.render();
  };

  var live = [];
  function scan(node) {
    if (!node.querySelectorAll) { return; }
    node.querySelectorAll('.docker-stats').forEach(function (root) {
      if (!root.dataset.started) {
        root.dataset.started = '1';
        var stats = new Stats(root);
        live.push(stats);
        stats.poll();
      }
    });
    live = live.filter(function (item) { return document.body.contains(item.root); });
  }
  window.dockerDashboardStats = {scan: scan, instances: function () { return live; }};
  new MutationObserver(function (mutations) {
    mutations.forEach(function (m) { m.addedNodes.forEach(scan); });
  }).observe(document.documentElement, {childList: true, subtree: true});
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', function () { scan(document); }); }
  else { scan(document); }
}());
