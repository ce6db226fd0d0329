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
