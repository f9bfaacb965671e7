-- Initial schema. Times are UTC ISO-8601 text; dates (due dates) are local ISO dates.

CREATE TABLE departments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL COLLATE NOCASE UNIQUE,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);

-- A person is a Telegram user (id = Telegram user id).
CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    username    TEXT,
    lang        TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('zh', 'en')),
    lang_chosen INTEGER NOT NULL DEFAULT 0,  -- 1 once set with /lang: no longer follows the client
    active      INTEGER NOT NULL DEFAULT 1,
    blocked_bot INTEGER NOT NULL DEFAULT 0,  -- Telegram said the person blocked the bot
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Roles; staff hold their role for one department (department_id 0 = no department).
CREATE TABLE person_roles (
    person_id     INTEGER NOT NULL REFERENCES people(id),
    role          TEXT NOT NULL CHECK (role IN ('lead', 'auditor', 'staff')),
    department_id INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (person_id, role, department_id)
);
CREATE INDEX person_roles_department ON person_roles(department_id, role);

CREATE TABLE invites (
    code          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('lead', 'auditor', 'staff')),
    department_id INTEGER REFERENCES departments(id),
    created_by    INTEGER NOT NULL REFERENCES people(id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_by       INTEGER REFERENCES people(id),
    used_at       TEXT
);

CREATE TABLE audits (
    id                INTEGER PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    checklist_id      TEXT NOT NULL,
    checklist_version INTEGER NOT NULL,
    checklist_json    TEXT NOT NULL,             -- snapshot: editing a checklist never changes a past audit
    department_id     INTEGER NOT NULL REFERENCES departments(id),
    lang              TEXT NOT NULL CHECK (lang IN ('zh', 'en')),
    status            TEXT NOT NULL DEFAULT 'planning'
                      CHECK (status IN ('planning', 'opening', 'in_progress', 'closing', 'completed', 'cancelled')),
    plan_json         TEXT NOT NULL DEFAULT '{}',  -- objectives, scope, criteria, places, dates, participants
    opening_json      TEXT NOT NULL DEFAULT '{}',
    closing_json      TEXT NOT NULL DEFAULT '{}',
    created_by        INTEGER NOT NULL REFERENCES people(id),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    completed_at      TEXT
);
CREATE INDEX audits_status ON audits(status);
CREATE INDEX audits_department ON audits(department_id);

CREATE TABLE audit_team (
    audit_id   INTEGER NOT NULL REFERENCES audits(id),
    person_id  INTEGER NOT NULL REFERENCES people(id),
    team_role  TEXT NOT NULL DEFAULT 'auditor' CHECK (team_role IN ('leader', 'auditor')),
    position   INTEGER NOT NULL DEFAULT 0,   -- index of the question this auditor is on (/resume)
    joined_at  TEXT NOT NULL,
    PRIMARY KEY (audit_id, person_id)
);
CREATE INDEX audit_team_person ON audit_team(person_id);

-- The current result of each question; earlier results stay in audit_trail.
CREATE TABLE answers (
    audit_id    INTEGER NOT NULL REFERENCES audits(id),
    question_id TEXT NOT NULL,
    result      TEXT NOT NULL
                CHECK (result IN ('conform', 'minor', 'major', 'observation', 'ofi', 'good', 'na', 'skipped')),
    answered_by INTEGER NOT NULL REFERENCES people(id),
    answered_at TEXT NOT NULL,
    PRIMARY KEY (audit_id, question_id)
);

CREATE TABLE notes (
    id          INTEGER PRIMARY KEY,
    audit_id    INTEGER NOT NULL REFERENCES audits(id),
    question_id TEXT NOT NULL,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX notes_question ON notes(audit_id, question_id);

-- Evidence files (photo, document, voice) of a question or of a corrective action.
CREATE TABLE evidence (
    id            INTEGER PRIMARY KEY,
    audit_id      INTEGER REFERENCES audits(id),
    question_id   TEXT,
    capa_id       INTEGER REFERENCES capa(id),
    kind          TEXT NOT NULL CHECK (kind IN ('photo', 'document', 'voice')),
    sha256        TEXT NOT NULL,
    thumb_sha256  TEXT,
    file_name     TEXT,
    mime_type     TEXT,
    size          INTEGER NOT NULL,
    caption       TEXT,
    telegram_file_id TEXT,
    person_id     INTEGER NOT NULL REFERENCES people(id),
    created_at    TEXT NOT NULL
);
CREATE INDEX evidence_question ON evidence(audit_id, question_id);
CREATE INDEX evidence_capa ON evidence(capa_id);

-- Numbered at completion: NC1, NC2 (minor and major), OBS1, OFI1, GP1.
CREATE TABLE findings (
    id          INTEGER PRIMARY KEY,
    audit_id    INTEGER NOT NULL REFERENCES audits(id),
    question_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('major', 'minor', 'observation', 'ofi', 'good')),
    number      TEXT NOT NULL,
    statement   TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    UNIQUE (audit_id, number),
    UNIQUE (audit_id, question_id)
);

CREATE TABLE capa (
    id                 INTEGER PRIMARY KEY,
    finding_id         INTEGER NOT NULL UNIQUE REFERENCES findings(id),
    audit_id           INTEGER NOT NULL REFERENCES audits(id),
    department_id      INTEGER NOT NULL REFERENCES departments(id),
    auditor_id         INTEGER NOT NULL REFERENCES people(id),
    state              TEXT NOT NULL DEFAULT 'open'
                       CHECK (state IN ('open', 'planned', 'implemented', 'closed')),
    due_date           TEXT NOT NULL,
    correction         TEXT,
    root_cause_json    TEXT NOT NULL DEFAULT '[]',
    elsewhere          TEXT,
    action_plan        TEXT,
    target_date        TEXT,
    implementation     TEXT,
    effectiveness      TEXT,
    rejection_reason   TEXT,
    notified_at        TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    planned_at         TEXT,
    implemented_at     TEXT,
    closed_at          TEXT
);
CREATE INDEX capa_state_due ON capa(state, due_date);
CREATE INDEX capa_department ON capa(department_id, state);

-- Messages to send: reminders, notifications, digests. The dedupe key makes "never twice" a constraint.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    chat_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    not_before  TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'blocked')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);
CREATE INDEX outbox_pending ON outbox(state, not_before);

-- Where each person is in a dialog: survives restarts (no in-memory conversation state).
CREATE TABLE dialog_state (
    person_id   INTEGER PRIMARY KEY REFERENCES people(id),
    flow        TEXT NOT NULL,            -- 'audit', 'capa', 'admin', ...
    audit_id    INTEGER,
    question_id TEXT,
    capa_id     INTEGER,
    awaiting    TEXT,                     -- what typed input is expected next
    data_json   TEXT NOT NULL DEFAULT '{}',
    message_id  INTEGER,                  -- the card edited in place
    updated_at  TEXT NOT NULL
);

-- Updates already handled: a redelivered update (after a crash) is not applied twice.
CREATE TABLE processed_updates (
    update_id   INTEGER PRIMARY KEY,
    handled_at  TEXT NOT NULL
);

-- Append-only trail: who, when, what, before -> after.
CREATE TABLE audit_trail (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    person_id   INTEGER,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    action      TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_trail_entity ON audit_trail(entity, entity_id);

CREATE TRIGGER audit_trail_no_update BEFORE UPDATE ON audit_trail
BEGIN SELECT RAISE(ABORT, 'audit_trail is append-only'); END;
CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail
BEGIN SELECT RAISE(ABORT, 'audit_trail is append-only'); END;
