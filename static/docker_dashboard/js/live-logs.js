/* docker-dashboard live-log view.
 *
 * Follows a container's output over Server-Sent Events, resuming from a cursor after every
 * reconnect. Log text is untrusted: it is only ever inserted with textContent / text nodes
 * (ANSI colours become spans with fixed class names), never as HTML. The view keeps at most
 * data-max-lines line elements (a ring), so memory stays bounded whatever the log size.
 */
(function () {
  'use strict';
  if (window.dockerDashboardLiveLogs) { window.dockerDashboardLiveLogs.scan(document); return; }

  var ANSI = /\x1b\[([0-9;]*)m/g;
  /* A busy log sends thousands of lines a second: they wait in a bounded queue and are drawn at most
     this often, in one DOM update, so the page stays responsive whatever the rate. */
  var RENDER_MS = 100;
  /* Escapes other than colours go and the text around them stays: a control string (OSC such as an OSC 8
     hyperlink's URL, DCS, SOS, PM, APC) up to its own BEL or ST, never past the next ESC (a greedy match ran
     from a link's opening to its closing sequence and took the link text with it); a CSI sequence in
     ECMA-48's grammar; any other ESC sequence (charset, keypad, an unterminated string's introducer). */
  var OTHER_ESCAPES = /\x1b(?:[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)|\[[0-?]*[ -\/]*[@-~]|[ -\/]*[0-~])/g;

  function ansiSpans(text) {
    /* Split text on SGR sequences into [classes, chunk] pairs; other escapes are dropped. */
    var parts = [], state = {fg: null, bg: null, bold: false}, last = 0, match;
    function push(chunk) {
      chunk = chunk.replace(OTHER_ESCAPES, '');
      if (!chunk) { return; }
      var classes = [];
      if (state.fg !== null) { classes.push('ansi-fg-' + state.fg); }
      if (state.bg !== null) { classes.push('ansi-bg-' + state.bg); }
      if (state.bold) { classes.push('ansi-bold'); }
      parts.push([classes.join(' '), chunk]);
    }
    ANSI.lastIndex = 0;
    while ((match = ANSI.exec(text)) !== null) {
      push(text.slice(last, match.index));
      last = ANSI.lastIndex;
      (match[1] || '0').split(';').forEach(function (code) {
        var n = parseInt(code || '0', 10);
        if (n === 0) { state = {fg: null, bg: null, bold: false}; }
        else if (n === 1) { state.bold = true; }
        else if (n === 22) { state.bold = false; }
        else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) { state.fg = n; }
        else if (n === 39) { state.fg = null; }
        else if ((n >= 40 && n <= 47) || (n >= 100 && n <= 107)) { state.bg = n; }
        else if (n === 49) { state.bg = null; }
      });
    }
    push(text.slice(last));
    return parts;
  }

  function LiveLog(root) {
    this.root = root;
    this.cfg = root.dataset;
    this.view = root.querySelector('[data-role=view]');
    this.status = root.querySelector('[data-role=status]');
    this.jump = root.querySelector('[data-role=jump]');
    this.maxLines = parseInt(this.cfg.maxLines || '10000', 10);
    this.cursor = null;
    this.source = null;
    this.paused = false;
    this.pending = [];
    this.queue = [];
    this.drawTimer = null;
    this.lastDraw = 0;
    this.renderGap = RENDER_MS;
    this.timeCache = {};
    this.timeCacheSize = 0;
    this.unseen = 0;
    this.dropped = 0;
    this.backoff = 1000;
    this.timer = null;
    this.searching = false;
    this.timeFormat = this.makeTimeFormat(this.cfg.timezone);
    this.bind();
    this.connect(false);
  }

  LiveLog.prototype.makeTimeFormat = function (zone) {
    try {
      return new Intl.DateTimeFormat(undefined, {timeZone: zone || 'UTC', year: 'numeric', month: '2-digit',
        day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false});
    } catch (e) {
      return new Intl.DateTimeFormat(undefined, {timeZone: 'UTC', hour12: false,
        year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'});
    }
  };

  LiveLog.prototype.control = function (role) { return this.root.querySelector('[data-role=' + role + ']'); };

  LiveLog.prototype.params = function () {
    var p = new URLSearchParams();
    p.set('tail', this.control('tail').value);
    if (this.control('since').value) { p.set('since', this.control('since').value); }
    return p;
  };

  LiveLog.prototype.bind = function () {
    var self = this;
    this.view.addEventListener('scroll', function () {
      if (self.atBottom()) { self.unseen = 0; self.showJump(); }
    });
    this.jump.addEventListener('click', function () { self.scrollToEnd(); });
    this.control('pause').addEventListener('click', function () { self.togglePause(); });
    ['stdout', 'stderr', 'timestamps'].forEach(function (role) {
      self.control(role).addEventListener('change', function () {
        self.root.classList.toggle('hide-' + role, !self.control(role).checked);
        self.updateDownload();
      });
    });
    ['tail', 'since'].forEach(function (role) {
      self.control(role).addEventListener('change', function () { self.restart(); });
    });
    this.control('search').addEventListener('click', function () { self.search(); });
    this.control('q').addEventListener('keydown', function (event) {
      if (event.key === 'Enter') { event.preventDefault(); self.search(); }
    });
    this.control('clear-search').addEventListener('click', function () { self.endSearch(); });
    this.updateDownload();
  };

  LiveLog.prototype.setStatus = function (text) { this.status.textContent = text; };

  LiveLog.prototype.atBottom = function () {
    return this.view.scrollTop + this.view.clientHeight >= this.view.scrollHeight - 4;
  };

  LiveLog.prototype.scrollToEnd = function () {
    this.view.scrollTop = this.view.scrollHeight;
    this.unseen = 0;
    this.showJump();
  };

  LiveLog.prototype.showJump = function () {
    this.jump.hidden = this.unseen === 0;
    this.jump.textContent = this.unseen + ' ' + this.cfg.textNewLines;
  };

  LiveLog.prototype.formatTime = function (stamp) {
    if (!stamp) { return ''; }
    /* Intl formatting is slow: format each whole second once (a small cache, emptied when full). */
    var second = stamp.slice(0, 19), shown = this.timeCache[second];
    if (shown === undefined) {
      var date = new Date(second + 'Z');
      shown = isNaN(date) ? null : this.timeFormat.format(date);
      if (this.timeCacheSize > 1000) { this.timeCache = {}; this.timeCacheSize = 0; }
      this.timeCache[second] = shown;
      this.timeCacheSize++;
    }
    return shown === null ? stamp : shown + stamp.replace(/^.*?(\.\d{3})?\d*Z$/, '$1');
  };

  LiveLog.prototype.lineElement = function (line, extraClass) {
    /* line = [stream 'o'|'e', timestamp, text, truncated] */
    var row = document.createElement('div');
    row.className = 'log-line ' + (line[0] === 'e' ? 'stream-stderr' : 'stream-stdout') + (extraClass || '');
    row.dataset.ts = line[1];
    var time = document.createElement('span');
    time.className = 'log-time';
    time.textContent = this.formatTime(line[1]);
    if (line[1]) { time.title = line[1]; }  /* the exact UTC value on hover, as every Docker time here */
    row.appendChild(time);
    if (line[0] === 'e') {
      var mark = document.createElement('span');
      mark.className = 'log-stream';
      mark.textContent = 'stderr';
      row.appendChild(mark);
    }
    var text = document.createElement('span');
    text.className = 'log-text';
    ansiSpans(String(line[2])).forEach(function (part) {
      var span = document.createElement('span');
      if (part[0]) { span.className = part[0]; }
      span.textContent = part[1];
      text.appendChild(span);
    });
    row.appendChild(text);
    if (line[3]) {
      var cut = document.createElement('span');
      cut.className = 'log-cut';
      cut.textContent = '\u2026';
      row.appendChild(cut);
    }
    return row;
  };

  LiveLog.prototype.append = function (lines, extraClass) {
    var stick = this.atBottom(), fragment = document.createDocumentFragment(), self = this;
    var start = Math.max(0, lines.length - this.maxLines);
    this.dropped += start;
    for (var i = start; i < lines.length; i++) {
      fragment.appendChild(self.lineElement(lines[i], typeof extraClass === 'function' ? extraClass(lines[i]) : extraClass));
    }
    var keep = this.maxLines - (lines.length - start);
    if (keep <= 0) {
      /* a whole ring of new lines: swap the content at once instead of removing rows one by one */
      this.dropped += this.view.childElementCount;
      this.view.replaceChildren(fragment);
    } else {
      this.view.appendChild(fragment);
      var excess = this.view.childElementCount - this.maxLines;
      while (excess-- > 0) { this.view.removeChild(this.view.firstElementChild); this.dropped++; }
    }
    if (stick) { this.view.scrollTop = this.view.scrollHeight; }
    else { this.unseen += lines.length; this.showJump(); }
  };

  /* A 'lines' event carries a batch as {s: one 'o'/'e' per line, t: the lines joined by newlines, each
     "<timestamp> <text>", c: indexes of cut lines}; the view draws [stream, timestamp, text, cut]. */
  function unpackLines(data) {
    var texts = data.t.split('\n'), lines = new Array(texts.length), cut = {};
    (data.c || []).forEach(function (index) { cut[index] = true; });
    for (var i = 0; i < texts.length; i++) {
      var text = texts[i], space = text.indexOf(' ');
      lines[i] = space < 0 ? [data.s.charAt(i), '', text, !!cut[i]]
                           : [data.s.charAt(i), text.slice(0, space), text.slice(space + 1), !!cut[i]];
    }
    return lines;
  }

  LiveLog.prototype.receive = function (lines) {
    if (this.paused || this.searching) {
      this.pending = this.pending.concat(lines).slice(-this.maxLines);
      return;
    }
    /* Only the last maxLines can ever be shown: older queued lines are dropped, counted. */
    for (var i = 0; i < lines.length; i++) { this.queue.push(lines[i]); }
    if (this.queue.length > 2 * this.maxLines) {
      var excess = this.queue.length - this.maxLines;
      this.queue = this.queue.slice(excess);
      this.dropped += excess;
    }
    this.scheduleDraw();
  };

  LiveLog.prototype.scheduleDraw = function () {
    if (this.drawTimer !== null) { return; }
    var self = this, wait = Math.max(0, this.renderGap - (Date.now() - this.lastDraw));
    this.drawTimer = setTimeout(function () { self.draw(); }, wait);
  };

  LiveLog.prototype.draw = function () {
    this.drawTimer = null;
    var started = Date.now(), lines = this.queue;
    this.queue = [];
    if (!lines.length) { return; }
    if (this.paused || this.searching) { this.pending = this.pending.concat(lines).slice(-this.maxLines); }
    else { this.append(lines); }
    this.lastDraw = Date.now();
    /* a slow draw (a slow machine, a huge burst) waits twice its own time: the page keeps at least
       two thirds of its time for the user */
    this.renderGap = Math.max(RENDER_MS, 2 * (this.lastDraw - started));
  };

  LiveLog.prototype.togglePause = function () {
    this.paused = !this.paused;
    var button = this.control('pause');
    button.setAttribute('aria-pressed', String(this.paused));
    button.textContent = this.paused ? this.cfg.textResume : this.cfg.textPause;
    this.setStatus(this.paused ? this.cfg.textPaused : this.cfg.textFollowing);
    if (!this.paused && this.pending.length) { var lines = this.pending; this.pending = []; this.append(lines); }
  };

  LiveLog.prototype.connect = function (resume) {
    var self = this, params = this.params();
    this.disconnect();
    if (resume && this.cursor) { params.set('cursor', this.cursor); }
    var source = new EventSource(this.cfg.streamUrl + '?' + params.toString());
    this.source = source;
    source.addEventListener('hello', function (event) {
      var data = JSON.parse(event.data);
      self.backoff = 1000;
      self.setStatus(data.running ? self.cfg.textFollowing : self.cfg.textStopped);
    });
    source.addEventListener('lines', function (event) {
      if (event.lastEventId) { self.cursor = event.lastEventId; }
      self.receive(unpackLines(JSON.parse(event.data)));
    });
    source.addEventListener('end', function (event) {
      var data = JSON.parse(event.data);
      source.close();
      if (data.cursor) { self.cursor = data.cursor; }
      self.setStatus(data.message);
      if (data.reason === 'time' || data.reason === 'bytes') { self.connect(true); }
      else { self.retryLater(data.reason === 'eof' ? 10000 : null); }
    });
    source.addEventListener('failed', function (event) {
      var data = JSON.parse(event.data);
      source.close();
      self.setStatus(data.message);
      if (data.retry) { self.retryLater(null); }
    });
    source.onerror = function () {
      if (self.source !== source) { return; }
      /* CONNECTING: the browser reconnects by itself, sending Last-Event-ID (the cursor); CLOSED: we do */
      self.setStatus(self.cfg.textRetrying);
      if (source.readyState === EventSource.CLOSED) { self.retryLater(null); }
    };
  };

  LiveLog.prototype.retryLater = function (delay) {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.connect(true); }, delay || this.backoff);
    if (!delay) { this.backoff = Math.min(this.backoff * 2, 30000); }
  };

  LiveLog.prototype.disconnect = function () {
    clearTimeout(this.timer);
    if (this.source) { this.source.close(); this.source = null; }
  };

  LiveLog.prototype.restart = function () {
    this.cursor = null;
    this.view.textContent = '';
    this.pending = [];
    this.queue = [];
    this.unseen = 0;
    this.showJump();
    this.updateDownload();
    if (!this.searching) { this.connect(false); }
  };

  LiveLog.prototype.searchParams = function () {
    var p = this.params();
    p.set('q', this.control('q').value);
    ['regex', 'case', 'invert'].forEach(function (role) {
      if (this.control(role).checked) { p.set(role, '1'); }
    }, this);
    p.set('context', this.control('context').value || '0');
    return p;
  };

  LiveLog.prototype.search = function () {
    var self = this;
    if (!this.control('q').value) { this.endSearch(); return; }
    this.searching = true;
    this.control('clear-search').hidden = false;
    this.setStatus(this.cfg.textSearching);
    this.updateDownload();
    fetch(this.cfg.searchUrl + '?' + this.searchParams().toString(), {credentials: 'same-origin',
      headers: {'X-Requested-With': 'XMLHttpRequest'}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.error) { self.setStatus(data.error); return; }
        self.view.textContent = '';
        self.append(data.hits, function (hit) { return (hit[4] ? ' search-match' : ' search-context') + (hit[5] ? ' search-gap' : ''); });
        self.setStatus(data.hits.filter(function (hit) { return hit[4]; }).length + ' ' + self.cfg.textMatches);
      })
      .catch(function () { self.setStatus(self.cfg.textRetrying); });
  };

  LiveLog.prototype.endSearch = function () {
    this.searching = false;
    this.control('clear-search').hidden = true;
    this.control('q').value = '';
    this.restart();
  };

  LiveLog.prototype.updateDownload = function () {
    var p = this.searching ? this.searchParams() : this.params();
    if (!this.searching) { p.set('tail', 'all'); if (this.control('since').value) { p.set('since', this.control('since').value); } }
    p.delete('context');
    p.set('timestamps', this.control('timestamps').checked ? '1' : '0');
    p.set('stdout', this.control('stdout').checked ? '1' : '0');
    p.set('stderr', this.control('stderr').checked ? '1' : '0');
    this.control('download').href = this.cfg.downloadUrl + '?' + p.toString();
  };

  var live = [];
  function scan(node) {
    if (!node.querySelectorAll) { return; }
    node.querySelectorAll('.docker-live-logs').forEach(function (root) {
      if (!root.dataset.started) { root.dataset.started = '1'; live.push(new LiveLog(root)); }
    });
  }
  function sweep() {
    /* A tab switched away or a modal closed: close streams whose element left the page. */
    live = live.filter(function (item) {
      if (document.body.contains(item.root)) { return true; }
      item.disconnect();
      return false;
    });
  }
  window.dockerDashboardLiveLogs = {scan: scan, ansiSpans: ansiSpans, instances: function () { return live; }};
  new MutationObserver(function (mutations) {
    mutations.forEach(function (m) { m.addedNodes.forEach(scan); });
    sweep();
  }).observe(document.documentElement, {childList: true, subtree: true});
  window.addEventListener('pagehide', function () { live.forEach(function (item) { item.disconnect(); }); });
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', function () { scan(document); }); }
  else { scan(document); }
}());
