-- v4: unsaved test stimulation (the program being titrated), bound to the session that started
-- it so that logout or timeout reverts the device to the saved program (clinic-web §4 rule 6);
-- MRI mode of the patient controller.
CREATE TABLE test_stimulation (
    patient_id TEXT PRIMARY KEY REFERENCES patients(id),
    slot INTEGER NOT NULL CHECK (slot >= 1),
    program_json TEXT NOT NULL,
    session_key TEXT NOT NULL,
    username TEXT NOT NULL,
    started_utc TEXT NOT NULL,
    stimulating INTEGER NOT NULL DEFAULT 0 CHECK (stimulating IN (0, 1))
);

ALTER TABLE controller ADD COLUMN mri_mode INTEGER NOT NULL DEFAULT 0 CHECK (mri_mode IN (0, 1));

-- the simulated time of the last pump programming (the patient bolus lockout runs from it) and
-- the patient's bolus requests, granted or denied by the intrathecal bolus gate
ALTER TABLE pumps ADD COLUMN programmed_sim_utc TEXT;

CREATE TABLE bolus_requests (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients(id),
    sim_utc TEXT NOT NULL,
    decision TEXT NOT NULL,
    utc TEXT NOT NULL,
    username TEXT NOT NULL
);
