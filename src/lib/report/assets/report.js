// etpu report: details on hover/click, zoom and pan, an overview of the
// whole graph, search, lists that jump to ops, and boxes of several ops that
// open in place. No network, no libraries; model strings are only ever
// written with textContent.
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var data = JSON.parse(document.getElementById('etpu-data').textContent);
  var svg = document.getElementById('graph-svg');
  var view = document.getElementById('view');
  var details = document.getElementById('details');
  var overview = document.getElementById('overview');
  var search = document.getElementById('search');
  var results = document.getElementById('results');
  var W0 = +svg.getAttribute('data-width'), H0 = +svg.getAttribute('data-height');
  var W = W0, H = H0;
  var vb = { x: 0, y: 0, w: W, h: H };
  var pinned = null;
  var expanded = {};          // node id -> true
  var pos = [];               // node id -> {x, y, w, h} as drawn now
  var nodeEl = {};            // node id -> <g>
  var opNode = data.ops.map(function (o) { return o.node; });
  var compiledView = data.summary.placement_source !== 'predicted';

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function sel(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // text with `code` spans, as the hints write them
  function codeText(parent, s) {
    String(s).split('`').forEach(function (part, i) {
      if (part) parent.appendChild(i % 2 ? el('code', part) : document.createTextNode(part));
    });
    return parent;
  }
  var WHERE = { tpu: 'runs on the Edge TPU', cpu: 'runs on the CPU' };
  var SOURCE = { compiled: 'from the compiled model', log: "from the compiler's log",
    predicted: 'predicted by etpu check', unknown: '' };

  svg.querySelectorAll('.node').forEach(function (g) { nodeEl[+g.getAttribute('data-node')] = g; });

  // ---- details --------------------------------------------------------------
  function tensorTable(title, list) {
    var box = document.createDocumentFragment();
    box.appendChild(el('dt', title));
    var t = el('table');
    list.forEach(function (x) {
      var tr = el('tr');
      tr.appendChild(el('td', '#' + x.index + ' ' + (x.name ? x.name : '(unnamed)')));
      var info = (x.shape || '') + ' ' + (x.type || '');
      if (x.constant) info += ' \u00b7 constant ' + x.bytes + ' B';
      if (x.quantization) info += ' \u00b7 ' + x.quantization;
      tr.appendChild(el('td', info));
      t.appendChild(tr);
    });
    var dd = el('dd');
    dd.appendChild(t);
    box.appendChild(dd);
    return box;
  }

  function showOp(i) {
    var op = data.ops[i];
    details.textContent = '';
    details.appendChild(el('h3', '#' + op.index + ' ' + op.op + ' (version ' + op.version + ')'));
    var p = el('p');
    var where = WHERE[op.placement] || op.placement;
    if (data.summary.hypothetical) where = 'would run on the ' + (op.placement === 'tpu' ? 'Edge TPU' : 'CPU') +
      ' if the compiler got past the fatal problem';
    p.appendChild(el('span', where, 'where ' + op.placement));
    if (compiledView) p.appendChild(el('span', ' (' + SOURCE[data.summary.placement_source] + ')'));
    if (op.placement === 'tpu' && op.subgraph !== null && data.summary.edgetpu_subgraphs > 1)
      p.appendChild(el('span', ', Edge TPU subgraph ' + (op.subgraph + 1)));
    if (op.breaking) p.appendChild(el('div', compiledView ? 'The Edge TPU part of the graph ends here.'
      : 'The Edge TPU part of the graph is cut here.', 'bad'));
    if (op.fatal) p.appendChild(el('div', 'Named by a fatal problem.', 'bad'));
    details.appendChild(p);
    var dl = el('dl');
    function add(t, v, cls) {
      if (v === null || v === undefined || v === '') return;
      dl.appendChild(el('dt', t));
      var dd = typeof v === 'string' ? codeText(el('dd'), v) : v;
      if (cls) dd.className = cls;
      dl.appendChild(dd);
    }
    if (op.status) {
      var st = op.status;
      if (op.status_source === 'log' && !op.status_exact)
        st += " \u2014 the log counts statuses per op type; which " + op.op + ' got which is etpu\'s reading';
      add('Compiler status' + (compiledView ? ' (' + SOURCE[op.status_source] + ')' : ''), st);
    } else if (compiledView) {
      add('Compiler status', 'not in the compiled model; give --log for the compiler\'s wording');
    }
    if (compiledView) {
      var pred = (op.predicted === 'tpu' ? 'Edge TPU' : 'CPU') + (op.predicted_status ? ', ' + op.predicted_status : '');
      add('etpu predicted', pred + (op.predicted === op.placement && op.predicted_status === op.status ? ' (agrees)' : ' (differs)'), 'pred');
    }
    if (op.own_status && op.own_status !== op.predicted_status) add('On its own (etpu)', op.own_status);
    if (op.reason) add(compiledView ? 'Why (etpu\'s analysis)' : 'Why', op.reason);
    if (op.hint) add('What to do', op.hint);
    if (op.fix_pass && !(op.hint && op.hint.indexOf('etpu fix') >= 0)) add('Fixed by', '`etpu fix --only ' + op.fix_pass + '`');
    if (op.macs) add('Multiply-accumulates', op.macs.toLocaleString('en'));
    dl.appendChild(tensorTable('Inputs', op.inputs));
    dl.appendChild(tensorTable('Outputs', op.outputs));
    details.appendChild(dl);
  }

  function showNode(id) {
    var n = data.nodes[id];
    if (n.kind === 'op') return showOp(n.ops[0]);
    details.textContent = '';
    if (n.kind === 'group') {
      // "block · 15 ops" says its count already; "RELU ×7" does not
      details.appendChild(el('h3', n.label + (/ ops$/.test(n.label) ? '' : ' \u2014 ' + n.ops.length + ' ops')));
      var cls = n.cpu_ops && n.cpu_ops < n.ops.length ? 'mixed: ' + (n.ops.length - n.cpu_ops) +
        ' on the Edge TPU, ' + n.cpu_ops + ' on the CPU' : (WHERE[n['class']] || n['class']);
      details.appendChild(el('p', cls, 'where ' + n['class']));
      details.appendChild(el('p', (n.inner ? (expanded[id] ? 'Click its title to close it. ' :
        'Click the box to open it. ') : '') + 'Its ops:', 'hint'));
      var ul = el('ul');
      n.ops.forEach(function (i) {
        var li = el('li');
        var a = el('a', '#' + i + ' ' + data.ops[i].op + (data.ops[i].placement === 'cpu' ? ' (CPU)' : ''));
        a.addEventListener('click', function (ev) { ev.stopPropagation(); goTo(i); });
        li.appendChild(a);
        ul.appendChild(li);
      });
      details.appendChild(ul);
      return;
    }
    details.appendChild(el('h3', (n.kind === 'input' ? 'Model input' : 'Model output')));
    details.appendChild(el('p', n.label + ' \u2014 ' + n.sublabel));
  }

  function select(g) {
    var old = svg.querySelector('.selected');
    if (old) old.classList.remove('selected');
    if (g) g.classList.add('selected');
  }

  // ---- positions, with open boxes -----------------------------------------------
  // A box opened in place grows right and down: its layer's later boxes move
  // right, every lower layer moves down. Edges are redrawn from the boxes.
  function relayout() {
    var grow = {}, extra = {}; // per layer: height added; per node: width added
    var byLayer = {};
    data.nodes.forEach(function (n) {
      if (!expanded[n.id]) return;
      var ew = Math.max(n.w, n.inner.w + 16) - n.w, eh = n.inner.h + 30 - n.h;
      extra[n.id] = ew;
      grow[n.layer] = Math.max(grow[n.layer] || 0, eh);
      (byLayer[n.layer] = byLayer[n.layer] || []).push(n);
    });
    var layers = data.layers, dy = [], acc = 0;
    for (var L = 0; L <= layers; L++) { dy[L] = acc; acc += grow[L] || 0; }
    function shiftX(layer, x) {
      var s = 0;
      (byLayer[layer] || []).forEach(function (e) { if (e.x < x) s += extra[e.id]; });
      return s;
    }
    var maxW = W0;
    data.nodes.forEach(function (n) {
      var p = { x: n.x + shiftX(n.layer, n.x), y: n.y + dy[n.layer], w: n.w + (extra[n.id] || 0),
        h: expanded[n.id] ? n.inner.h + 30 : n.h };
      pos[n.id] = p;
      maxW = Math.max(maxW, p.x + p.w + 20);
      var g = nodeEl[n.id];
      if (g) g.setAttribute('transform', 'translate(' + p.x + ' ' + p.y + ')');
    });
    W = maxW; H = H0 + acc;
    svg.querySelectorAll('.edges path').forEach(function (path) {
      var e = data.edges[+path.getAttribute('data-edge')];
      var a = pos[e.from], b = pos[e.to], fl = data.nodes[e.from].layer;
      var pts = [[a.x + a.w / 2, a.y + a.h]];
      // two points per layer passed: its top and its bottom (which moves
      // down with the layer's open boxes)
      for (var k = 1; k < e.points.length - 1; k++) {
        var q = e.points[k], L = fl + Math.floor((k + 1) / 2);
        pts.push([q[0] + shiftX(L, q[0]), q[1] + dy[L] + (k % 2 === 0 ? grow[L] || 0 : 0)]);
      }
      pts.push([b.x + b.w / 2, b.y]);
      var d = 'M' + pts[0][0] + ' ' + pts[0][1];
      for (var i = 1; i < pts.length; i++) {
        var y0 = pts[i - 1][1], y1 = pts[i][1], h = Math.max(Math.abs(y1 - y0) / 2, 12);
        d += path.classList.contains('back') ? ' L' + pts[i][0] + ' ' + y1 :
          ' C' + pts[i - 1][0] + ' ' + (y0 + h) + ' ' + pts[i][0] + ' ' + (y1 - h) + ' ' + pts[i][0] + ' ' + y1;
      }
      path.setAttribute('d', d);
    });
    drawOverview();
  }

  function drawInner(id) {
    var n = data.nodes[id], g = nodeEl[id], box = g.querySelector('.box');
    var inner = sel('g', { 'class': 'inner' });
    var fw = Math.max(n.w, n.inner.w + 16), fh = n.inner.h + 30;
    inner.appendChild(sel('rect', { 'class': 'frame', width: fw, height: fh, rx: 8 }));
    var title = sel('text', { 'class': 'frame-title', x: 8, y: 16 }, '\u25be ' + n.label + ' (' + n.ops.length + ' ops): click to close');
    title.addEventListener('click', function (ev) { ev.stopPropagation(); toggle(id); });
    inner.appendChild(title);
    var body = sel('g', { transform: 'translate(8 24)' });
    n.inner.edges.forEach(function (pts) {
      var d = 'M' + pts[0][0] + ' ' + pts[0][1];
      for (var i = 1; i < pts.length; i++) d += ' L' + pts[i][0] + ' ' + pts[i][1];
      body.appendChild(sel('path', { 'class': 'edge', d: d }));
    });
    n.inner.nodes.forEach(function (x) {
      var op = data.ops[x.op];
      var c = 'node op ' + op.placement + (op.breaking ? ' breaking' : '') + (op.fatal ? ' fatal' : '');
      var gi = sel('g', { 'class': c, 'data-op': x.op, transform: 'translate(' + x.x + ' ' + x.y + ')' });
      gi.appendChild(sel('rect', { 'class': 'box', width: x.w, height: x.h, rx: 6 }));
      gi.appendChild(sel('text', { 'class': 'l1', x: x.w / 2, y: 17 }, x.label));
      gi.appendChild(sel('text', { 'class': 'l2', x: x.w / 2, y: 32 }, x.sublabel));
      body.appendChild(gi);
    });
    inner.appendChild(body);
    Array.prototype.forEach.call(g.children, function (c) { c.style.display = 'none'; });
    g.appendChild(inner);
    void box;
  }

  function toggle(id) {
    var n = data.nodes[id];
    if (!n.inner) return;
    var g = nodeEl[id];
    if (expanded[id]) {
      delete expanded[id];
      var inner = g.querySelector('.inner');
      if (inner) g.removeChild(inner);
      Array.prototype.forEach.call(g.children, function (c) { c.style.display = ''; });
    } else {
      expanded[id] = true;
      drawInner(id);
    }
    relayout();
    apply();
  }

  // ---- zoom and pan ----------------------------------------------------------
  function apply() {
    svg.setAttribute('viewBox', vb.x + ' ' + vb.y + ' ' + vb.w + ' ' + vb.h);
    drawPort();
  }
  function scale() { return view.getBoundingClientRect().width / vb.w; }
  function centreOn(x, y, s) {
    var r = view.getBoundingClientRect();
    s = s || scale();
    vb.w = Math.max(r.width, 1) / s; vb.h = Math.max(r.height, 1) / s;
    vb.x = x - vb.w / 2; vb.y = y - vb.h / 2;
    apply();
  }
  // The whole graph when its labels stay readable (scale >= 0.6); otherwise
  // the width at a readable scale, centred on the cut (or the first op on the
  // CPU): on a big model the first view shows where the Edge TPU part ends.
  function fit() {
    var r = view.getBoundingClientRect();
    var rw = Math.max(r.width, 1), rh = Math.max(r.height, 1);
    var s = Math.min(rw / W, rh / H, 1.25);
    if (s >= 0.6) {
      vb.w = rw / s; vb.h = rh / s; vb.x = (W - vb.w) / 2; vb.y = (H - vb.h) / 2;
      return apply();
    }
    s = Math.max(Math.min(rw / W, 1), 0.6);
    vb.w = rw / s; vb.h = rh / s; vb.x = (W - vb.w) / 2; vb.y = 0;
    var focus = data.summary.breaking_op;
    if (focus < 0) for (var i = 0; i < data.ops.length; i++) if (data.ops[i].placement === 'cpu') { focus = i; break; }
    if (focus >= 0) {
      var p = pos[opNode[focus]];
      vb.y = Math.max(0, Math.min(p.y + p.h / 2 - vb.h / 2, H - vb.h));
    }
    apply();
  }
  function zoom(f, cx, cy) {
    var r = view.getBoundingClientRect();
    var px = cx === undefined ? 0.5 : (cx - r.left) / r.width;
    var py = cy === undefined ? 0.5 : (cy - r.top) / r.height;
    var nw = Math.min(Math.max(vb.w * f, 50), Math.max(W, H) * 4);
    var nh = nw * (vb.h / vb.w);
    vb.x += (vb.w - nw) * px; vb.y += (vb.h - nh) * py;
    vb.w = nw; vb.h = nh;
    apply();
  }
  view.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var r = view.getBoundingClientRect();
    if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
      vb.x += (ev.shiftKey ? ev.deltaY : ev.deltaX) * vb.w / r.width; apply();
    } else {
      zoom(Math.exp(ev.deltaY * 0.002), ev.clientX, ev.clientY);
    }
  }, { passive: false });
  var drag = null, moved = false;
  view.addEventListener('mousedown', function (ev) {
    drag = { x: ev.clientX, y: ev.clientY, vx: vb.x, vy: vb.y }; moved = false;
  });
  window.addEventListener('mousemove', function (ev) {
    if (!drag) return;
    var r = view.getBoundingClientRect();
    var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) { moved = true; view.classList.add('dragging'); }
    vb.x = drag.vx - dx * vb.w / r.width; vb.y = drag.vy - dy * vb.h / r.height;
    apply();
  });
  window.addEventListener('mouseup', function () {
    drag = null; view.classList.remove('dragging');
    setTimeout(function () { moved = false; }, 0);
  });

  svg.addEventListener('mouseover', function (ev) {
    if (pinned !== null || !ev.target.closest) return;
    var o = ev.target.closest('[data-op]');
    if (o) return showOp(+o.getAttribute('data-op'));
    var g = ev.target.closest('.node');
    if (g && g.hasAttribute('data-node')) showNode(+g.getAttribute('data-node'));
  });
  svg.addEventListener('click', function (ev) {
    if (moved || !ev.target.closest) return;
    var o = ev.target.closest('[data-op]');
    if (o) { pinned = 'op'; select(o); return showOp(+o.getAttribute('data-op')); }
    var g = ev.target.closest('.node');
    if (!g) { pinned = null; select(null); return; }
    var id = +g.getAttribute('data-node');
    if (data.nodes[id].inner && !expanded[id]) { toggle(id); pinned = id; select(null); return showNode(id); }
    if (expanded[id]) return;
    pinned = pinned === id ? null : id;
    select(pinned === null ? null : g);
    showNode(id);
  });

  // ---- going to an op -----------------------------------------------------------
  function goTo(i) {
    var id = opNode[i], n = data.nodes[id];
    if (n.kind === 'group' && n.inner && !expanded[id]) toggle(id);
    var p = pos[id], target = nodeEl[id], x = p.x + p.w / 2, y = p.y + p.h / 2;
    if (expanded[id]) {
      n.inner.nodes.forEach(function (q) {
        if (q.op === i) { x = p.x + 8 + q.x + q.w / 2; y = p.y + 24 + q.y + q.h / 2; }
      });
      target = nodeEl[id].querySelector('[data-op="' + i + '"]') || target;
    }
    centreOn(x, y, Math.max(scale(), 0.8));
    svg.querySelectorAll('.found').forEach(function (f) { f.classList.remove('found'); });
    target.classList.add('found');
    pinned = 'op'; select(target); showOp(i);
  }
  document.querySelectorAll('[data-goto]').forEach(function (a) {
    a.addEventListener('click', function (ev) { ev.preventDefault(); goTo(+a.getAttribute('data-goto')); });
  });
  document.querySelectorAll('[data-show]').forEach(function (a) {
    a.addEventListener('click', function (ev) {
      ev.preventDefault();
      var s = document.getElementById(a.getAttribute('data-show'));
      if (s) s.scrollIntoView();
    });
  });

  // ---- the overview --------------------------------------------------------------
  // Every box as a mark, at least 4 px on screen whatever the graph's size, CPU
  // marks and the cut drawn last so they always show. A fatal op is a red
  // frame around its mark, so its placement colour stays visible inside.
  var port = null, oscale = 1;
  function drawOverview() {
    var r = overview.getBoundingClientRect();
    var ow = Math.max(r.width, 1), oh = Math.max(r.height, 1);
    oscale = Math.min(ow / W, oh / H);
    overview.setAttribute('viewBox', '0 0 ' + ow + ' ' + oh);
    overview.textContent = '';
    var min = 4, offx = (ow - W * oscale) / 2;
    function mark(cls, p, ops, frac0, frac1) {
      var x = offx + (p.x + p.w * (frac0 || 0)) * oscale, w = p.w * ((frac1 === undefined ? 1 : frac1) - (frac0 || 0)) * oscale;
      var y = p.y * oscale, h = p.h * oscale;
      if (w < min) { x -= (min - w) / 2; w = min; }
      if (h < min) { y -= (min - h) / 2; h = min; }
      var m = sel('rect', { 'class': 'mark ' + cls, x: x, y: y, width: w, height: h });
      if (ops) m.setAttribute('data-ops', ops.join(','));
      overview.appendChild(m);
      return m;
    }
    var later = [];
    data.nodes.forEach(function (n) {
      var p = pos[n.id];
      if (n.kind === 'input' || n.kind === 'output') return mark('io', p);
      var cpu = n.ops.filter(function (i) { return data.ops[i].placement === 'cpu'; });
      var tpu = n.ops.filter(function (i) { return data.ops[i].placement !== 'cpu'; });
      if (tpu.length) mark('tpu', p, tpu, 0, cpu.length ? tpu.length / n.ops.length : 1);
      if (cpu.length) later.push([p, cpu, tpu.length / n.ops.length]);
    });
    later.forEach(function (c) { mark('cpu', c[0], c[1], c[2], 1); });
    data.ops.forEach(function (o) {
      if (!o.fatal) return;
      var m = mark('fatal', pos[o.node], [o.index]), pad = 2;
      m.setAttribute('x', +m.getAttribute('x') - pad); m.setAttribute('y', +m.getAttribute('y') - pad);
      m.setAttribute('width', +m.getAttribute('width') + 2 * pad);
      m.setAttribute('height', +m.getAttribute('height') + 2 * pad);
    });
    var b = data.summary.breaking_op;
    if (b >= 0) {
      var p = pos[opNode[b]];
      var cut = sel('rect', { 'class': 'cutmark', x: 0, y: Math.max(p.y * oscale - 2, 0), width: ow, height: 3 });
      cut.setAttribute('data-ops', String(b));
      overview.appendChild(cut);
    }
    port = sel('rect', { 'class': 'port' });
    overview.appendChild(port);
    drawPort();
  }
  function drawPort() {
    if (!port) return;
    var r = overview.getBoundingClientRect(), offx = (r.width - W * oscale) / 2;
    port.setAttribute('x', offx + vb.x * oscale); port.setAttribute('y', vb.y * oscale);
    port.setAttribute('width', Math.max(vb.w * oscale, 2)); port.setAttribute('height', Math.max(vb.h * oscale, 2));
  }
  var odrag = false;
  function overviewGo(ev) {
    var r = overview.getBoundingClientRect(), offx = (r.width - W * oscale) / 2;
    vb.x = (ev.clientX - r.left - offx) / oscale - vb.w / 2;
    vb.y = (ev.clientY - r.top) / oscale - vb.h / 2;
    apply();
  }
  overview.addEventListener('mousedown', function (ev) { odrag = true; overviewGo(ev); ev.preventDefault(); });
  window.addEventListener('mousemove', function (ev) { if (odrag) overviewGo(ev); });
  window.addEventListener('mouseup', function () { odrag = false; });

  // ---- search (Ctrl+F) -----------------------------------------------------------
  var found = [], active = 0;
  function find(q) {
    q = q.trim().toLowerCase();
    var out = [];
    if (!q) return out;
    var num = /^#?(\d+)$/.exec(q);
    if (num && +num[1] < data.ops.length) out.push([+num[1], 'op number']);
    for (var i = 0; i < data.ops.length && out.length < 50; i++) {
      var o = data.ops[i];
      if (num && i === +num[1]) continue;
      if (o.op.toLowerCase().indexOf(q) >= 0) { out.push([i, 'type']); continue; }
      var t = o.inputs.concat(o.outputs);
      for (var k = 0; k < t.length; k++)
        if (t[k].name && t[k].name.toLowerCase().indexOf(q) >= 0) { out.push([i, t[k].name]); break; }
    }
    return out;
  }
  function showResults() {
    results.textContent = '';
    found = find(search.value); active = 0;
    if (!search.value.trim()) { results.hidden = true; return; }
    if (!found.length) results.appendChild(el('li', 'nothing found'));
    found.forEach(function (f, k) {
      var o = data.ops[f[0]];
      var li = el('li', '#' + o.index + ' ' + o.op + (f[1] !== 'type' && f[1] !== 'op number' ? ' \u2014 ' + f[1] : '') +
        (o.placement === 'cpu' ? ' (CPU)' : ''));
      if (k === 0) li.className = 'active';
      li.setAttribute('data-result', o.index);
      li.addEventListener('mousedown', function (ev) { ev.preventDefault(); goTo(o.index); });
      results.appendChild(li);
    });
    results.hidden = false;
  }
  search.addEventListener('input', showResults);
  search.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && found.length) { goTo(found[active][0]); ev.preventDefault(); }
    else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      if (!found.length) return;
      active = (active + (ev.key === 'ArrowDown' ? 1 : found.length - 1)) % found.length;
      Array.prototype.forEach.call(results.children, function (li, k) { li.className = k === active ? 'active' : ''; });
      ev.preventDefault();
    } else if (ev.key === 'Escape') { search.value = ''; showResults(); search.blur(); }
    ev.stopPropagation();
  });
  search.addEventListener('blur', function () { setTimeout(function () { results.hidden = true; }, 150); });
  search.addEventListener('focus', function () { if (search.value.trim()) showResults(); });

  window.addEventListener('keydown', function (ev) {
    if ((ev.ctrlKey || ev.metaKey) && ev.key === 'f' || ev.key === '/') {
      ev.preventDefault(); search.focus(); search.select(); return;
    }
    if (ev.target === search) return;
    if (ev.key === '+' || ev.key === '=') zoom(1 / 1.25);
    else if (ev.key === '-') zoom(1.25);
    else if (ev.key === '0') fit();
    else if (ev.key === '1') centreOn(vb.x + vb.w / 2, vb.y + vb.h / 2, 1);
    else if (ev.key === 'Escape') { pinned = null; select(null); }
  });
  document.getElementById('fit').addEventListener('click', fit);
  document.getElementById('zin').addEventListener('click', function () { zoom(1 / 1.25); });
  document.getElementById('zout').addEventListener('click', function () { zoom(1.25); });
  document.getElementById('z100').addEventListener('click', function () { centreOn(vb.x + vb.w / 2, vb.y + vb.h / 2, 1); });
  window.addEventListener('resize', function () { drawOverview(); fit(); });

  relayout();
  fit();
  document.body.setAttribute('data-ready', '1');
})();
