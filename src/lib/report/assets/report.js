// etpu report: details on hover/click, zoom and pan. No network, no
// libraries; model strings are only ever written with textContent.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('etpu-data').textContent);
  var svg = document.getElementById('graph-svg');
  var view = document.getElementById('view');
  var aside = document.getElementById('details');
  var W = +svg.getAttribute('data-width'), H = +svg.getAttribute('data-height');
  var vb = { x: 0, y: 0, w: W, h: H };
  var pinned = null;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  var WHERE = { tpu: 'runs on the Edge TPU', cpu: 'runs on the CPU',
    blocked: 'not compiled: a fatal problem stops the compiler', fatal: 'named by a fatal problem' };

  function tensorTable(title, list) {
    var box = document.createDocumentFragment();
    box.appendChild(el('dt', title));
    var t = el('table');
    list.forEach(function (x) {
      var tr = el('tr');
      var name = x.name ? x.name : '(unnamed)';
      tr.appendChild(el('td', '#' + x.index + ' ' + name));
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
    aside.textContent = '';
    aside.appendChild(el('h3', '#' + op.index + ' ' + op.op + ' (version ' + op.version + ')'));
    var p = el('p');
    p.appendChild(el('span', WHERE[op.placement] || op.placement, 'where ' + op.placement));
    if (data.summary.placement_source === 'compiled' && op.predicted !== op.placement)
      p.appendChild(el('span', ' \u2014 etpu predicted: ' + (WHERE[op.predicted] || op.predicted)));
    if (op.breaking) p.appendChild(el('div', 'The Edge TPU part of the graph is cut here.', 'bad'));
    aside.appendChild(p);
    var dl = el('dl');
    if (op.status) { dl.appendChild(el('dt', 'Compiler status')); dl.appendChild(el('dd', op.status)); }
    if (op.own_status && op.own_status !== op.status) {
      dl.appendChild(el('dt', 'On its own'));
      dl.appendChild(el('dd', op.own_status));
    }
    if (op.reason) { dl.appendChild(el('dt', 'Why')); dl.appendChild(el('dd', op.reason)); }
    if (op.hint) { dl.appendChild(el('dt', 'What to do')); dl.appendChild(el('dd', op.hint)); }
    if (op.fix_pass) {
      dl.appendChild(el('dt', 'Fixed by'));
      dl.appendChild(el('dd', 'etpu fix --only ' + op.fix_pass));
    }
    if (op.partition >= 0) { dl.appendChild(el('dt', 'Edge TPU run')); dl.appendChild(el('dd', op.partition)); }
    dl.appendChild(tensorTable('Inputs', op.inputs));
    dl.appendChild(tensorTable('Outputs', op.outputs));
    aside.appendChild(dl);
  }

  function showNode(id) {
    var n = data.nodes[id];
    if (n.kind === 'op') return showOp(n.ops[0]);
    aside.textContent = '';
    if (n.kind === 'group') {
      aside.appendChild(el('h3', n.ops.length + ' ops in a row'));
      aside.appendChild(el('p', WHERE[n['class']] || n['class'], 'where ' + n['class']));
      aside.appendChild(el('p', 'Drawn as one box because each op feeds only the next. Click one:', 'hint'));
      var ul = el('ul');
      n.ops.forEach(function (i) {
        var li = el('li');
        var a = el('a', '#' + i + ' ' + data.ops[i].op);
        a.addEventListener('click', function (ev) { ev.stopPropagation(); showOp(i); });
        li.appendChild(a);
        ul.appendChild(li);
      });
      aside.appendChild(ul);
      return;
    }
    aside.appendChild(el('h3', (n.kind === 'input' ? 'Model input' : 'Model output')));
    aside.appendChild(el('p', n.label + ' \u2014 ' + n.sublabel));
  }

  function select(g) {
    var old = svg.querySelector('.node.selected');
    if (old) old.classList.remove('selected');
    if (g) g.classList.add('selected');
  }

  svg.addEventListener('mouseover', function (ev) {
    var g = ev.target.closest ? ev.target.closest('.node') : null;
    if (g && pinned === null) showNode(+g.getAttribute('data-node'));
  });
  svg.addEventListener('click', function (ev) {
    if (moved) return;
    var g = ev.target.closest ? ev.target.closest('.node') : null;
    if (!g) { pinned = null; select(null); return; }
    var id = +g.getAttribute('data-node');
    pinned = pinned === id ? null : id;
    select(pinned === null ? null : g);
    showNode(id);
  });

  // zoom and pan by moving the viewBox
  function apply() { svg.setAttribute('viewBox', vb.x + ' ' + vb.y + ' ' + vb.w + ' ' + vb.h); }
  // Show the whole graph when that keeps labels readable (scale >= 0.6);
  // otherwise fit the width (up to 1:1) and start at the top: tall graphs
  // are read by panning down. Small graphs are magnified at most 1.25x.
  function fit() {
    var r = view.getBoundingClientRect();
    var rw = Math.max(r.width, 1), rh = Math.max(r.height, 1);
    var s = Math.min(rw / W, rh / H, 1.25);
    var top = false;
    if (s < 0.6) { s = Math.max(Math.min(rw / W, 1), 0.6); top = true; }
    vb.w = rw / s; vb.h = rh / s;
    vb.x = (W - vb.w) / 2;
    vb.y = top ? -44 / s : (H - vb.h) / 2; // clear of the toolbar
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
    if (ev.target.closest && ev.target.closest('.tools')) return;
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
  window.addEventListener('keydown', function (ev) {
    if (ev.key === '+' || ev.key === '=') zoom(1 / 1.25);
    else if (ev.key === '-') zoom(1.25);
    else if (ev.key === '0') fit();
    else if (ev.key === 'Escape') { pinned = null; select(null); }
  });
  document.getElementById('fit').addEventListener('click', fit);
  document.getElementById('zin').addEventListener('click', function () { zoom(1 / 1.25); });
  document.getElementById('zout').addEventListener('click', function () { zoom(1.25); });

  // links in the header jump to an op
  document.querySelectorAll('[data-goto]').forEach(function (a) {
    a.addEventListener('click', function (ev) {
      ev.preventDefault();
      var i = +a.getAttribute('data-goto');
      var n = data.nodes[data.ops[i].node];
      vb.x = n.x + n.w / 2 - vb.w / 2; vb.y = n.y + n.h / 2 - vb.h / 2; apply();
      var g = svg.querySelector('.node[data-node="' + n.id + '"]');
      pinned = n.id; select(g); showOp(i);
    });
  });
  window.addEventListener('resize', fit);
  fit();
  document.body.setAttribute('data-ready', '1');
})();
