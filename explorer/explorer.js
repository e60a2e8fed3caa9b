/* Optimiser explorer: gradient descent, SGD with momentum, RMSprop, Adam and Lion on Rosenbrock's
 * valley and on an elongated quadratic bowl, recomputed live in the reader's browser.
 *
 * Plain JavaScript, no libraries, no network. The update rules are PyTorch's (torch.optim.SGD,
 * RMSprop and Adam, single-tensor CPU path, float64) and lessonlib.optim.Lion's, written in their
 * order of operations, so window.optimiserExplorer.run(settings) returns the positions lessonlib's
 * run_trajectory returns.
 * The page needs an element <div id="optimiser-explorer"></div>; this script builds the figure and
 * its controls inside it. See explorer/README.md.
 */
(function () {
  "use strict";

  // --- the landscapes ------------------------------------------------------------------------

  // Written as torch evaluates them, so f and its autograd gradient agree to the last bit.
  const LANDSCAPES = {
    rosenbrock: {
      label: "Rosenbrock's valley",
      formula: "f(x, y) = (1 − x)² + 100 (y − x²)²",
      f: (x, y) => { const a = 1 - x, c = y - x * x; return a * a + 100 * (c * c); },
      grad(x, y, g) {
        const gy = 100 * (2 * (y - x * x));
        g[0] = -(2 * (1 - x)) + -gy * (2 * x);
        g[1] = gy;
      },
      view: { x: [-2, 2], y: [-1, 3] },
      minimum: [1, 1],
      floor: (x) => x * x, // the valley floor y = x², drawn dotted
      start: [-0.8, 2],
      // the race's best learning rates (chapter "Rosenbrock's valley"), torch's default betas
      lr: { gd: 0.001, momentum: 0.001, rmsprop: 0.001, adam: 1, lion: 0.001 },
    },
    bowl: {
      label: "Elongated bowl",
      formula: "f(x, y) = (x² + 50 y²) / 2",
      f: (x, y) => 0.5 * (x * x + 50 * (y * y)),
      grad(x, y, g) { g[0] = 0.5 * (2 * x); g[1] = 25 * (2 * y); },
      view: { x: [-4.5, 4.5], y: [-1.8, 1.8] },
      minimum: [0, 0],
      floor: null,
      start: [-4, 1],
      lr: { gd: 0.035, momentum: 0.013, rmsprop: 0.16, adam: 0.2, lion: 0.003 },
    },
  };

  // --- the optimisers: torch's update rules ---------------------------------------------------

  // Each maker returns step(p, g), which moves the position p = [x, y] in place given the gradient g.

  /** torch.optim.SGD(lr, momentum): heavy ball, buf = momentum * buf + g (buf = g at step 1), p -= lr * buf. */
  function sgd({ lr, momentum = 0 }) {
    const buf = [0, 0];
    let first = true;
    return function step(p, g) {
      for (let k = 0; k < 2; k++) {
        let d = g[k];
        if (momentum !== 0) {
          buf[k] = first ? d : buf[k] * momentum + d;
          d = buf[k];
        }
        p[k] = p[k] + -lr * d;
      }
      first = false;
    };
  }

  /** torch.optim.RMSprop(lr, alpha, eps): v = alpha v + (1 - alpha) g², p -= lr g / (√v + eps). */
  function rmsprop({ lr, alpha = 0.99, eps = 1e-8 }) {
    const v = [0, 0];
    return function step(p, g) {
      for (let k = 0; k < 2; k++) {
        v[k] = v[k] * alpha + (1 - alpha) * g[k] * g[k];
        const avg = Math.sqrt(v[k]) + eps;
        p[k] = p[k] + -lr * (g[k] / avg);
      }
    };
  }

  /** torch.optim.Adam(lr, betas, eps): bias-corrected moments, eps added to √v̂ = √v / √(1 − β2^t). */
  function adam({ lr, betas = [0.9, 0.999], eps = 1e-8 }) {
    const [b1, b2] = betas, w = 1 - b1;
    const m = [0, 0], v = [0, 0];
    let t = 0;
    return function step(p, g) {
      t += 1;
      const stepSize = lr / (1 - b1 ** t);
      const bc2Sqrt = Math.sqrt(1 - b2 ** t);
      for (let k = 0; k < 2; k++) {
        // torch's lerp_(g, 1 - β1), as ATen computes it
        m[k] = Math.abs(w) < 0.5 ? m[k] + w * (g[k] - m[k]) : g[k] - (g[k] - m[k]) * (1 - w);
        v[k] = v[k] * b2 + (1 - b2) * g[k] * g[k];
        const denom = Math.sqrt(v[k]) / bc2Sqrt + eps;
        p[k] = p[k] + -stepSize * (m[k] / denom);
      }
    };
  }

  /**
   * lessonlib.optim.Lion(lr, betas, weight_decay), Chen et al. 2023, Algorithm 2:
   * c = β1 m + (1 − β1) g, p ← p (1 − lr λ) − lr sign(c), then m ← β2 m + (1 − β2) g.
   */
  function lion({ lr, betas = [0.9, 0.99], weight_decay = 0 }) {
    const [b1, b2] = betas;
    const m = [0, 0];
    return function step(p, g) {
      for (let k = 0; k < 2; k++) {
        const c = m[k] * b1 + g[k] * (1 - b1);
        p[k] = p[k] * (1 - lr * weight_decay);
        p[k] = p[k] - lr * Math.sign(c);
        m[k] = m[k] * b2 + g[k] * (1 - b2);
      }
    };
  }

  const RULES = { SGD: sgd, RMSprop: rmsprop, Adam: adam, Lion: lion };

  /**
   * Run one optimiser like lessonlib's run_trajectory: record the position and f, stop at the first
   * f < tol (kept), at the first non-finite f (diverged) or after maxIter steps.
   * Returns typed arrays x, y, f of length iterations + 1.
   */
  function simulate(settings) {
    const s = Object.assign({ landscape: "rosenbrock", tol: 1e-4, maxIter: 6000 }, settings);
    const land = LANDSCAPES[s.landscape];
    if (!land) throw new Error(`unknown landscape ${s.landscape}; choose one of ${Object.keys(LANDSCAPES)}`);
    const rule = RULES[s.optimiser];
    if (!rule) throw new Error(`unknown optimiser ${s.optimiser}; choose one of ${Object.keys(RULES)}`);
    const step = rule(s);
    const n = s.maxIter, tol = s.tol;
    const xs = new Float64Array(n + 1), ys = new Float64Array(n + 1), fs = new Float64Array(n + 1);
    const p = [(s.start || land.start)[0], (s.start || land.start)[1]], g = [0, 0];
    let i = 0, diverged = false;
    for (; ; i++) {
      const f = land.f(p[0], p[1]);
      xs[i] = p[0]; ys[i] = p[1]; fs[i] = f;
      if (!Number.isFinite(f)) { diverged = true; break; }
      if (f < tol || i === n) break;
      land.grad(p[0], p[1], g);
      step(p, g);
    }
    return { x: xs.subarray(0, i + 1), y: ys.subarray(0, i + 1), f: fs.subarray(0, i + 1),
             converged: fs[i] < tol, diverged, iterations: i, tol };
  }

  /** The public form of `simulate`: plain arrays, xy as [[x, y], ...] like Trajectory.xy. */
  function run(settings) {
    const r = simulate(settings);
    return { xy: Array.from(r.x, (x, i) => [x, r.y[i]]), f: Array.from(r.f),
             converged: r.converged, diverged: r.diverged, iterations: r.iterations };
  }

  // --- the four entries of the figure -----------------------------------------------------------

  // Slider scales are lists of values; a slider picks an index. Learning rates: 81 log-spaced values
  // from 1e-4 to 1, rounded to two significant digits so that they are easy to type into Python.
  const LR_VALUES = Array.from({ length: 81 }, (_, k) => Number((10 ** ((k - 80) / 20)).toPrecision(2)));
  const BETA1_VALUES = Array.from({ length: 100 }, (_, k) => k / 100); // 0 … 0.99
  const BETA2_VALUES = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999];
  const STEP_VALUES = [10, 20, 30, 40].concat(Array.from({ length: 120 }, (_, k) => 50 * (k + 1)));

  const ENTRIES = [
    { key: "gd", label: "Gradient descent", colour: "#d55e00", torch: "SGD",
      params: [], settings: (v) => ({ optimiser: "SGD", lr: v.lr }) },
    { key: "momentum", label: "SGD with momentum", colour: "#7a3e9d", torch: "SGD",
      params: [{ name: "momentum", label: "momentum β", values: BETA1_VALUES, value: 0.9 }],
      settings: (v) => ({ optimiser: "SGD", lr: v.lr, momentum: v.momentum }) },
    { key: "rmsprop", label: "RMSprop", colour: "#0072b2", torch: "RMSprop",
      params: [{ name: "alpha", label: "α (its β2)", values: BETA2_VALUES, value: 0.99 }],
      settings: (v) => ({ optimiser: "RMSprop", lr: v.lr, alpha: v.alpha }) },
    { key: "adam", label: "Adam", colour: "#111111", torch: "Adam",
      params: [{ name: "beta1", label: "β1", values: BETA1_VALUES, value: 0.9 },
               { name: "beta2", label: "β2", values: BETA2_VALUES, value: 0.999 }],
      settings: (v) => ({ optimiser: "Adam", lr: v.lr, betas: [v.beta1, v.beta2] }) },
    // switched off at first: the chapter "After Adam" introduces it
    { key: "lion", label: "Lion", colour: "#009e73", torch: "Lion", off: true,
      params: [{ name: "beta1", label: "β1", values: BETA1_VALUES, value: 0.9 },
               { name: "beta2", label: "β2", values: BETA2_VALUES, value: 0.99 }],
      settings: (v) => ({ optimiser: "Lion", lr: v.lr, betas: [v.beta1, v.beta2] }) },
  ];

  const fmt = (v) => (v === 0 ? "0" : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(v) : v.toExponential(0));
  const fmtF = (f) => (Number.isFinite(f) ? f.toExponential(2) : String(f));
  const nearest = (values, v) => values.reduce((best, x, i) => (Math.abs(x - v) < Math.abs(values[best] - v) ? i : best), 0);

  // --- building the controls ----------------------------------------------------------------

  /** An element with attributes and children. */
  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  /** A labelled range input over `values` with an <output> showing the value; returns {row, input, get, set}. */
  function slider(id, label, values, value, onChange) {
    const input = el("input", { type: "range", id, min: 0, max: values.length - 1, step: 1 });
    const out = el("output", { for: id, class: "ox-value" });
    const show = () => {
      const v = values[Number(input.value)];
      out.textContent = fmt(v);
      input.setAttribute("aria-valuetext", fmt(v));
    };
    const set = (v) => { input.value = nearest(values, v); show(); };
    input.addEventListener("input", () => { show(); onChange(); });
    set(value);
    const row = el("div", { class: "ox-slider" }, el("label", { for: id, text: label }), input, out);
    return { row, input, get: () => values[Number(input.value)], set };
  }

  // --- drawing ------------------------------------------------------------------------------

  const PAD = { left: 30, right: 8, top: 8, bottom: 22 }; // CSS pixels around the plot for tick labels

  /** Pale viridis for the background, by t in [0, 1]. */
  function viridis(t) {
    const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
    const u = Math.min(Math.max(t, 0), 1) * (stops.length - 1), i = Math.min(Math.floor(u), stops.length - 2), r = u - i;
    return stops[i].map((a, k) => a + (stops[i + 1][k] - a) * r);
  }

  /** The plot geometry in canvas pixels: world -> pixel transforms for the current landscape. */
  function geometry(canvas, land, dpr) {
    const L = PAD.left * dpr, T = PAD.top * dpr;
    const W = canvas.width - (PAD.left + PAD.right) * dpr, H = canvas.height - (PAD.top + PAD.bottom) * dpr;
    const [x0, x1] = land.view.x, [y0, y1] = land.view.y;
    return {
      L, T, W, H, dpr,
      px: (x) => L + ((x - x0) / (x1 - x0)) * W,
      py: (y) => T + ((y1 - y) / (y1 - y0)) * H,
      wx: (px) => x0 + ((px - L) / W) * (x1 - x0),
      wy: (py) => y1 - ((py - T) / H) * (y1 - y0),
    };
  }

  /**
   * The contour map, drawn once per landscape and size into an offscreen canvas: colour by
   * log10(1 + f), contour lines where log10(f) crosses a multiple of 1/4 (log-spaced levels of f).
   */
  function background(canvas, land, geo) {
    const off = document.createElement("canvas");
    off.width = canvas.width; off.height = canvas.height;
    const ctx = off.getContext("2d");
    const w = Math.round(geo.W), h = Math.round(geo.H);
    const z = new Float64Array(w * h), lvl = new Float64Array(w * h);
    let zmax = 0;
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const f = land.f(geo.wx(geo.L + i + 0.5), geo.wy(geo.T + j + 0.5));
        z[j * w + i] = Math.log10(1 + f);
        lvl[j * w + i] = 4 * Math.log10(Math.max(f, 1e-2)); // levels every quarter decade, from f = 0.01
        zmax = Math.max(zmax, z[j * w + i]);
      }
    }
    const img = ctx.createImageData(w, h);
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const k = j * w + i, c = viridis(z[k] / zmax);
        // distance to the nearest level, in pixels, from the local slope of the level function
        const dx = lvl[k + (i < w - 1 ? 1 : 0)] - lvl[k - (i > 0 ? 1 : 0)];
        const dy = lvl[k + (j < h - 1 ? w : 0)] - lvl[k - (j > 0 ? w : 0)];
        const slope = Math.hypot(dx, dy) / 2 + 1e-12;
        const line = lvl[k] > -8 ? Math.max(0, 1 - Math.abs(lvl[k] - Math.round(lvl[k])) / slope / (0.8 * geo.dpr)) : 0;
        const pale = 0.62 - 0.42 * line; // share of white mixed into the colour
        for (let q = 0; q < 3; q++) img.data[4 * k + q] = c[q] * (1 - pale) + 255 * pale - 40 * line;
        img.data[4 * k + 3] = 255;
      }
    }
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, off.width, off.height);
    ctx.putImageData(img, Math.round(geo.L), Math.round(geo.T));
    decorate(ctx, land, geo);
    return off;
  }

  /** Frame, ticks, the valley floor and the minimum. */
  function decorate(ctx, land, geo) {
    const d = geo.dpr;
    ctx.strokeStyle = "#555"; ctx.lineWidth = d;
    ctx.strokeRect(geo.L, geo.T, geo.W, geo.H);
    ctx.fillStyle = "#333"; ctx.font = `${11 * d}px system-ui, sans-serif`;
    const ticks = (lo, hi) => { const s = (hi - lo) > 5 ? 1 : 0.5, out = []; for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-9; v += s) out.push(v); return out; };
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const x of ticks(...land.view.x)) ctx.fillText(fmt(x), geo.px(x), geo.T + geo.H + 4 * d);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const y of ticks(...land.view.y)) ctx.fillText(fmt(y), geo.L - 4 * d, geo.py(y));
    ctx.save();
    ctx.beginPath(); ctx.rect(geo.L, geo.T, geo.W, geo.H); ctx.clip();
    if (land.floor) {
      ctx.setLineDash([2 * d, 3 * d]); ctx.strokeStyle = "#666"; ctx.beginPath();
      for (let i = 0; i <= 200; i++) { const x = land.view.x[0] + (i / 200) * (land.view.x[1] - land.view.x[0]); ctx.lineTo(geo.px(x), geo.py(land.floor(x))); }
      ctx.stroke(); ctx.setLineDash([]);
    }
    ctx.restore();
  }

  function star(ctx, cx, cy, r) {
    ctx.beginPath();
    for (let i = 0; i < 10; i++) {
      const a = -Math.PI / 2 + (i * Math.PI) / 5, rr = i % 2 ? r * 0.45 : r;
      ctx.lineTo(cx + rr * Math.cos(a), cy + rr * Math.sin(a));
    }
    ctx.closePath(); ctx.fillStyle = "#ffd400"; ctx.fill(); ctx.strokeStyle = "#000"; ctx.lineWidth = r / 8; ctx.stroke();
  }

  /** One path: a white halo under the coloured line (skipping points closer than half a pixel), start and end marks. */
  function drawPath(ctx, geo, r, colour) {
    const clamp = (v) => Math.max(-1e5, Math.min(1e5, v));
    const pts = [];
    let lx = Infinity, ly = Infinity;
    const last = r.diverged ? r.iterations - 1 : r.iterations; // a diverged run ends at a non-finite position
    for (let i = 0; i <= last; i++) {
      const X = clamp(geo.px(r.x[i])), Y = clamp(geo.py(r.y[i]));
      if (!Number.isFinite(X) || !Number.isFinite(Y)) break;
      if (i === last || Math.abs(X - lx) + Math.abs(Y - ly) >= 0.5 * geo.dpr) { pts.push(X, Y); lx = X; ly = Y; }
    }
    const d = geo.dpr;
    const stroke = (style, width) => {
      ctx.beginPath();
      for (let k = 0; k < pts.length; k += 2) ctx.lineTo(pts[k], pts[k + 1]);
      ctx.strokeStyle = style; ctx.lineWidth = width; ctx.stroke();
    };
    ctx.lineJoin = "round";
    stroke("rgba(255,255,255,0.75)", 3.5 * d);
    stroke(colour, 1.6 * d);
    if (pts.length < 2) return;
    const ex = pts[pts.length - 2], ey = pts[pts.length - 1];
    ctx.strokeStyle = colour; ctx.lineWidth = 2.5 * d; ctx.fillStyle = colour;
    if (r.diverged) { // a cross where it left the map for good
      const s = 5 * d; ctx.beginPath(); ctx.moveTo(ex - s, ey - s); ctx.lineTo(ex + s, ey + s); ctx.moveTo(ex + s, ey - s); ctx.lineTo(ex - s, ey + s); ctx.stroke();
    } else {
      ctx.beginPath(); ctx.arc(ex, ey, 3.5 * d, 0, 2 * Math.PI); ctx.fill();
    }
  }

  function drawStart(ctx, geo, start) {
    ctx.beginPath(); ctx.arc(geo.px(start[0]), geo.py(start[1]), 5 * geo.dpr, 0, 2 * Math.PI);
    ctx.fillStyle = "#fff"; ctx.fill(); ctx.lineWidth = 2 * geo.dpr; ctx.strokeStyle = "#000"; ctx.stroke();
  }

  /** One line of the results list for a run. */
  function describe(r, maxIter) {
    const final = `final f = ${fmtF(r.f[r.iterations])}`;
    if (r.converged) return `reached f < 1e-4 at step ${r.iterations.toLocaleString("en")}, ${final}`;
    if (r.diverged) return `diverged at step ${r.iterations.toLocaleString("en")} (f = ${r.f[r.iterations]})`;
    return `not within ${maxIter.toLocaleString("en")} steps, ${final}`;
  }

  // --- the figure -----------------------------------------------------------------------------

  /** Build the explorer inside `root` and return its API (update, state, ...). */
  function create(root) {
    const state = { landscape: "rosenbrock", start: LANDSCAPES.rosenbrock.start.slice() };
    const canvas = el("canvas", { class: "ox-canvas", role: "img", tabindex: "0" });
    const results = el("ul", { class: "ox-results", "aria-live": "polite" });
    const caption = el("p", { class: "ox-hint" });
    let bg = null, geo = null;

    // landscape choice
    const landBox = el("fieldset", { class: "ox-landscape" }, el("legend", { text: "Landscape" }));
    const radios = {};
    for (const [key, land] of Object.entries(LANDSCAPES)) {
      radios[key] = el("input", { type: "radio", name: "ox-landscape", id: `ox-land-${key}`, value: key });
      radios[key].addEventListener("change", () => setLandscape(key));
      landBox.append(el("span", { class: "ox-radio" }, radios[key], el("label", { for: `ox-land-${key}`, text: land.label })));
    }
    radios.rosenbrock.checked = true;

    // one fieldset per optimiser: on/off, learning rate, its betas
    const controls = {};
    const optBox = el("div", { class: "ox-optimisers" });
    for (const e of ENTRIES) {
      const on = el("input", { type: "checkbox", id: `ox-${e.key}-on` });
      on.checked = !e.off;
      on.addEventListener("change", update);
      const box = el("fieldset", { class: "ox-optimiser", style: `--ox-colour: ${e.colour}` },
        el("legend", {}, on, el("label", { for: `ox-${e.key}-on` }, el("span", { class: "ox-swatch", "aria-hidden": "true" }), e.label)));
      const c = { on, lr: slider(`ox-${e.key}-lr`, "learning rate", LR_VALUES, 0.001, update) };
      box.append(c.lr.row);
      for (const p of e.params) {
        c[p.name] = slider(`ox-${e.key}-${p.name}`, p.label, p.values, p.value, update);
        box.append(c[p.name].row);
      }
      controls[e.key] = c;
      optBox.append(box);
    }

    // steps, start, reset
    const steps = slider("ox-steps", "steps at most", STEP_VALUES, 6000, update);
    const startIn = ["x", "y"].map((axis, k) => {
      const input = el("input", { type: "number", id: `ox-start-${axis}`, step: "0.1", inputmode: "decimal" });
      input.addEventListener("change", () => {
        const v = Number(input.value);
        if (input.value !== "" && Number.isFinite(v)) { state.start[k] = v; update(); }
      });
      return el("span", { class: "ox-start" }, el("label", { for: `ox-start-${axis}`, text: `start ${axis}` }), input);
    });
    const reset = el("button", { type: "button", class: "ox-reset", text: "Reset" });
    reset.addEventListener("click", () => setLandscape(state.landscape));
    const general = el("fieldset", { class: "ox-general" }, el("legend", { text: "Run" }), steps.row,
      el("div", { class: "ox-starts" }, ...startIn, reset));

    const note = el("p", { class: "ox-note" });
    note.innerHTML = "The paths are computed in your browser with PyTorch's update rules (<code>torch.optim.SGD</code>, " +
      "<code>RMSprop</code>, <code>Adam</code>, their default ε = 1e-8, in float64): the same positions as " +
      "<code>lessonlib.trajectory.run_trajectory</code>. Where torch differs from the textbook, the explorer follows torch: " +
      "momentum is the heavy ball <i>b</i> ← β<i>b</i> + ∇<i>f</i>, <i>x</i> ← <i>x</i> − η<i>b</i>, without a factor (1 − β), " +
      "so its steps are about 1/(1 − β) times larger than η∇<i>f</i>; RMSprop divides by √<i>v</i> + ε, and Adam adds ε to the " +
      "bias-corrected √<i>v̂</i>: <i>x</i> ← <i>x</i> − η <i>m̂</i> / (√<i>v̂</i> + ε). Lion (switch it on; chapter \"After Adam\") " +
      "follows <code>lessonlib.optim.Lion</code>: every coordinate moves by η, the sign of <i>c</i> = β1<i>m</i> + (1 − β1)∇<i>f</i>. " +
      "A run stops at the first f &lt; 1e-4.";

    root.classList.add("ox");
    root.append(el("div", { class: "ox-layout" },
      el("div", { class: "ox-stage" }, canvas, caption, results),
      el("div", { class: "ox-panel" }, landBox, optBox, general)), note);

    /** Set the landscape and restore its defaults (start, learning rates, betas, steps, which are on). */
    function setLandscape(key) {
      state.landscape = key;
      radios[key].checked = true;
      const land = LANDSCAPES[key];
      state.start = land.start.slice();
      for (const e of ENTRIES) {
        const c = controls[e.key];
        c.on.checked = !e.off;
        c.lr.set(land.lr[e.key]);
        for (const p of e.params) c[p.name].set(p.value);
      }
      steps.set(6000);
      bg = null;
      update();
    }

    /** Size the canvas to its box (times the device pixel ratio) and redraw the background. */
    function resize() {
      const land = LANDSCAPES[state.landscape];
      const dpr = window.devicePixelRatio || 1, cssW = Math.max(200, canvas.clientWidth || root.clientWidth);
      const aspect = (land.view.x[1] - land.view.x[0]) / (land.view.y[1] - land.view.y[0]);
      const plotW = cssW - PAD.left - PAD.right, cssH = Math.round(plotW / aspect + PAD.top + PAD.bottom);
      canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(cssH * dpr);
      geo = geometry(canvas, land, dpr);
      bg = background(canvas, land, geo);
    }

    /** The settings of every switched-on optimiser, as run() takes them. */
    function settings() {
      return ENTRIES.filter((e) => controls[e.key].on.checked).map((e) => {
        const c = controls[e.key], v = { lr: c.lr.get() };
        for (const p of e.params) v[p.name] = c[p.name].get();
        return Object.assign({ entry: e, landscape: state.landscape, start: state.start.slice(), maxIter: steps.get(), tol: 1e-4 }, e.settings(v));
      });
    }

    /** Recompute every path and redraw the figure and the results list. */
    function update() {
      if (!bg || canvas.width !== Math.round(Math.max(200, canvas.clientWidth) * (window.devicePixelRatio || 1))) resize();
      const ctx = canvas.getContext("2d");
      ctx.drawImage(bg, 0, 0);
      ctx.save();
      ctx.beginPath(); ctx.rect(geo.L, geo.T, geo.W, geo.H); ctx.clip();
      results.textContent = "";
      for (const s of settings()) {
        const r = simulate(s);
        drawPath(ctx, geo, r, s.entry.colour);
        const extra = s.entry.params.map((p) => `${p.label.split(" ")[0]} ${fmt(controls[s.entry.key][p.name].get())}`).join(", ");
        results.append(el("li", { style: `--ox-colour: ${s.entry.colour}` },
          el("span", { class: "ox-swatch", "aria-hidden": "true" }),
          el("strong", { text: s.entry.label }), ` (lr ${fmt(s.lr)}${extra ? ", " + extra : ""}): ${describe(r, s.maxIter)}`));
      }
      const land = LANDSCAPES[state.landscape];
      star(ctx, geo.px(land.minimum[0]), geo.py(land.minimum[1]), 8 * geo.dpr); // the minimum, above the paths
      drawStart(ctx, geo, state.start);
      ctx.restore();
      if (!results.children.length) results.append(el("li", { text: "Switch on an optimiser to see its path." }));
      startIn.forEach((span, k) => { span.querySelector("input").value = String(state.start[k]); });
      caption.textContent = `${land.label}, ${land.formula}; minimum at (${land.minimum}) (star). Click or tap the map, or focus it and use the arrow keys, to move the start (white dot).`;
      canvas.setAttribute("aria-label", `Contour map of ${land.label} with the paths of the switched-on optimisers from (${state.start}); the results are listed below it. The arrow keys move the start.`);
    }

    // a click sets the start, rounded to 0.01 so that it is easy to repeat in Python
    canvas.addEventListener("click", (ev) => {
      const rect = canvas.getBoundingClientRect(), sx = canvas.width / rect.width;
      const X = (ev.clientX - rect.left) * sx, Y = (ev.clientY - rect.top) * sx;
      if (X < geo.L || X > geo.L + geo.W || Y < geo.T || Y > geo.T + geo.H) return;
      state.start = [Math.round(geo.wx(X) * 100) / 100, Math.round(geo.wy(Y) * 100) / 100];
      update();
    });
    // with the map focused, the arrow keys move the start by 0.05 (0.5 with Shift)
    canvas.addEventListener("keydown", (ev) => {
      const move = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[ev.key];
      if (!move) return;
      ev.preventDefault();
      const d = ev.shiftKey ? 0.5 : 0.05;
      state.start = state.start.map((v, k) => Math.round((v + d * move[k]) * 100) / 100);
      update();
    });
    if (window.ResizeObserver) {
      let width = 0;
      new ResizeObserver(() => { if (canvas.clientWidth !== width) { width = canvas.clientWidth; bg = null; update(); } }).observe(canvas);
    }
    setLandscape("rosenbrock");
    return { update, setLandscape, state, controls, settings };
  }

  window.optimiserExplorer = { run, simulate, landscapes: LANDSCAPES, optimisers: Object.keys(RULES) };
  function init() {
    const root = document.getElementById("optimiser-explorer");
    if (root && !root.dataset.ready) {
      root.dataset.ready = "1";
      Object.assign(window.optimiserExplorer, create(root));
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
