"""Optimisers: Adam written out from its equations, and `Optimiser`, how the book names any of them.

Everywhere in lessonlib an optimiser is passed the same way: an `Optimiser` (a torch.optim class or
its name, with its settings, waiting for parameters), or just a name or class for its defaults.
"""

import torch


class Optimiser:
    """An optimiser and its settings, without parameters: `Optimiser("Adam", lr=1e-3)(params)` builds it.

    `kind` is a torch.optim.Optimizer subclass or its name; names are looked up in torch.optim, then
    among lessonlib's own optimisers (`EXTRA`).
    """

    def __init__(self, kind="Adam", **settings):
        self.cls = _resolve(kind)
        self.settings = dict(settings)
        try:  # try the settings on a dummy parameter now, so a mistake shows where it was made
            self.cls([torch.zeros(2, 2, requires_grad=True)], **self.settings)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{self.cls.__name__} rejected the settings {self.settings}: {err}") from None

    @classmethod
    def of(cls, optimiser) -> "Optimiser":
        """`optimiser` as an Optimiser: an Optimiser unchanged, a class or name with its defaults."""
        return optimiser if isinstance(optimiser, Optimiser) else cls(optimiser)

    @property
    def name(self) -> str:
        return self.cls.__name__

    def __call__(self, params) -> torch.optim.Optimizer:
        """The optimiser, built for `params` (parameters or parameter groups)."""
        return self.cls(params, **self.settings)

    def replace(self, **settings) -> "Optimiser":
        """The same optimiser with some settings replaced or added."""
        return Optimiser(self.cls, **(self.settings | settings))

    def __eq__(self, other):
        return isinstance(other, Optimiser) and (self.cls, self.settings) == (other.cls, other.settings)

    def __repr__(self) -> str:
        settings = "".join(f", {key}={value!r}" for key, value in self.settings.items())
        return f"Optimiser({self.name!r}{settings})"


def _resolve(kind):
    if isinstance(kind, type) and issubclass(kind, torch.optim.Optimizer):
        return kind
    if isinstance(kind, str):
        found = getattr(torch.optim, kind, None)
        if isinstance(found, type) and issubclass(found, torch.optim.Optimizer):
            return found
        if kind in EXTRA:
            return EXTRA[kind]
        names = sorted({n for n, c in vars(torch.optim).items() if isinstance(c, type)
                        and issubclass(c, torch.optim.Optimizer) and c is not torch.optim.Optimizer}
                       | set(EXTRA))
        raise ValueError(f"unknown optimiser {kind!r}; choose one of: {', '.join(names)}")
    raise TypeError(f"an optimiser is a torch.optim.Optimizer subclass (e.g. torch.optim.Adam), its "
                    f"name (e.g. 'Adam') or an Optimiser('Adam', lr=...), got {kind!r}")


def _check_settings(lr, betas, eps, weight_decay):
    """Reject settings Adam cannot use, saying what is allowed (in torch.optim.Adam's words)."""
    if not lr > 0:
        raise ValueError(f"Invalid learning rate: {lr!r} (must be a number > 0)")
    try:
        beta1, beta2 = (float(b) for b in betas)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid betas: {betas!r} (must be two numbers, each in [0, 1))") from None
    if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
        raise ValueError(f"Invalid betas: {betas!r} (must be two numbers, each in [0, 1))")
    if not eps >= 0:
        raise ValueError(f"Invalid epsilon value: {eps!r} (must be a number >= 0)")
    if not weight_decay >= 0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay!r} (must be a number >= 0)")
    return beta1, beta2


# what Adam(record=True) keeps of every step; "update" is the change of the parameters, θ_t − θ_{t−1}
RECORDED = ("g", "m", "v", "m_hat", "v_hat", "update", "effective_lr")


class Adam(torch.optim.Optimizer):
    """Adam from its equations (`adam_update`), a drop-in for torch.optim.Adam; `record=True` keeps its internals."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, record=False):
        betas = _check_settings(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))
        self.record = record
        self.history = []  # record=True: one dict per step; per-parameter lists (params with a gradient, in order)

    def step(self, closure=None):
        """One Adam step for every parameter with a gradient; returns the closure's loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        entry = {key: [] for key in RECORDED} | {"t": len(self.history) + 1}
        with torch.no_grad():
            for group in self.param_groups:
                lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
                for theta in group["params"]:
                    if theta.grad is None:
                        continue
                    state = self.state[theta]
                    if not state:
                        state.update(step=0, m=torch.zeros_like(theta), v=torch.zeros_like(theta))
                    state["step"] += 1
                    t = state["step"]
                    g = theta.grad                        # g_t = ∇f(θ_{t-1})
                    if weight_decay != 0:
                        g = g + weight_decay * theta      #       + λ θ_{t-1}  (L2, as torch.optim.Adam)
                    new, state["m"], state["v"] = adam_update(theta, g, state["m"], state["v"], t,
                                                              lr, beta1, beta2, eps)
                    if self.record:
                        m_hat, v_hat = state["m"] / (1 - beta1**t), state["v"] / (1 - beta2**t)
                        entry["g"].append(g.clone())
                        entry["m"].append(state["m"])
                        entry["v"].append(state["v"])
                        entry["m_hat"].append(m_hat)
                        entry["v_hat"].append(v_hat)
                        entry["update"].append(new - theta)
                        entry["effective_lr"].append(lr / (v_hat.sqrt() + eps))
                    theta.copy_(new)
        if self.record:
            self.history.append(entry)
        return loss


def adam_update(theta, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, form="algorithm1"):
    """One pure Adam step on tensors or floats; returns (theta_new, m_new, v_new).

    form="algorithm1" is Kingma & Ba's Algorithm 1, which adds ε to the bias-corrected √v̂, as torch.optim.Adam
    does; form="folded" is the paper's "more efficient order of computation" (the paragraph after Algorithm 1),
    as TensorFlow/Keras implement it: the corrections folded into α_t and ε added to the uncorrected √v,
    i.e. ε/√(1 − β2^t) in place of ε: it matters only when √v̂ is not much bigger than ε.
    """
    m = beta1 * m + (1 - beta1) * g                               # m_t = β1 m_{t-1} + (1 − β1) g_t
    v = beta2 * v + (1 - beta2) * g * g                           # v_t = β2 v_{t-1} + (1 − β2) g_t²
    if form == "algorithm1":
        m_hat = m / (1 - beta1**t)                                # m̂_t = m_t / (1 − β1^t)
        v_hat = v / (1 - beta2**t)                                # v̂_t = v_t / (1 − β2^t)
        theta = theta - lr * m_hat / (v_hat**0.5 + eps)           # θ_t = θ_{t-1} − α m̂_t / (√v̂_t + ε)
    elif form == "folded":
        lr_t = lr * (1 - beta2**t) ** 0.5 / (1 - beta1**t)        # α_t = α √(1 − β2^t) / (1 − β1^t)
        theta = theta - lr_t * m / (v**0.5 + eps)                 # θ_t = θ_{t-1} − α_t m_t / (√v_t + ε̂)
    else:
        raise ValueError(f"form must be 'algorithm1' or 'folded', got {form!r}")
    return theta, m, v


class Lion(torch.optim.Optimizer):
    """Lion (Chen et al. 2023, Algorithm 2): steps of lr * sign(an interpolated momentum), decoupled decay.

    Defaults from the paper and its authors' code: betas (0.9, 0.99), no weight decay; their lr
    default is 1e-4 (a Lion lr is typically 3-10x smaller than AdamW's, they advise).
    """

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
        betas = _check_settings(lr, betas, 0.0, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay))

    def step(self, closure=None):
        """One Lion step for every parameter with a gradient; returns the closure's loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        with torch.no_grad():
            for group in self.param_groups:
                lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
                for theta in group["params"]:
                    if theta.grad is None:
                        continue
                    state = self.state[theta]
                    if not state:
                        state["m"] = torch.zeros_like(theta)
                    m, g = state["m"], theta.grad
                    # one rounding per operation, no fused multiply-add: the explorer's JavaScript
                    # repeats these lines exactly
                    c = m * beta1 + g * (1 - beta1)         # c_t = β1 m_{t-1} + (1 − β1) g_t
                    theta.mul_(1 - lr * weight_decay)       # θ_t = θ_{t-1} − η λ θ_{t-1}
                    theta.sub_(lr * torch.sign(c))          #       − η sign(c_t)
                    m.mul_(beta2).add_(g * (1 - beta2))     # m_t = β2 m_{t-1} + (1 − β2) g_t
        return loss


def split_for_muon(params):
    """(Muon's, AdamW's) parameters: the 2-D hidden weights, and the rest.

    The rule, as Muon's authors train: every 2-D parameter except the first and the last goes to
    Muon; the first and last 2-D parameters (a network's input and output layers, when its
    parameters come in data-flow order, as in an nn.Sequential such as the book's painters),
    biases and any other shape go to AdamW.
    """
    params = list(params)
    if any(isinstance(p, dict) for p in params):
        raise ValueError("MuonWithAdamW splits plain parameters itself: pass model.parameters(), "
                         "not parameter groups (dicts)")
    matrices = [i for i, p in enumerate(params) if p.ndim == 2]
    hidden = set(matrices[1:-1])
    return ([p for i, p in enumerate(params) if i in hidden],
            [p for i, p in enumerate(params) if i not in hidden])


class MuonWithAdamW(torch.optim.Optimizer):
    """torch.optim.Muon for the hidden 2-D weights, torch.optim.AdamW for the rest (`split_for_muon`).

    `lr`, `momentum`, `weight_decay`, `nesterov`, `ns_steps` and `adjust_lr_fn` are Muon's; the
    `adamw_*` settings are AdamW's. Defaults: Muon's from its authors' code (lr 0.02, momentum 0.95,
    no weight decay), AdamW's from torch but without weight decay. `param_groups` lists Muon's
    groups, then AdamW's, so a learning-rate scheduler scales both.
    """

    def __init__(self, params, lr=0.02, momentum=0.95, weight_decay=0.0, nesterov=True, ns_steps=5,
                 adjust_lr_fn=None, adamw_lr=1e-3, adamw_betas=(0.9, 0.999), adamw_eps=1e-8,
                 adamw_weight_decay=0.0):
        muon_params, adamw_params = split_for_muon(params)
        muon = dict(lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=nesterov,
                    ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        adamw = dict(lr=adamw_lr, betas=adamw_betas, eps=adamw_eps, weight_decay=adamw_weight_decay)
        # an empty side still has its settings checked, by torch, on a stand-in parameter
        self.muon = torch.optim.Muon(muon_params or [torch.zeros(4, 4, requires_grad=True)], **muon)
        self.adamw = torch.optim.AdamW(adamw_params or [torch.zeros(1, requires_grad=True)], **adamw)
        inner = ([self.muon] if muon_params else []) + ([self.adamw] if adamw_params else [])
        if not inner:
            raise ValueError("MuonWithAdamW got an empty parameter list")
        super().__init__(muon_params + adamw_params, dict(lr=lr))
        self.inner = inner
        self.param_groups = [group for opt in inner for group in opt.param_groups]

    def step(self, closure=None):
        """One step of Muon and one of AdamW, each on its own parameters; returns the closure's loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for opt in self.inner:
            opt.step()
        return loss

    def state_dict(self):
        return {type(opt).__name__: opt.state_dict() for opt in self.inner}

    def load_state_dict(self, state_dict):
        for opt in self.inner:
            opt.load_state_dict(state_dict[type(opt).__name__])


def uncorrected_step_ratio(t, beta1=0.9, beta2=0.999):
    """How many times larger Adam's step is without bias correction, for a constant gradient."""
    return (1 - beta1**t) / (1 - beta2**t) ** 0.5


def recorded(optimiser, key, param=0):
    """One recorded quantity of an `Adam(record=True)` run as an array (steps, *shape)."""
    return torch.stack([entry[key][param] for entry in optimiser.history]).numpy()


def history_table(optimiser, names="xy", keys=("g", "m", "v", "m_hat", "v_hat", "update")):
    """The recorded quantities of the first parameter, one row per step and coordinate."""
    columns = {key: recorded(optimiser, key) for key in keys}
    lines = [f"{'t':>2} {'':>2} " + " ".join(f"{key:>10}" for key in keys)]
    for i, entry in enumerate(optimiser.history):
        for k, name in enumerate(names):
            values = " ".join(f"{columns[key][i][k]:>10.4g}" for key in keys)
            lines.append(f"{entry['t']:>2} {name:>2} {values}")
    return "\n".join(lines)


def compare_with_torch(fn, start, steps=2000, resync=True, **settings):
    """Largest relative difference between this Adam and torch.optim.Adam over `steps` steps on fn(x, y).

    resync=True copies our parameters into torch's before every step, so only the update rules are compared.
    """
    ours = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    theirs = ours.detach().clone().requires_grad_(True)
    optimisers = ((ours, Adam([ours], **settings)), (theirs, torch.optim.Adam([theirs], foreach=False, **settings)))
    worst = 0.0
    for _ in range(steps):
        if resync:
            with torch.no_grad():
                theirs.copy_(ours)
        for p, opt in optimisers:
            opt.zero_grad()
            fn(p[0], p[1]).backward()
            opt.step()
        worst = max(worst, (torch.linalg.norm(ours - theirs) / torch.linalg.norm(theirs)).item())
    return worst


# lessonlib's own optimisers, by name, for `Optimiser("...")` (torch.optim's names come first)
EXTRA = {"Lion": Lion, "MuonWithAdamW": MuonWithAdamW}

# Instant-NGP's Adam (Müller et al. 2022, Section 4): lr 1e-2, beta2 0.99 and a tiny eps
INSTANT_NGP = Optimiser("Adam", lr=1e-2, betas=(0.9, 0.99), eps=1e-15)
