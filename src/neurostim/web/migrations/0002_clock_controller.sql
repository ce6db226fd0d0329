-- v2: a simulated clock per patient (the instructor advances it) and the patient controller's
-- state (active program, stimulation on/off, the patient's amplitude per program slot).
ALTER TABLE patients ADD COLUMN sim_offset_s REAL NOT NULL DEFAULT 0.0;

CREATE TABLE controller (
    patient_id TEXT PRIMARY KEY REFERENCES patients(id),
    active_slot INTEGER,
    stimulation_on INTEGER NOT NULL DEFAULT 0 CHECK (stimulation_on IN (0, 1)),
    amplitude_ma_json TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1
);
