// Ferry store status page: fetches /api/v1/status every 2 s and shows it (of the folder picked, on a store of many). The token, when the store needs one, is
// asked for once and kept in sessionStorage (this tab only), and sent as "Authorization: Bearer ...". Every value is
// written with textContent: paths come from the watched folder and are never interpreted as HTML.
(function () {
  'use strict';
  var TOKEN_KEY = 'ferry-token';
  var FOLDER_KEY = 'ferry-folder';
  var REFRESH_MS = 2000;
  var UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  var timer = null;

  function $(id) { return document.getElementById(id); }

  function bytes(n) {
    if (n < 0) { return 'unknown'; }
    if (n < 1024) { return n + ' B'; }
    var v = n, u = 0;
    while (v >= 1024 && u < UNITS.length - 1) { v /= 1024; u++; }
    return v.toFixed(1) + ' ' + UNITS[u];
  }

  function seconds(s) {
    if (s < 1) { return s === 0 ? 'none' : s.toFixed(2) + ' s'; }
    if (s < 120) { return s.toFixed(1) + ' s'; }
    return Math.round(s / 60) + ' min';
  }

  function show(id, text, raw) {
    var el = $(id);
    el.textContent = text;
    if (raw !== undefined) { el.setAttribute('data-value', String(raw)); }
  }

  function cell(row, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
  }

  function render(s) {
    show('summary', s.dest + ' · store ' + s.storeId);
    show('bytes-stored', bytes(s.bytesStored), s.bytesStored);
    show('chunks-stored', s.chunksStored + ' chunks', s.chunksStored);
    show('mirror-bytes', bytes(s.mirrorBytes), s.mirrorBytes);
    show('files-in-index', s.filesInIndex + ' entries', s.filesInIndex);
    show('dedup-ratio', s.dedupRatio.toFixed(2) + '×', s.dedupRatio);
    show('lag', seconds(s.lagSeconds), s.lagSeconds);
    show('pending', s.pendingFiles + ' files and ' + s.pendingBatches + ' batches pending', s.pendingFiles);
    show('disk-free', bytes(s.diskFreeBytes), s.diskFreeBytes);
    show('dest', s.dest);
    show('bytes-received', bytes(s.bytesReceived), s.bytesReceived);
    show('bytes-deduplicated', bytes(s.bytesDeduplicated) + ' of it already stored', s.bytesDeduplicated);

    var watchers = $('watchers');
    watchers.replaceChildren();
    s.watchers.forEach(function (w) {
      var row = document.createElement('tr');
      cell(row, w.clientId, 'watcher');
      cell(row, new Date(w.connectedSince).toLocaleString());
      watchers.appendChild(row);
    });
    $('no-watchers').hidden = s.watchers.length > 0;

    var changes = $('changes');
    changes.replaceChildren();
    s.recentChanges.forEach(function (c) {
      var row = document.createElement('tr');
      cell(row, new Date(c.at).toLocaleTimeString());
      cell(row, c.op);
      cell(row, c.path, 'path');
      changes.appendChild(row);
    });
    $('no-changes').hidden = s.recentChanges.length > 0;
    $('status').hidden = false;
    $('token-form').hidden = true;
    show('updated', 'updated ' + new Date().toLocaleTimeString());
    show('error', '');
  }

  function askForToken(refused) {
    $('status').hidden = true;
    $('token-form').hidden = false;
    $('token-error').hidden = !refused;
    show('summary', 'The store needs its token.');
    $('token').focus();
  }

  // A store of many folders: /api/v1/folders lists them (a folder's token: its own) and the picker chooses whose
  // status is shown; a store of one folder lists none and shows no picker.
  function pickFolder(list) {
    var picker = $('folder');
    var names = list.map(function (f) { return f.name; });
    $('folder-picker').hidden = names.length === 0;
    if (names.length === 0) { return null; }
    var shown = Array.prototype.map.call(picker.options, function (o) { return o.value; });
    if (shown.join('\n') !== names.join('\n')) {
      var keep = sessionStorage.getItem(FOLDER_KEY);
      picker.textContent = '';
      names.forEach(function (n) {
        var o = document.createElement('option');
        o.value = n;
        o.textContent = n;
        picker.appendChild(o);
      });
      picker.value = names.indexOf(keep) >= 0 ? keep : names[0];
    }
    return picker.value;
  }

  function refresh() {
    clearTimeout(timer);
    var token = sessionStorage.getItem(TOKEN_KEY);
    var headers = token ? { 'Authorization': 'Bearer ' + token } : {};
    function checked(r) {
      if (r.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        askForToken(token !== null);
        return null;
      }
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      return r.json();
    }
    fetch('/api/v1/folders', { headers: headers, cache: 'no-store' }).then(checked).then(function (f) {
      if (!f) { return null; }
      var folder = pickFolder(f.folders);
      var url = '/api/v1/status' + (folder === null ? '' : '?folder=' + encodeURIComponent(folder));
      return fetch(url, { headers: headers, cache: 'no-store' }).then(checked);
    }).then(function (s) {
      if (s) {
        render(s);
        timer = setTimeout(refresh, REFRESH_MS);
      }
    }).catch(function (e) {
      show('error', 'cannot reach the store: ' + e.message);
      timer = setTimeout(refresh, REFRESH_MS);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('token-form').addEventListener('submit', function (e) {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('token').value);
      $('token').value = '';
      refresh();
    });
    $('folder').addEventListener('change', function () {
      sessionStorage.setItem(FOLDER_KEY, $('folder').value);
      refresh();
    });
    refresh();
  });
})();
