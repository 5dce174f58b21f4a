/* docker-dashboard Console tab: xterm.js on the server's Nova serial console.
 *
 * At each connect the script POSTs to the tab's endpoint, which asks Nova (with the user's token) for a
 * new nova-serialproxy URL, and opens that websocket itself with websockify's 'binary' subprotocol.
 * Bytes from the socket go to the terminal as they are (xterm decodes UTF-8); keystrokes and pastes go
 * back UTF-8 encoded. The serial protocol has no resize channel: the size travels in-band as xterm's own
 * window-manipulation sequence ESC [ 8 ; rows ; cols t, once at open and after every (debounced) fit,
 * and the driver's endpoint takes it out of the input and resizes the TTY.
 */
(function () {
  'use strict';
  if (window.dockerDashboardConsole) { window.dockerDashboardConsole.scan(document); return; }

  var encoder = new TextEncoder();

  function sizeSequence(rows, cols) {
    return encoder.encode('\x1b[8;' + rows + ';' + cols + 't');
  }

  function binaryBytes(text) {
    // xterm's onBinary: one byte per character (mouse reports in X10 mode).
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i += 1) { bytes[i] = text.charCodeAt(i) & 0xff; }
    return bytes;
  }

  function Console(root) {
    this.root = root;
    this.cfg = root.dataset;
    this.status = root.querySelector('[data-role=status]');
    this.reconnectButton = root.querySelector('[data-role=reconnect]');
    this.socket = null;
    this.resizeTimer = null;
    this.term = new window.Terminal({
      convertEol: false, cursorBlink: true, scrollback: 5000, fontSize: 14,
      fontFamily: 'DejaVu Sans Mono, Menlo, Consolas, monospace'
    });
    this.fit = new window.FitAddon.FitAddon();
    this.term.loadAddon(this.fit);
    this.term.open(root.querySelector('[data-role=terminal]'));
    this.term.attachCustomKeyEventHandler(this.clipboardKeys.bind(this));
    this.term.onData(function (data) { this.send(encoder.encode(data)); }.bind(this));
    this.term.onBinary(function (data) { this.send(binaryBytes(data)); }.bind(this));
    this.term.onResize(function () { this.sendSize(); }.bind(this));
    this.reconnectButton.addEventListener('click', this.connect.bind(this));
    var schedule = this.scheduleFit.bind(this);
    window.addEventListener('resize', schedule);
    if (window.ResizeObserver) { new window.ResizeObserver(schedule).observe(root); }
    // Horizon shows tabs by toggling classes: fit when this tab becomes visible.
    if (window.jQuery) { window.jQuery(document).on('shown.bs.tab', schedule); }
    root.dockerConsole = this;
    this.fitNow();
    this.connect();
  }

  Console.prototype.say = function (text, kind) {
    this.status.textContent = text;  // text only: messages may carry Nova's words
    this.status.className = 'console-status alert alert-' + (kind || 'info');
  };

  Console.prototype.clipboardKeys = function (event) {
    if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) { return true; }
    var key = event.key.toLowerCase();
    if (key === 'c') {
      var text = this.term.getSelection();
      if (text && navigator.clipboard) { navigator.clipboard.writeText(text); }
      event.preventDefault();
      return false;
    }
    // Ctrl+Shift+V: the browser's paste event reaches xterm's textarea, which sends the text as input.
    return key !== 'v';
  };

  Console.prototype.send = function (bytes) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) { this.socket.send(bytes); }
  };

  Console.prototype.sendSize = function () {
    this.send(sizeSequence(this.term.rows, this.term.cols));
  };

  Console.prototype.fitNow = function () {
    if (this.root.offsetParent === null) { return; }  // hidden tab: nothing to measure
    this.fit.fit();
  };

  Console.prototype.scheduleFit = function () {
    window.clearTimeout(this.resizeTimer);
    this.resizeTimer = window.setTimeout(this.fitNow.bind(this), Number(this.cfg.resizeDebounceMs) || 150);
  };

  Console.prototype.connect = function () {
    var self = this;
    if (self.socket && self.socket.readyState <= WebSocket.OPEN) { return; }
    self.reconnectButton.hidden = true;
    self.say(self.cfg.textAsking);
    fetch(self.cfg.urlEndpoint, {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: {'X-CSRFToken': self.cfg.csrf, 'X-Requested-With': 'XMLHttpRequest'}
    }).then(function (response) {
      return response.json().catch(function () { return {error: self.cfg.textFailed}; });
    }).then(function (answer) {
      if (answer.url) { self.open(answer.url); } else { self.fail(answer.error || self.cfg.textFailed); }
    }, function () { self.fail(self.cfg.textFailed); });
  };

  Console.prototype.fail = function (message) {
    this.say(message, 'warning');
    this.reconnectButton.hidden = false;
  };

  Console.prototype.open = function (url) {
    var self = this;
    var opened = false;
    self.say(self.cfg.textConnecting);
    var socket = new WebSocket(url, ['binary']);
    socket.binaryType = 'arraybuffer';
    self.socket = socket;
    socket.onopen = function () {
      opened = true;
      self.say(self.cfg.textConnected, 'success');
      self.fitNow();
      self.sendSize();
      self.term.focus();
    };
    socket.onmessage = function (event) {
      self.term.write(typeof event.data === 'string' ? event.data : new Uint8Array(event.data));
    };
    socket.onclose = function (event) {
      if (self.socket !== socket) { return; }
      self.socket = null;
      if (!opened) {
        self.fail(self.cfg.textRefused);
      } else if (event.reason) {
        self.fail(self.cfg.textClosedReason.replace('%s', event.reason));
      } else {
        self.fail(self.cfg.textClosed);
      }
    };
  };

  function scan(scope) {
    Array.prototype.forEach.call(scope.querySelectorAll('.docker-console'), function (root) {
      if (!root.dockerConsole) { new Console(root); }
    });
  }

  window.dockerDashboardConsole = {scan: scan, sizeSequence: sizeSequence};
  scan(document);
  // Leaving the page ends the session at once (the driver then ends the shell).
  window.addEventListener('pagehide', function () {
    Array.prototype.forEach.call(document.querySelectorAll('.docker-console'), function (root) {
      if (root.dockerConsole && root.dockerConsole.socket) { root.dockerConsole.socket.close(); }
    });
  });
}());
