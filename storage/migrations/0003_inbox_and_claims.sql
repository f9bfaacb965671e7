-- The inbox: every update fetched from Telegram is written here before the offset that
-- confirms it is sent. It is claimed (state 'done') in the same transaction as its effect,
-- so a crash at any moment leaves it either applied or pending, never lost or doubled.
-- raw_json is emptied once handled: only the id is needed to drop a redelivery.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    chat_key    TEXT NOT NULL,
    raw_json    TEXT NOT NULL,
    received_at TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'poison')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    handled_at  TEXT
);
CREATE INDEX inbox_pending ON inbox(state, update_id);

-- Ids handled before the inbox existed still drop their redeliveries.
INSERT INTO inbox(update_id, chat_key, raw_json, received_at, state, handled_at)
    SELECT update_id, '', '', handled_at, 'done', handled_at FROM processed_updates;
DROP TABLE processed_updates;

-- The outbox claims a row before sending it: state 'sending' with a lease, the attempt
-- counted; a row found 'sending' after its lease ran out is in doubt and is sent again
-- (in_doubt counts those resends). SQLite cannot change a CHECK in place: rebuild.
CREATE TABLE outbox_new (
    id           INTEGER PRIMARY KEY,
    dedupe_key   TEXT NOT NULL UNIQUE,
    chat_id      INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    not_before   TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'blocked')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    lease_until  TEXT,
    claimed_by   TEXT,
    in_doubt     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_new(id, dedupe_key, chat_id, kind, payload_json, not_before, state, attempts,
                       last_error, created_at, sent_at)
    SELECT id, dedupe_key, chat_id, kind, payload_json, not_before, state, attempts, last_error,
           created_at, sent_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox(state, not_before);

-- People who wrote to the bot but were never invited are no longer kept: forget the ones
-- stored before (nothing of theirs is referenced anywhere).
DELETE FROM people WHERE
    NOT EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = people.id)
    AND NOT EXISTS (SELECT 1 FROM invites i WHERE i.created_by = people.id OR i.used_by = people.id)
    AND NOT EXISTS (SELECT 1 FROM audits a WHERE a.created_by = people.id)
    AND NOT EXISTS (SELECT 1 FROM audit_team t WHERE t.person_id = people.id)
    AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.answered_by = people.id)
    AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.person_id = people.id)
    AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.person_id = people.id)
    AND NOT EXISTS (SELECT 1 FROM capa c WHERE c.auditor_id = people.id)
    AND NOT EXISTS (SELECT 1 FROM audit_trail l WHERE l.person_id = people.id)
    AND NOT EXISTS (SELECT 1 FROM dialog_state d WHERE d.person_id = people.id);
