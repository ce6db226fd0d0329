"""The backward-Euler step in JAX: ``simulate(..., backend="jax")`` (the ``gpu`` extra).

The same equations as ``_kernel.run_cases`` and ``_numpy_reference.simulate_numpy``
[fiber-models.md section 8]: channel currents linearised with frozen gates, backward Euler for
(V', U') on the two-layer cable, gates advanced by cnexp with the new voltage, -30 mV AP
detectors at every node. Written for an accelerator:

- **batch axis first**: every array carries the cases on axis 0 and one ``jax.lax.scan`` over
  the time steps advances all of them in lock-step, jit-compiled once per shape;
- **internodes as dense solves**: the passive internode blocks are the same at every step, so
  their 2L x 2L inverses (L sections, 2 unknowns each) are formed once in NumPy and applied as
  one batched matrix product per step (``einsum``); internodes of unequal length are padded
  with zero rows. The internode solution x = z - V_left zeta_L - V_right zeta_R leaves a
  system in the node voltages (tridiagonal for a fiber, the node tree of a branched cell),
  taken with the zeta factors from
  ``cable.reduce_to_nodes``; the matrix blocks, the right side and the channel equations are
  the shared definitions of ``cable.py`` and ``channels.py``;
- **node system** by ``jax.lax.linalg.tridiagonal_solve`` (LAPACK gtsv on CPU, cuSPARSE on
  GPU) when the nodes form a chain; a scan-based Thomas sweep is kept for comparison
  (``TRIDIAGONAL``). A branched cell's node tree is solved by Hines' elimination as two scans
  over the nodes (``_hines``).

No early exit: a scan runs the whole window. Stopping (``stop_on_detect``, ``quiet_mv``, a
non-finite voltage) is applied as a mask: once a case's stop condition holds, its detector
outputs, ``steps_done`` and trace stop changing, so the ``SimulationResult`` is the one of the
compiled kernel, at the cost of the steps a stopped case would have skipped.

Float64 throughout, scoped: calls run inside ``jax.enable_x64(True)`` so importing this module
does not change the process-wide JAX configuration of other code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import NDArray

from neurostim.fibers._kernel import AP_THRESHOLD_MV, QUIET_STEPS, crossing_time_ms
from neurostim.fibers.cable import (
    bath_periaxonal_us,
    coupling_block,
    diagonal_block,
    link_current,
    node_rhs,
    reduce_to_nodes,
    section_rhs,
    step_coefficients,
)
from neurostim.fibers.channels import equations
from neurostim.fibers.geometry import CableGeometry
from neurostim.units import NV_TO_UV

TRIDIAGONAL = "lapack"
"""Node solve: ``"lapack"`` (``jax.lax.linalg.tridiagonal_solve``) or ``"thomas"`` (a scan)."""


@dataclass(frozen=True)
class JaxCable:
    """Step factors of one geometry and time step (NumPy arrays, float64 unless noted).

    Internode arrays are padded to ``n_max`` sections; node arrays have n_fixed entries.

    int_sections : int, (n_internodes, n_max) section of each internode position (0 if pad).
    int_inverse : (n_internodes, 2 n_max, 2 n_max) inverse of the internode block system,
        unknowns ordered (V, U) per section, zero rows/columns for padding.
    int_left_sec, int_right_sec : int, (n_internodes,) the bounding node sections.
    bound_left, bound_right : (n_internodes, n_max, 2) coefficients of the bounding nodes'
        E' in the internode right side (G_a, G_p at the first/last position).
    zeta_l, zeta_r : (n_sections, 2) internode response to a unit left/right node voltage.
    diag0, lower, upper, node_parent : (n_fixed,) the node system without the gated channels
        (``cable.NodeReduction``); ``chain`` whether the node tree is a chain (node f - 1 the
        parent of f), solved as tridiagonal.
    link_node, link_g, link_other, link_other_free, link_other_int : (n_node_links,) the
        links ending at a node: the node, G_a, the other end's section, whether it is an
        internode section, and its flat internode position.
    sec_node, sec_left, sec_right, sec_int : int, (n_sections,) for each section: its node
        index (nodes), the bounding nodes and flat internode position (internode sections).
    """

    fixed: NDArray[np.bool_]
    fixed_sections: NDArray[np.int64]
    active_fixed: NDArray[np.int64]
    int_sections: NDArray[np.int64]
    int_inverse: NDArray[np.float64]
    int_left_sec: NDArray[np.int64]
    int_right_sec: NDArray[np.int64]
    bound_left: NDArray[np.float64]
    bound_right: NDArray[np.float64]
    zeta_l: NDArray[np.float64]
    zeta_r: NDArray[np.float64]
    diag0: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    node_parent: NDArray[np.int64]
    chain: bool
    link_node: NDArray[np.int64]
    link_g: NDArray[np.float64]
    link_other: NDArray[np.int64]
    link_other_free: NDArray[np.bool_]
    link_other_int: NDArray[np.int64]
    sec_node: NDArray[np.int64]
    sec_left: NDArray[np.int64]
    sec_right: NDArray[np.int64]
    sec_int: NDArray[np.int64]
    c: NDArray[np.float64]
    m: NDArray[np.float64]
    cmy: NDArray[np.float64]
    eta0: NDArray[np.float64]
    sa: NDArray[np.float64]
    parent: NDArray[np.int64]


def prepare(g: CableGeometry, dt_ms: float) -> JaxCable:
    """Factor the internodes of ``g`` for the step ``dt_ms`` (dense inverses, see above)."""
    n = g.n_sections
    fixed = g.u_fixed.astype(bool)
    ga, gp = g.g_axial_us, g.g_periaxonal_us
    c, cmy, m, sa, sp = step_coefficients(g, dt_ms)
    red = reduce_to_nodes(g, dt_ms)  # the node system, the spans and the zeta factors
    fixed_sections = red.fixed
    spans = list(zip(red.span_start.tolist(), red.span_end.tolist(), strict=True))
    n_int = len(spans)
    n_max = max((b - a + 1 for a, b in spans), default=0)
    int_sections = np.zeros((n_int, n_max), np.int64)
    inverse = np.zeros((n_int, 2 * n_max, 2 * n_max))
    bound_left = np.zeros((n_int, n_max, 2))
    bound_right = np.zeros((n_int, n_max, 2))
    sec_int = np.zeros(n, np.int64)
    sec_left = np.zeros(n, np.int64)
    sec_right = np.zeros(n, np.int64)
    for k, (a, b) in enumerate(spans):
        size = b - a + 1
        secs = np.arange(a, b + 1)
        int_sections[k, :size] = secs
        mat = np.zeros((2 * size, 2 * size))
        for p, s in enumerate(secs):
            block = diagonal_block(c[s] + g.g_leak_us[s], sa[s], m[s] + sp[s])
            mat[2 * p : 2 * p + 2, 2 * p : 2 * p + 2] = np.reshape(block, (2, 2))
            if p > 0:
                coupling = np.reshape(coupling_block(ga[s - 1], gp[s - 1]), (2, 2))
                mat[2 * p : 2 * p + 2, 2 * p - 2 : 2 * p] = coupling
                mat[2 * p - 2 : 2 * p, 2 * p : 2 * p + 2] = coupling
        inverse[k, : 2 * size, : 2 * size] = np.linalg.inv(mat)
        bound_left[k, 0] = ga[a - 1], gp[a - 1]
        bound_right[k, size - 1] = ga[b], gp[b]
        sec_int[a : b + 1] = k * n_max + np.arange(size)
        sec_left[a : b + 1] = red.span_left[k]
        sec_right[a : b + 1] = red.span_right[k]
    pos = np.full(n, -1)
    pos[fixed_sections] = np.arange(fixed_sections.size)
    node_parent = red.node_parent
    chain = bool(np.array_equal(node_parent, np.arange(-1, node_parent.size - 1)))
    return JaxCable(
        fixed=fixed, fixed_sections=fixed_sections, active_fixed=red.active_fixed,
        int_sections=int_sections, int_inverse=inverse,
        int_left_sec=fixed_sections[red.span_left], int_right_sec=red.span_end + 1,
        bound_left=bound_left, bound_right=bound_right, zeta_l=red.zeta_l, zeta_r=red.zeta_r,
        diag0=red.diag0, lower=red.lower, upper=red.upper, node_parent=node_parent, chain=chain,
        link_node=red.link_node, link_g=ga[red.link_index], link_other=red.link_other,
        link_other_free=red.link_other_free.astype(bool),
        link_other_int=sec_int[red.link_other], sec_node=np.maximum(pos, 0),
        sec_left=sec_left, sec_right=sec_right, sec_int=sec_int, c=c, m=m, cmy=cmy,
        eta0=red.eta0, sa=sa, parent=red.parent,
    )  # fmt: skip


def _float64():
    """Scoped float64: ``jax.enable_x64`` (newer JAX) or ``jax.experimental.enable_x64``."""
    scope = getattr(jax, "enable_x64", None)
    if scope is None:  # pragma: no cover - JAX < 0.6
        from jax.experimental import enable_x64 as scope
    return scope(True)


# --- the shared equations, over jax.numpy --------------------------------------------------

EQUATIONS = equations(jnp.exp, jnp.where, log=jnp.log)
"""``channels.equations`` over ``jax.numpy`` (the same definitions as the other backends)."""


def _states(x):
    """The state variables of ``x`` (..., n_states) as a list of arrays (..., )."""
    return [x[..., i] for i in range(x.shape[-1])]


# --- linear solves -----------------------------------------------------------------------


def _thomas(dl, d, du, b):
    """Tridiagonal solve by a scan over the unknowns; all arguments (n_cases, n)."""
    du_prev = jnp.concatenate([jnp.zeros_like(du[:, :1]), du[:, :-1]], axis=1)

    def forward(prev, row):
        cp_prev, dp_prev = prev
        dl_i, d_i, du_prev_i, b_i = row
        mult = dl_i / cp_prev
        out = (d_i - mult * du_prev_i, b_i - mult * dp_prev)
        return out, out

    init = (jnp.ones_like(d[:, 0]), jnp.zeros_like(d[:, 0]))
    _, (cp, dp) = jax.lax.scan(forward, init, (dl.T, d.T, du_prev.T, b.T))

    def backward(x_next, row):
        cp_i, dp_i, du_i = row
        x = (dp_i - du_i * x_next) / cp_i
        return x, x

    _, x = jax.lax.scan(backward, jnp.zeros_like(d[:, 0]), (cp, dp, du.T), reverse=True)
    return x.T


def _hines(node_parent, lower, upper, d, b):
    """Hines' elimination over the node tree by two scans (leaves first, then from the root);
    ``d``, ``b`` (n_cases, n_fixed), the rest (n_fixed,) as in ``cable.NodeReduction``."""
    n_f = d.shape[1]
    order = jnp.arange(n_f - 1, 0, -1)

    def fold(carry, f):
        dd, bb = carry
        p = node_parent[f]
        mult = upper[f] / dd[:, f]
        dd = dd.at[:, p].add(-mult * lower[f])
        bb = bb.at[:, p].add(-mult * bb[:, f])
        return (dd, bb), None

    (d, b), _ = jax.lax.scan(fold, (d, b), order)
    x0 = jnp.zeros_like(b).at[:, 0].set(b[:, 0] / d[:, 0])

    def down(x, f):
        x = x.at[:, f].set((b[:, f] - lower[f] * x[:, node_parent[f]]) / d[:, f])
        return x, None

    x, _ = jax.lax.scan(down, x0, jnp.arange(1, n_f))
    return x


def _tridiagonal(dl, d, du, b, method):
    if method == "thomas":
        return _thomas(dl, d, du, b)
    return jax.lax.linalg.tridiagonal_solve(dl, d, du, b[..., None])[..., 0]


# --- the time loop -----------------------------------------------------------------------


@partial(
    jax.jit,
    static_argnames=("kind", "stop_on_detect", "quiet", "tridiagonal", "keep_current", "chain"),
)
def _run(cab, geo, state, drive, drive_old, istim, steps, wave_end, *, kind, stop_on_detect,
         quiet, tridiagonal, keep_current, chain):  # fmt: skip
    """Scan over the steps; ``drive``/``drive_old`` (n_steps, n_cases) source current now and
    one step earlier, ``istim`` (n_steps,), ``steps`` (n_steps,) step index. ``rec_phi`` (1 or
    n_cases, n_leads, n_sections) gives the recorded potentials (n_leads may be 0),
    ``keep_current`` the membrane currents."""
    (prm, phi, area_us, g_leak, e_leak, nodes, rec, det, istim_node, rest, quiet_mv, dt,
     rec_phi, scale, diameter_um) = geo  # fmt: skip
    scales = _states(scale)  # per channel, (n_active,)
    nc = phi.shape[0]
    fx = cab["fixed_sections"]
    n_int, n_max = cab["int_sections"].shape
    int_secs = cab["int_sections"]
    # node-equation constants
    gam_leak = g_leak[fx]
    eta_leak = (g_leak * e_leak)[fx]
    # a chain of nodes: tridiagonal, sub-diagonal lower[f], super-diagonal upper[f + 1]
    lower = jnp.broadcast_to(cab["lower"], (nc, fx.size))
    upper = jnp.broadcast_to(jnp.append(cab["upper"][1:], 0.0), (nc, fx.size))
    is_fixed = cab["fixed"]

    def step(carry, x):
        (v, u, gates, firing, count, t_first, t_interp, t_last, done, status, quiet_run,
         running) = carry  # fmt: skip
        s_new, s_old, i_in, k = x
        e_new = s_new[:, None] * phi
        e_old = s_old[:, None] * phi
        xs = _states(gates)
        gg, ge = EQUATIONS.of(kind).current(xs, scales, prm)
        gam = (gam_leak + jnp.zeros((nc, 1))).at[:, cab["active_fixed"]].add(gg * area_us)
        eta = (eta_leak + jnp.zeros((nc, 1))).at[:, cab["active_fixed"]].add(ge * area_us)
        rhs = node_rhs(cab["c"][fx], v[:, fx], eta, cab["sa"][fx], e_new[:, fx])
        rhs = rhs + jnp.where(fx == istim_node, i_in, 0.0)
        if n_int:
            vi, ui = v[:, int_secs], u[:, int_secs]
            en, eo = e_new[:, int_secs], e_old[:, int_secs]
            r0, r1 = section_rhs(cab["c"][int_secs], cab["m"][int_secs], cab["cmy"][int_secs],
                                 vi, ui, cab["eta0"][int_secs], en, eo)  # fmt: skip
            e_l = e_new[:, cab["int_left_sec"]][:, :, None]
            e_r = e_new[:, cab["int_right_sec"]][:, :, None]
            r0 = r0 + cab["bound_left"][..., 0] * e_l + cab["bound_right"][..., 0] * e_r
            r1 = r1 + cab["bound_left"][..., 1] * e_l + cab["bound_right"][..., 1] * e_r
            r = jnp.stack([r0, r1], axis=-1).reshape(nc, n_int, 2 * n_max)
            z = jnp.einsum("kij,ckj->cki", cab["int_inverse"], r).reshape(nc, n_int * n_max, 2)
            zsum = z[..., 0] + z[..., 1]
            other = jnp.where(cab["link_other_free"], zsum[:, cab["link_other_int"]],
                              e_new[:, cab["link_other"]])  # fmt: skip
        else:
            other = e_new[:, cab["link_other"]]
        rhs = rhs.at[:, cab["link_node"]].add(cab["link_g"] * other)
        if chain:
            vf = _tridiagonal(lower, cab["diag0"] + gam, upper, rhs, tridiagonal)
        else:
            vf = _hines(cab["node_parent"], cab["lower"], cab["upper"], cab["diag0"] + gam, rhs)
        v_node = vf[:, cab["sec_node"]]
        if n_int:
            v_l, v_r = vf[:, cab["sec_left"]], vf[:, cab["sec_right"]]
            zs = z[:, cab["sec_int"]]
            v_int = zs[..., 0] - v_l * cab["zeta_l"][:, 0] - v_r * cab["zeta_r"][:, 0]
            u_int = zs[..., 1] - v_l * cab["zeta_l"][:, 1] - v_r * cab["zeta_r"][:, 1]
            v_new = jnp.where(is_fixed, v_node, v_int)
            u_new = jnp.where(is_fixed, e_new, u_int)
        else:
            v_new, u_new = v_node, e_new
        act = fx[cab["active_fixed"]]
        new = EQUATIONS.of(kind).advance(xs, v[:, act], v_new[:, act], dt, scales, diameter_um,
                                         prm)  # fmt: skip
        gates_new = jnp.stack(jnp.broadcast_arrays(*new), axis=-1)
        # detectors (masked once a case has stopped)
        t_new = (k + 1) * dt
        v_old_nodes, v_nodes = v[:, nodes], v_new[:, nodes]
        above = v_nodes >= AP_THRESHOLD_MV
        onset = above & ~firing & running[:, None]
        first = onset & (count == 0)
        crossing = crossing_time_ms(k, dt, v_old_nodes, v_nodes)
        t_first = jnp.where(first, t_new, t_first)
        t_interp = jnp.where(first, crossing, t_interp)
        t_last = jnp.where(onset, t_new, t_last)
        count = count + onset
        firing = jnp.where(running[:, None], above, firing)
        done = jnp.where(running, k + 1, done)
        unstable = ~jnp.isfinite(v_nodes[:, det])
        status = jnp.where(running & unstable, 1, status)
        stop = unstable
        if stop_on_detect:
            stop = stop | (count[:, det] > 0)
        if quiet:
            calm = ~jnp.any(firing | (jnp.abs(v_nodes - rest) > quiet_mv), axis=1)
            calm_run = jnp.where(calm, quiet_run + 1, 0)
            quiet_run = jnp.where(running & (k >= wave_end), calm_run, quiet_run)
            stop = stop | ((k >= wave_end) & (quiet_run >= QUIET_STEPS))
        record = jnp.where(running[:, None], v_new[:, rec], 0.0)
        recorded = jnp.zeros((nc, 0))
        current = jnp.zeros((nc, 0))
        if rec_phi.shape[1] or keep_current:  # membrane currents (cable.link_current)
            par = cab["parent"][1:]
            flux = link_current(cab["ga"], cab["gp_bath"], v_new[:, 1:], u_new[:, 1:],
                                v_new[:, par], u_new[:, par])  # fmt: skip
            i_m = jnp.pad(flux, ((0, 0), (1, 0))).at[:, par].add(-flux)
            i_m = i_m + jnp.where(jnp.arange(i_m.shape[1]) == istim_node, i_in, 0.0)
            i_m = jnp.where(running[:, None], i_m, 0.0)
            if rec_phi.shape[0] == 1:
                recorded = jnp.einsum("lm,cm->cl", rec_phi[0], i_m) * NV_TO_UV
            else:
                recorded = jnp.einsum("clm,cm->cl", rec_phi, i_m) * NV_TO_UV
            if keep_current:
                current = i_m
        running = running & ~stop
        carry = (v_new, u_new, gates_new, firing, count, t_first, t_interp, t_last, done,
                 status, quiet_run, running)  # fmt: skip
        return carry, (record, recorded, current)

    final, traces = jax.lax.scan(step, state, (drive, drive_old, istim, steps))
    return final, traces


def simulate_jax(
    g: CableGeometry,
    dt_ms: float,
    n_steps: int,
    v0: NDArray[np.float64],
    u0: NDArray[np.float64],
    gates0: NDArray[np.float64],
    phi: NDArray[np.float64],
    amp: NDArray[np.float64],
    wave: NDArray[np.float64],
    wave_idx: NDArray[np.int64],
    wave_end: NDArray[np.int64],
    *,
    stop_on_detect: bool,
    quiet_mv: float,
    istim_sec: int,
    istim_na: NDArray[np.float64] | None,
    rec: NDArray[np.int64],
    v_rest_nodes: NDArray[np.float64],
    rec_phi: NDArray[np.float64] | None = None,
    keep_current: bool = False,
) -> tuple:
    """Advance n_cases cases from (v0, u0, gates0) for ``n_steps`` steps of ``dt_ms``.

    ``v0``, ``u0`` (n_sections,), ``gates0`` (n_active, n_states) initial state shared by all
    cases;
    ``phi`` (n_cases, n_sections), ``amp`` (n_cases,), ``wave`` (n_waves, >= n_steps),
    ``wave_idx`` (n_cases,), ``wave_end`` (n_waves,) (``solver._wave_end``), ``rec``
    (n_recorded,) sections to trace, ``rec_phi`` (1 or n_cases, n_leads, n_sections)
    recording leads (mV/mA) or None, ``keep_current`` to return the membrane currents. The
    batch runs padded to the next power of two. Returns NumPy arrays (ap_count,
    first_ap_time_ms, first_crossing_ms, last_ap_time_ms, steps_done, status, trace (n_cases,
    n_recorded, n_steps), recorded_uv (n_cases, n_leads, n_steps) or None, current_na
    (n_cases, n_sections, n_steps) or None), with the meanings of ``solver.SimulationResult``.
    """
    from neurostim.fibers.solver import active_diameter_um

    cab = prepare(g, dt_ms)
    # pad the batch to a power of two with silent cases: a threshold search shrinks its batch
    # every round, and each new shape would cost a compilation
    n_real, n_nodes = amp.size, g.n_nodes
    nc = 1 << max(n_real - 1, 0).bit_length()
    if nc > n_real:
        phi = np.concatenate([phi, np.zeros((nc - n_real, phi.shape[1]))])
        amp = np.concatenate([amp, np.zeros(nc - n_real)])
        wave_idx = np.concatenate([wave_idx, np.zeros(nc - n_real, np.int64)])
    leads = np.zeros((1, 0, g.n_sections)) if rec_phi is None else np.asarray(rec_phi)
    if leads.shape[0] > 1 and nc > n_real:
        leads = np.concatenate([leads, np.zeros((nc - n_real, *leads.shape[1:]))])
    with np.errstate(invalid="ignore"):  # inf x 0 -> NaN, as in the kernel: status unstable
        drive = amp[:, None] * wave[wave_idx, :n_steps]
    drive_old = np.zeros_like(drive)
    drive_old[:, 1:] = drive[:, :-1]
    istim = np.zeros(n_steps) if istim_na is None or istim_sec < 0 else np.asarray(istim_na)
    fixed_pos = np.flatnonzero(cab.fixed_sections == istim_sec)
    istim_node = int(cab.fixed_sections[fixed_pos[0]]) if fixed_pos.size else -1
    arrays = {name: getattr(cab, name) for name in cab.__dataclass_fields__ if name != "chain"}
    arrays.update(ga=g.g_axial_us, gp_bath=bath_periaxonal_us(g))
    with _float64():
        cab_j = {k: jnp.asarray(a) for k, a in arrays.items()}
        geo = (
            g.channel_params, jnp.asarray(phi), jnp.asarray(g.active_g_us),
            jnp.asarray(g.g_leak_us), jnp.asarray(g.e_leak_mv),
            jnp.asarray(g.node_sections), jnp.asarray(rec), g.detection_node, istim_node,
            jnp.asarray(v_rest_nodes), float(quiet_mv), float(dt_ms), jnp.asarray(leads),
            jnp.asarray(g.channel_scales), jnp.asarray(active_diameter_um(g)),
        )  # fmt: skip
        v = np.broadcast_to(v0, (nc, v0.size))
        firing = v[:, g.node_sections] >= AP_THRESHOLD_MV
        nan = np.full((nc, n_nodes), np.nan)
        state = (
            jnp.asarray(v), jnp.asarray(np.broadcast_to(u0, (nc, u0.size))),
            jnp.asarray(np.broadcast_to(gates0, (nc, *gates0.shape))), jnp.asarray(firing),
            jnp.zeros((nc, n_nodes), jnp.int64), jnp.asarray(nan), jnp.asarray(nan),
            jnp.asarray(nan), jnp.zeros(nc, jnp.int64), jnp.zeros(nc, jnp.int64),
            jnp.zeros(nc, jnp.int64), jnp.ones(nc, bool),
        )  # fmt: skip
        final, (trace, recorded, current) = _run(
            cab_j, geo, state, jnp.asarray(drive.T), jnp.asarray(drive_old.T),
            jnp.asarray(istim[:n_steps]), jnp.arange(n_steps), jnp.asarray(wave_end[wave_idx]),
            kind=g.model, stop_on_detect=bool(stop_on_detect), quiet=bool(quiet_mv > 0),
            tridiagonal=TRIDIAGONAL, keep_current=bool(keep_current), chain=cab.chain,
        )  # fmt: skip
        out = [np.asarray(a)[:n_real] for a in final[4:10]]
        trace = np.asarray(trace).transpose(1, 2, 0)[:n_real]
        recorded_uv = np.asarray(recorded).transpose(1, 2, 0)[:n_real]
        current_na = np.asarray(current).transpose(1, 2, 0)[:n_real]
    count, t_first, t_interp, t_last, done, status = out
    recorded_out = None if rec_phi is None else recorded_uv
    current_out = current_na if keep_current else None
    return count, t_first, t_interp, t_last, done, status, trace, recorded_out, current_out


__all__ = ["EQUATIONS", "JaxCable", "prepare", "simulate_jax"]
