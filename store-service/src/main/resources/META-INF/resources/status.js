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
  // The versions view: the folder's newest versions (path null) or one path's; refetched when the store's version
  // figures change, so rows (and a command being selected) stay put between refreshes.
  var versionsPath = null;
  var versionsKey = null;
  var versionsSummary = null;
  var versionsShown = null;
  var shownFolder = null;

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
    refreshVersions(s.versions, false);
    $('status').hidden = false;
    $('token-form').hidden = true;
    show('updated', 'updated ' + new Date().toLocaleTimeString());
    show('error', '');
  }

  function authHeaders() {
    var token = sessionStorage.getItem(TOKEN_KEY);
    return token ? { 'Authorization': 'Bearer ' + token } : {};
  }

  function withFolder(url) {
    return shownFolder === null ? url : url + (url.indexOf('?') >= 0 ? '&' : '?') + 'folder=' + encodeURIComponent(shownFolder);
  }

  // A word for a POSIX shell: single quotes, a quote inside written as '\''.
  function shellWord(s) {
    return "'" + s.replace(/'/g, "'\\''") + "'";
  }

  // The --at that selects a version: the last millisecond before it was replaced (what `ferry-watcher versions` prints).
  function atOf(v) {
    return new Date(Date.parse(v.to) - 1).toISOString();
  }

  function restoreCommand(path, v) {
    var folder = shownFolder === null ? '' : ' --folder ' + shellWord(shownFolder);
    if (v.type === 'dir') {
      return 'ferry-watcher restore --tree ' + shellWord(path) + ' --at ' + atOf(v) + ' --to TARGET' + folder;
    }
    return 'ferry-watcher restore ' + shellWord(path) + ' --at ' + atOf(v) + folder;
  }

  function baseName(path) {
    var i = path.lastIndexOf('/');
    return i >= 0 ? path.substring(i + 1) : path;
  }

  // Fetches the version's bytes with the token (a link could not send it) and saves them as a file.
  function download(path, v, button) {
    var url = withFolder('/api/v1/versions/file?path=' + encodeURIComponent(path) + '&at=' + encodeURIComponent(atOf(v)));
    button.disabled = true;
    show('versions-error', '');
    fetch(url, { headers: authHeaders(), cache: 'no-store' }).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (e) {
          throw new Error(e.message || ('HTTP ' + r.status));
        });
      }
      return r.blob();
    }).then(function (blob) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = baseName(path);
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
    }).catch(function (e) {
      show('versions-error', 'cannot download ' + path + ': ' + e.message);
    }).then(function () { button.disabled = false; });
  }

  function versionRow(path, v) {
    var row = document.createElement('tr');
    cell(row, path, 'path');
    var when = document.createElement('td');
    when.textContent = new Date(v.to).toLocaleString();
    when.title = 'from ' + v.from + ' to ' + v.to;
    when.className = 'replaced';
    when.setAttribute('data-value', v.to);
    row.appendChild(when);
    cell(row, v.reason, 'reason');
    cell(row, v.type, 'type');
    var size = document.createElement('td');
    size.textContent = v.type === 'file' ? bytes(v.size) : '';
    size.className = 'size';
    size.setAttribute('data-value', String(v.size));
    row.appendChild(size);
    var command = document.createElement('td');
    var code = document.createElement('code');
    code.className = 'restore-command';
    code.textContent = restoreCommand(path, v);
    command.appendChild(code);
    row.appendChild(command);
    var action = document.createElement('td');
    if (v.type === 'file') {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'download';
      button.textContent = 'Download';
      button.addEventListener('click', function () { download(path, v, button); });
      action.appendChild(button);
    }
    row.appendChild(action);
    return row;
  }

  function renderVersions(title, rows) {
    // Rows are rebuilt only when what they show changed: a click or a selection on them survives refreshes.
    var shown = JSON.stringify([shownFolder, title, rows]);
    if (shown === versionsShown) { return; }
    versionsShown = shown;
    var body = $('versions');
    body.replaceChildren();
    rows.forEach(function (r) { body.appendChild(versionRow(r.path, r.version)); });
    $('no-versions').hidden = rows.length > 0;
    show('versions-title', title);
  }

  // Fetches the list shown (the folder's newest, or one path's) when what it depends on changed.
  function refreshVersions(summary, force) {
    if (summary) { versionsSummary = summary; } else { summary = versionsSummary; }
    var key = [shownFolder, versionsPath, summary ? summary.count : '', summary ? summary.pruned : '',
      summary ? summary.bytes : ''].join('\n');
    if (!force && key === versionsKey) { return; }
    versionsKey = key;
    var path = versionsPath;
    var folder = shownFolder;
    var url = path === null ? '/api/v1/versions/recent?limit=50'
      : '/api/v1/versions?path=' + encodeURIComponent(path);
    fetch(withFolder(url), { headers: authHeaders(), cache: 'no-store' }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    }).then(function (a) {
      if (path !== versionsPath || folder !== shownFolder) { return; }
      show('versions-error', '');
      if (path === null) {
        if (a.status !== 200) { throw new Error(a.body.message || ('HTTP ' + a.status)); }
        renderVersions('The newest kept versions of the folder.', a.body.versions.map(function (v) {
          return { path: v.path, version: v };
        }));
      } else if (a.status === 404) {
        renderVersions('Nothing is at ' + path + ' and no version of it is kept.', []);
      } else if (a.status !== 200) {
        throw new Error(a.body.message || ('HTTP ' + a.status));
      } else {
        var c = a.body.current;
        var now = c === null ? 'Not in the folder now.'
          : 'Now: ' + c.type + (c.type === 'file' ? ', ' + bytes(c.size) : '') + ', since ' + new Date(c.since).toLocaleString() + '.';
        renderVersions('Versions of ' + a.body.path + '. ' + now, a.body.versions.map(function (v) {
          return { path: a.body.path, version: v };
        }));
      }
    }).catch(function (e) {
      versionsKey = null;
      show('versions-error', 'cannot list versions: ' + e.message);
    });
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
      shownFolder = folder;
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
    $('versions-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var p = $('versions-path').value.trim().replace(/^\/+|\/+$/g, '');
      versionsPath = p === '' ? null : p;
      refreshVersions(null, true);
    });
    $('versions-recent').addEventListener('click', function () {
      $('versions-path').value = '';
      versionsPath = null;
      refreshVersions(null, true);
    });
    $('folder').addEventListener('change', function () {
      sessionStorage.setItem(FOLDER_KEY, $('folder').value);
      refresh();
    });
    refresh();
  });
})();
