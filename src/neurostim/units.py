"""Unit conversion factors, used by name so that no conversion is hidden.

Quantities carry their unit in their name (``amplitude_ma``, ``pulse_width_us``); to convert,
multiply by the factor named ``<FROM>_TO_<TO>`` below, e.g. ``pulse_width_ms = pulse_width_us *
US_TO_MS``.
"""

from __future__ import annotations

# time
US_TO_MS = 1e-3
MS_TO_US = 1e3
US_TO_S = 1e-6
S_TO_US = 1e6
MS_TO_S = 1e-3
S_TO_MS = 1e3
S_PER_MIN = 60.0
S_PER_HOUR = 3600.0
S_PER_DAY = 86400.0
MIN_PER_HOUR = 60.0
MIN_PER_DAY = 1440.0
HOURS_PER_DAY = 24.0
DAYS_PER_YEAR = 365.25
HOURS_PER_YEAR = 8760.0

# length and area
UM_TO_MM = 1e-3
UM2_TO_CM2 = 1e-8
MM_TO_UM = 1e3
MM_TO_CM = 0.1
CM_TO_MM = 10.0
UM_TO_CM = 1e-4
MM2_TO_CM2 = 1e-2
CM2_TO_MM2 = 1e2

# current and charge
MA_TO_UA = 1e3
UA_TO_MA = 1e-3
MA_TO_A = 1e-3
A_TO_MA = 1e3
NA_TO_MA = 1e-6
MA_TO_NA = 1e6
# charge: mA x ms = uC, mA x us = nC
MA_US_TO_UC = 1e-3
MAH_TO_AH = 1e-3
AH_TO_MAH = 1e3
UA_TO_A = 1e-6

# potential, resistance, conductance and capacitance (S_TO_US above is seconds -> microseconds;
# the siemens factors are spelled out)
MV_TO_V = 1e-3
# I / (sigma r) with I in mA, sigma in S/m and r in mm is in V: x 1e3 gives mV
MA_PER_S_PER_M_PER_MM_TO_MV = 1e3
V_TO_MV = 1e3
NV_TO_UV = 1e-3
"""Also ohm x nA -> uV (a transfer resistance in mV/mA = ohm times a current in nA is in nV)."""
KOHM_TO_OHM = 1e3
MOHM_TO_OHM = 1e6
SIEMENS_TO_MICROSIEMENS = 1e6
NANOSIEMENS_TO_MICROSIEMENS = 1e-3
UF_TO_NF = 1e3
# current density and calcium flux
UM2_MA_PER_CM2_TO_NA = 1e-2
"""mA/cm2 over an area in um2 -> nA (1e-8 cm2/um2 x 1e6 nA/mA)."""
CA_FLUX_TO_MM_PER_MS = 1e4
"""(mA/cm2)/(C/mol x um) -> mM/ms: a current density entering a shell of a depth in um as a
concentration rate (the 10000 of NEURON's cadecay mechanisms)."""
C_PER_MOL_MM_TO_MC_PER_CM3 = 1e-3
"""(C/mol) x mM -> mC/cm3 (1 mM = 1e-6 mol/cm3; C -> mC x 1e3)."""

# volume
UL_TO_ML = 1e-3
ML_TO_UL = 1e3

# temperature
CELSIUS_TO_KELVIN = 273.15

# mass (drug amounts)
MG_TO_NG = 1e6
UG_TO_NG = 1e3
MG_TO_UG = 1e3
