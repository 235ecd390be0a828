/*
 * Switchboard reports dashboard.
 *
 * Reads GET /reports/summary (same origin; the session cookie or bearer
 * token authenticates) and draws the tiles, charts and tables of the page
 * that /dashboard serves. Charts are plain SVG drawn here. The range,
 * period and breakdown live in the URL query, so a view can be shared and
 * the back button works. Customer and agent names are set with
 * textContent only.
 */
(() => {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';
  const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
  const PERIODS = ['month', 'quarter'];
  const GROUPS = ['', 'channel', 'agent', 'category'];
  const SEGMENTS = [['45', 'Last rating 4–5'], ['3', 'Last rating 3'], ['12', 'Last rating 1–2'], ['none', 'Not rated']];
  const HEIGHT = 240;
  const PAD = { top: 12, right: 12, bottom: 44, left: 68 };

  const $ = (sel, root = document) => root.querySelector(sel);
  const channelLabels = JSON.parse(document.body.dataset.channels || '{}');
  const channelName = (c) => channelLabels[c] || c;
  let summary = null;
  let drawnWidth = 0;
  let latest = 0; // the load whose answer may still be shown

  // ------------------------------------------------------------ formatting

  const numberFormat = new Intl.NumberFormat('en');
  const count = (n) => (n == null ? '—' : numberFormat.format(n));
  const rate = (r) => (r == null ? '—' : Math.round(r * 100) + '%');
  const plural = (n, word) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

  // duration says seconds the way people do: "45 s", "4 min", "2 h 10 min", "3 d".
  function duration(s) {
    if (s == null) return '—';
    if (s < 59.5) return Math.round(s) + ' s';
    const minutes = Math.round(s / 60);
    if (minutes < 60) return minutes + ' min';
    if (minutes < 24 * 60) {
      const h = Math.floor(minutes / 60);
      const m = minutes % 60;
      return m ? `${h} h ${m} min` : `${h} h`;
    }
    const hours = Math.round(s / 3600);
    const d = Math.floor(hours / 24);
    const h = hours % 24;
    return d < 10 && h ? `${d} d ${h} h` : `${Math.round(s / 86400)} d`;
  }

  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const shortDay = (day) => `${MONTHS[+day.slice(5, 7) - 1]} ${+day.slice(8, 10)}`;

  function addDays(day, n) {
    const t = new Date(day + 'T00:00:00Z');
    t.setUTCDate(t.getUTCDate() + n);
    return t.toISOString().slice(0, 10);
  }

  // today is the date in the team's zone, where the counters' days are.
  function today(tz) {
    const parts = {};
    for (const p of new Intl.DateTimeFormat('en', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date())) {
      parts[p.type] = p.value;
    }
    return `${parts.year}-${parts.month}-${parts.day}`;
  }

  // ------------------------------------------------------------- state

  function readState() {
    const q = new URLSearchParams(location.search);
    const day = (k) => (DAY_RE.test(q.get(k) || '') ? q.get(k) : '');
    return {
      from: day('from'),
      to: day('to'),
      period: PERIODS.includes(q.get('period')) ? q.get('period') : 'month',
      group_by: GROUPS.includes(q.get('group_by')) ? q.get('group_by') : '',
    };
  }

  function queryOf(state, keys) {
    const q = new URLSearchParams();
    for (const k of keys) if (state[k]) q.set(k, state[k]);
    return q.toString();
  }

  function formState() {
    return { from: $('#from').value, to: $('#to').value, period: $('#period').value, group_by: $('#group_by').value };
  }

  function syncCSV() {
    const q = queryOf(formState(), ['from', 'to']);
    $('#csv').href = '/reports/export.csv' + (q ? '?' + q : '');
  }

  function showState(state) {
    $('#from').value = state.from;
    $('#to').value = state.to;
    $('#period').value = state.period;
    $('#group_by').value = state.group_by;
    for (const b of document.querySelectorAll('.presets button')) {
      const n = +b.dataset.days;
      b.setAttribute('aria-pressed', String(!!summary && state.to === today(summary.tz) && state.from === addDays(state.to, 1 - n)));
    }
    syncCSV();
  }

  function status(text, isError) {
    const line = $('#status');
    line.textContent = text;
    line.classList.toggle('error', !!isError);
  }

  // load shows the summary of state; when the range changes again before
  // an answer comes, only the last answer is shown.
  async function load(state) {
    const mine = ++latest;
    $('#report').setAttribute('aria-busy', 'true');
    status('Loading…');
    try {
      const q = queryOf(state, ['from', 'to', 'period', 'group_by']);
      const res = await fetch('/reports/summary' + (q ? '?' + q : ''), { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error(await problem(res));
      const answer = await res.json();
      if (mine !== latest) return;
      summary = answer;
      showState({ from: summary.from, to: summary.to, period: summary.period || state.period, group_by: summary.group_by || '' });
      render();
      status('');
    } catch (err) {
      if (mine === latest) status(err.message || 'The report could not be loaded.', true);
    } finally {
      if (mine === latest) $('#report').setAttribute('aria-busy', 'false');
    }
  }

  async function problem(res) {
    if (res.status === 401 || res.status === 403) {
      return 'Your dashboard link has expired or is not valid. Ask Slack for a new one with /switchboard dashboard.';
    }
    const text = (await res.text()).trim();
    let reason = text;
    try {
      const body = JSON.parse(text);
      reason = body.error || body.message || text;
    } catch (_) { /* not JSON: the text is the reason */ }
    return `The report could not be loaded (${res.status}): ${String(reason).slice(0, 300)}`;
  }

  // ------------------------------------------------------------- tiles

  function tile(id, value, sub) {
    const box = document.getElementById(id);
    $('[data-value]', box).textContent = value;
    $('[data-sub]', box).textContent = sub || '';
  }

  function businessNote(t, field) {
    return t.business && t.business[field] != null ? `business hours: ${duration(t.business[field])}` : '';
  }

  function renderTiles(s) {
    const v = s.volume;
    tile('tile-opened', count(v.opened), v.reopened ? `${count(v.reopened)} reopened` : 'none reopened');
    tile('tile-resolved', count(v.resolved), `${count(v.messages_in)} messages in · ${count(v.messages_out)} out`);
    tile('tile-backlog', count(v.backlog), `open at the end of ${shortDay(s.to)}`);
    const frt = s.first_response_time;
    tile('tile-frt-median', duration(frt.median_seconds),
      frt.count ? [plural(frt.count, 'first response'), businessNote(frt, 'median_seconds')].filter(Boolean).join(' · ') : 'No first responses in this range');
    tile('tile-frt-p90', duration(frt.p90_seconds), frt.count ? businessNote(frt, 'p90_seconds') || `mean ${duration(frt.mean_seconds)}` : '');
    const c = s.csat;
    tile('tile-csat', rate(c.score),
      c.ratings ? `${plural(c.ratings, 'rating')} · ${rate(c.response_rate)} response rate` : 'No ratings in this range');
    const periods = s.retention || [];
    const last = periods[periods.length - 1];
    const period = last ? `${last.period}${last.complete ? '' : ' so far'}` : '';
    tile('tile-retention', rate(s.retention_rate),
      last ? `${period}: ${count(s.returning_customers)} returning · ${count(s.new_customers)} new` : 'No customers in this range');
    tile('tile-repeat', rate(s.repeat_contact_rate), period);
    tile('tile-churned', count(s.churned), last ? `${period}, of ${count(last.previous_active)} active before` : '');
  }

  // ------------------------------------------------------------- tables

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  const numeric = (text, i) => i > 0 && /^[\d—.,%]/.test(text);

  // fillRows replaces a tbody's rows; each cell is text, and columns of
  // numbers (as the first row tells) are right-aligned, heading included.
  function fillRows(tbody, rows) {
    tbody.replaceChildren(...rows.map((cells) => {
      const tr = el('tr');
      cells.forEach((c, i) => {
        const cell = el(i === 0 ? 'th' : 'td', String(c), numeric(String(c), i) ? 'num' : '');
        if (i === 0) cell.scope = 'row';
        tr.append(cell);
      });
      return tr;
    }));
    const head = tbody.parentElement.tHead;
    if (head && rows.length) {
      Array.from(head.rows[0].cells).forEach((th, i) => th.classList.toggle('num', numeric(String(rows[0][i]), i)));
    }
  }

  function table(head, rows) {
    const t = el('table');
    const tr = el('tr');
    for (const h of head) {
      const th = el('th', h);
      th.scope = 'col';
      tr.append(th);
    }
    t.append(el('thead'), el('tbody'));
    t.tHead.append(tr);
    fillRows(t.tBodies[0], rows);
    return t;
  }

  function renderTimes(s) {
    const rows = [['First response', s.first_response_time], ['Reply time', s.reply_time], ['Resolution', s.resolution_time]];
    const out = [];
    for (const [name, t] of rows) {
      out.push([name, count(t.count), duration(t.median_seconds), duration(t.p90_seconds), duration(t.mean_seconds)]);
      if (t.business) {
        out.push([`${name}, business hours`, count(t.count), duration(t.business.median_seconds), duration(t.business.p90_seconds), duration(t.business.mean_seconds)]);
      }
    }
    fillRows($('[data-testid="times-table"] tbody'), out);
    $('[data-bucket-error]').textContent = Math.round((s.time_bucket_error || 0) * 1000) / 10 + '%';
  }

  function renderGroups(s) {
    const section = $('#groups');
    section.hidden = !s.group_by;
    if (!s.group_by) return;
    $('[data-group-head]').textContent = s.group_by[0].toUpperCase() + s.group_by.slice(1);
    fillRows($('[data-testid="groups-table"] tbody'), (s.groups || []).map((g) => [
      g.name || g.value || '(none)', count(g.opened), count(g.resolved), count(g.messages_out),
      duration(g.first_response_time && g.first_response_time.median_seconds),
      duration(g.reply_time && g.reply_time.median_seconds),
      duration(g.resolution_time && g.resolution_time.median_seconds),
      g.csat && g.csat.ratings ? `${rate(g.csat.score)} of ${count(g.csat.ratings)}` : '—',
    ]));
  }

  function renderDormant(s) {
    const rows = (s.dormant || []).map((d) => [
      d.name || '(no name)', channelName(d.channel), d.last_contact,
      `${numberFormat.format(d.usual_interval_days == null ? s.dormant_after_days : d.usual_interval_days)} days` + (d.usual_interval_days == null ? ' (default: one contact)' : ''),
      d.dormant_since, d.last_csat == null ? '—' : `${d.last_csat}/5`,
    ]);
    fillRows($('[data-testid="dormant-table"] tbody'), rows);
    const empty = $('#dormant [data-empty]');
    empty.hidden = rows.length > 0;
    empty.textContent = `No dormant customers as of ${s.to}.`;
  }

  // ------------------------------------------------------------- SVG charts

  function svg(tag, attrs, parent) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.append(e);
    return e;
  }

  function tip(node, text) {
    svg('title', {}, node).textContent = text;
    return node;
  }

  // niceTicks returns round tick values from 0 to at least max.
  function niceTicks(max, minStep = 0) {
    if (!(max > 0)) return [0, 1];
    const raw = max / 4;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = Math.max(minStep, [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw));
    const ticks = [];
    for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
    return ticks;
  }

  // scaleFor picks the axis of a chart: counts, rates (0–100 %) or durations in one unit.
  function scaleFor(kind, max) {
    if (kind === 'rate') return { ticks: [0, 0.25, 0.5, 0.75, 1], label: (v) => Math.round(v * 100) + '%' };
    if (kind === 'count') return { ticks: niceTicks(Math.max(max, 1), 1), label: count };
    const units = [[172800, 86400, 'd'], [7200, 3600, 'h'], [120, 60, 'min'], [0, 1, 's']];
    const [, size, name] = units.find(([above]) => max >= above);
    return { ticks: niceTicks(max / size).map((v) => v * size), label: (v) => `${Math.round(v / size * 10) / 10} ${name}` };
  }

  // frame draws the axes of a chart with one band per category and returns the plot's geometry.
  function frame(box, categories, axis, yTitle, xTitle, label) {
    const width = Math.max(box.clientWidth, 280);
    const root = svg('svg', { viewBox: `0 0 ${width} ${HEIGHT}`, width, height: HEIGHT, role: 'img', 'aria-label': label });
    const plotW = width - PAD.left - PAD.right;
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    const top = axis.ticks[axis.ticks.length - 1] || 1;
    const y = (v) => PAD.top + plotH - (Math.min(v, top) / top) * plotH;
    const band = plotW / Math.max(categories.length, 1);
    const x = (i) => PAD.left + i * band;
    for (const t of axis.ticks) {
      svg('line', { x1: PAD.left, x2: width - PAD.right, y1: y(t), y2: y(t), class: 'grid' }, root);
      svg('text', { x: PAD.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, root).textContent = axis.label(t);
    }
    svg('line', { x1: PAD.left, x2: width - PAD.right, y1: y(0), y2: y(0), class: 'axis' }, root);
    const every = Math.ceil(categories.length / Math.max(1, Math.floor(plotW / 64)));
    categories.forEach((c, i) => {
      if ((categories.length - 1 - i) % every) return; // the last category always has its label
      svg('text', { x: x(i) + band / 2, y: PAD.top + plotH + 16, 'text-anchor': 'middle' }, root).textContent = c;
    });
    svg('text', { x: PAD.left + plotW / 2, y: HEIGHT - 6, 'text-anchor': 'middle', class: 'axis-title' }, root).textContent = xTitle;
    svg('text', { x: 0, y: 0, transform: `translate(12 ${PAD.top + plotH / 2}) rotate(-90)`, 'text-anchor': 'middle', class: 'axis-title' }, root).textContent = yTitle;
    box.replaceChildren(root);
    return { root, x, y, band, plotH };
  }

  // chart fills one chart section: the empty state, legend and numbers table; draw adds the SVG.
  function chart(id, { empty, legend, head, rows, draw }) {
    const section = document.getElementById(id);
    const plot = $('[data-plot]', section);
    const note = $('[data-empty]', section);
    note.hidden = !empty;
    note.textContent = empty || '';
    $('[data-legend]', section).replaceChildren(...(empty ? [] : legend).map(([cls, name]) => {
      const li = el('li');
      li.append(el('span', null, 'swatch ' + cls), document.createTextNode(name));
      return li;
    }));
    $('[data-table]', section).replaceChildren(table(head, rows));
    if (empty) plot.replaceChildren();
    else draw(plot);
  }

  // bars draws one bar per series and category, stacked or side by side.
  function bars(plot, opts) {
    const { categories, series, stacked, axis, yTitle, xTitle, label } = opts;
    const f = frame(plot, categories, axis, yTitle, xTitle, label);
    const inner = f.band * (categories.length > 20 ? 0.8 : 0.7);
    const slot = stacked ? inner : inner / series.length;
    categories.forEach((cat, i) => {
      let base = 0;
      series.forEach((s, k) => {
        const v = s.values[i];
        if (v == null || (stacked && !v)) return;
        const x0 = f.x(i) + (f.band - inner) / 2 + (stacked ? 0 : k * slot);
        const y0 = f.y(base + v);
        const h = Math.max(f.y(base) - y0, v > 0 ? 1 : 0);
        const cls = s.cls + (s.partial && s.partial[i] ? ' partial' : '');
        tip(svg('rect', { x: x0, y: y0, width: Math.max(slot - 1, 1), height: h, class: cls }, f.root), `${cat} · ${s.name}: ${s.format(v)}`);
        if (stacked) base += v;
      });
    });
  }

  // lines draws series as lines with a dot per value and gaps where a value is null.
  function lines(plot, opts) {
    const { categories, series, axis, yTitle, xTitle, label } = opts;
    const f = frame(plot, categories, axis, yTitle, xTitle, label);
    for (const s of series) {
      let d = '';
      let pen = 'M';
      s.values.forEach((v, i) => {
        if (v == null) {
          pen = 'M';
          return;
        }
        const cx = f.x(i) + f.band / 2;
        d += `${pen}${cx.toFixed(1)} ${f.y(v).toFixed(1)} `;
        pen = 'L';
        tip(svg('circle', { cx, cy: f.y(v), r: 3, class: s.cls }, f.root), `${categories[i]} · ${s.name}: ${s.format(v)}`);
      });
      if (d) svg('path', { d, class: 'line ' + s.cls }, f.root);
    }
  }

  function renderVolume(s) {
    const days = s.daily || [];
    const totals = {};
    for (const d of days) for (const [c, n] of Object.entries(d.opened_by_channel || {})) totals[c] = (totals[c] || 0) + n;
    const order = Object.keys(channelLabels).concat(Object.keys(totals).filter((c) => !(c in channelLabels)));
    const used = order.filter((c) => totals[c] > 0);
    const series = used.map((c, k) => ({
      name: channelName(c), cls: 's' + (k % 8), format: count,
      values: days.map((d) => (d.opened_by_channel || {})[c] || 0),
    }));
    const stackMax = Math.max(0, ...days.map((d) => Object.values(d.opened_by_channel || {}).reduce((a, b) => a + b, 0)));
    const total = used.reduce((a, c) => a + totals[c], 0);
    chart('chart-volume', {
      empty: total ? '' : 'No conversations opened in this range.',
      legend: series.map((x) => [x.cls, x.name]),
      head: ['Day', ...series.map((x) => x.name), 'Total'],
      rows: days.map((d, i) => [d.day, ...series.map((x) => count(x.values[i])), count(d.opened)]),
      draw: (plot) => bars(plot, {
        categories: days.map((d) => shortDay(d.day)), series, stacked: true, axis: scaleFor('count', stackMax),
        yTitle: 'Conversations', xTitle: 'Day',
        label: `Conversations opened per day by channel, ${s.from} to ${s.to}: ${count(total)} in all; ` +
          used.map((c) => `${channelName(c)} ${count(totals[c])}`).join(', ') + '.',
      }),
    });
  }

  function renderFirstResponse(s) {
    const days = s.daily || [];
    const pick = (f) => days.map((d) => (d.first_response_time && d.first_response_time.count ? d.first_response_time[f] : null));
    const median = pick('median_seconds');
    const p90 = pick('p90_seconds');
    const series = [
      { name: 'Median', cls: 's0', format: duration, values: median },
      { name: 'p90', cls: 's1', format: duration, values: p90 },
    ];
    const frt = s.first_response_time;
    chart('chart-frt', {
      empty: frt.count ? '' : 'No first responses in this range.',
      legend: series.map((x) => [x.cls, x.name]),
      head: ['Day', 'First responses', 'Median', 'p90'],
      rows: days.map((d, i) => [d.day, count(d.first_response_time ? d.first_response_time.count : 0), duration(median[i]), duration(p90[i])]),
      draw: (plot) => lines(plot, {
        categories: days.map((d) => shortDay(d.day)), series, axis: scaleFor('time', Math.max(0, ...p90.filter((v) => v != null))),
        yTitle: 'Time', xTitle: 'Day of the reply',
        label: `First response time per day, ${s.from} to ${s.to}: median ${duration(frt.median_seconds)}, p90 ${duration(frt.p90_seconds)} over ${plural(frt.count, 'first response')}.`,
      }),
    });
  }

  function renderCSAT(s) {
    const days = s.daily || [];
    const scores = days.map((d) => (d.csat && d.csat.ratings ? d.csat.score : null));
    const series = [{ name: 'CSAT (% rated 4–5)', cls: 's2', format: rate, values: scores }];
    const dist = s.csat.distribution || {};
    chart('chart-csat', {
      empty: s.csat.ratings ? '' : 'No ratings in this range.',
      legend: series.map((x) => [x.cls, x.name]),
      head: ['Day', 'Ratings', 'CSAT'],
      rows: days.map((d, i) => [d.day, count(d.csat ? d.csat.ratings : 0), rate(scores[i])]),
      draw: (plot) => lines(plot, {
        categories: days.map((d) => shortDay(d.day)), series, axis: scaleFor('rate'), yTitle: 'Rated 4–5', xTitle: 'Day resolved',
        label: `CSAT per day, ${s.from} to ${s.to}: ${rate(s.csat.score)} of ${plural(s.csat.ratings, 'rating')} rated 4 or 5; ` +
          [5, 4, 3, 2, 1].map((n) => `${count(dist[n] || 0)} rated ${n}`).join(', ') + '.',
      }),
    });
  }

  function renderRetention(s) {
    const periods = s.retention || [];
    const values = periods.map((p) => p.retention_rate);
    const series = [{ name: 'Retention rate', cls: 's0', format: rate, values, partial: periods.map((p) => !p.complete) }];
    const legend = series.map((x) => [x.cls, x.name]);
    if (periods.some((p) => !p.complete)) legend.push(['s0 partial', 'Period still running']);
    chart('chart-retention', {
      empty: values.some((v) => v != null) ? '' : 'No customers in the periods before this range.',
      legend,
      head: ['Period', 'Active before (S)', 'Active (E)', 'New (N)', 'Returning', 'Churned', 'Retention', 'Repeat contact'],
      rows: periods.map((p) => [p.period + (p.complete ? '' : ' (so far)'), count(p.previous_active), count(p.active), count(p.new),
        count(p.returning), count(p.churned), rate(p.retention_rate), rate(p.repeat_contact_rate)]),
      draw: (plot) => bars(plot, {
        categories: periods.map((p) => p.period), series, axis: scaleFor('rate'), yTitle: 'Retention', xTitle: 'Period',
        label: 'Customer retention rate by period: ' + periods.map((p) => `${p.period} ${rate(p.retention_rate)}`).join(', ') + '.',
      }),
    });
  }

  function renderRatingRetention(s) {
    const periods = s.retention || [];
    const seg = (p, k) => (p.by_last_rating || {})[k] || {};
    const series = SEGMENTS.map(([k, name], i) => ({
      name, cls: ['s2', 's5', 's3', 's6'][i], format: rate, values: periods.map((p) => (seg(p, k).rate == null ? null : seg(p, k).rate)),
    }));
    chart('chart-rating-retention', {
      empty: series.some((x) => x.values.some((v) => v != null)) ? '' : 'No customers in the periods before this range.',
      legend: series.map((x) => [x.cls, x.name]),
      head: ['Period', ...SEGMENTS.map(([, name]) => name)],
      rows: periods.map((p) => [p.period, ...SEGMENTS.map(([k]) => `${rate(seg(p, k).rate)} (${count(seg(p, k).retained || 0)} of ${count(seg(p, k).previous || 0)})`)]),
      draw: (plot) => bars(plot, {
        categories: periods.map((p) => p.period), series, axis: scaleFor('rate'), yTitle: 'Retention', xTitle: 'Period',
        label: 'Retention by last rating: ' + periods.map((p) => `${p.period}: ` +
          SEGMENTS.map(([k, name]) => `${name.toLowerCase()} ${rate(seg(p, k).rate)}`).join(', ')).join('; ') + '.',
      }),
    });
  }

  function renderTriage(s) {
    const t = s.triage || {};
    const cats = Object.entries(t.by_category || {}).sort((a, b) => b[1] - a[1]);
    const prios = Object.entries(t.by_priority || {}).sort((a, b) => b[1] - a[1]);
    const series = [{ name: 'Conversations', cls: 's4', format: count, values: cats.map(([, n]) => n) }];
    const tokens = (t.tokens_by_month || []).map((m) => [`Tokens ${m.month}`, `${count(m.calls)} calls, ${count(m.prompt_tokens)} prompt, ${count(m.completion_tokens)} completion`]);
    chart('chart-triage', {
      empty: cats.length ? '' : 'No triaged conversations in this range.',
      legend: series.map((x) => [x.cls, x.name]),
      head: ['Category or priority', 'Conversations'],
      rows: [...cats.map(([c, n]) => [c, count(n)]), ...prios.map(([p, n]) => [`Priority ${p}`, count(n)]), ...tokens],
      draw: (plot) => bars(plot, {
        categories: cats.map(([c]) => c), series, axis: scaleFor('count', cats.length ? cats[0][1] : 0), yTitle: 'Conversations', xTitle: 'Category',
        label: 'Conversations by category: ' + cats.map(([c, n]) => `${c} ${count(n)}`).join(', ') + '.',
      }),
    });
  }

  function renderCharts(s) {
    drawnWidth = document.body.clientWidth;
    renderVolume(s);
    renderFirstResponse(s);
    renderCSAT(s);
    renderRetention(s);
    renderRatingRetention(s);
    renderTriage(s);
  }

  function renderFoot(s) {
    const generated = new Date(s.generated_at).toLocaleString('en', { timeZone: s.tz, dateStyle: 'medium', timeStyle: 'short' });
    const parts = [`Days in ${s.tz}`, `generated ${generated}`];
    parts.push(s.business_hours ? `business hours ${s.business_hours}` : 'no business hours configured');
    $('#foot').textContent = parts.join(' · ') + '.';
  }

  function render() {
    const s = summary;
    renderTiles(s);
    renderTimes(s);
    renderCharts(s);
    renderGroups(s);
    renderDormant(s);
    renderFoot(s);
  }

  // ------------------------------------------------------------- events

  function apply(state) {
    const q = queryOf(state, ['from', 'to', 'period', 'group_by']);
    history.pushState(null, '', location.pathname + (q ? '?' + q : ''));
    load(state);
  }

  $('#controls').addEventListener('submit', (ev) => {
    ev.preventDefault();
    apply(formState());
  });
  for (const b of document.querySelectorAll('.presets button')) {
    b.addEventListener('click', () => {
      const to = summary ? today(summary.tz) : $('#to').value;
      if (!to) return;
      apply({ ...formState(), from: addDays(to, 1 - +b.dataset.days), to });
    });
  }
  $('#from').addEventListener('input', syncCSV);
  $('#to').addEventListener('input', syncCSV);
  window.addEventListener('popstate', () => load(readState()));
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (summary && document.body.clientWidth !== drawnWidth) renderCharts(summary);
    }, 150);
  });

  load(readState());
})();
