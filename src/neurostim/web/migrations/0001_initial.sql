-- v1: users, server-side sessions, patients, programs (versioned), the audit log.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('clinician', 'student', 'patient', 'instructor')),
    password_hash TEXT NOT NULL,
    patient_id TEXT REFERENCES patients(id),
    created_utc TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    last_seen_utc TEXT NOT NULL
);

CREATE TABLE patients (
    id TEXT PRIMARY KEY,
    sandbox INTEGER NOT NULL DEFAULT 0 CHECK (sandbox IN (0, 1)),
    record_json TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE programs (
    patient_id TEXT NOT NULL REFERENCES patients(id),
    slot INTEGER NOT NULL CHECK (slot >= 1),
    version INTEGER NOT NULL CHECK (version >= 1),
    program_json TEXT NOT NULL,
    updated_utc TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (patient_id, slot)
);

CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    utc TEXT NOT NULL,
    sim_time TEXT,
    username TEXT,
    role TEXT,
    patient_id TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused')),
    detail_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: corrections are new rows');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: corrections are new rows');
END;
