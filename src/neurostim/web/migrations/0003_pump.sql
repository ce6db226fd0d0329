-- v3: the intrathecal pump program of a patient (written only after a second person signs off)
-- and the proposed changes awaiting that sign-off.
CREATE TABLE pumps (
    patient_id TEXT PRIMARY KEY REFERENCES patients(id),
    version INTEGER NOT NULL CHECK (version >= 1),
    program_json TEXT NOT NULL,
    updated_utc TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    signed_off_by TEXT NOT NULL CHECK (signed_off_by <> proposed_by)
);

CREATE TABLE pump_changes (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    base_version INTEGER NOT NULL CHECK (base_version >= 0),
    program_json TEXT NOT NULL,
    acknowledged_json TEXT NOT NULL,
    start_date TEXT,
    proposed_by TEXT NOT NULL,
    proposed_utc TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'written', 'stale')),
    signed_off_by TEXT
);
