-- Corrective-action notices and reminders are derived from the capa rows on each pass;
-- these columns and indexes keep a pass from probing every open action.

-- The latest reminder stage queued for the staff ('before7', 'due', 'overdue:2' …) and when
-- the leads were told the action is late. Like notified_at, they record what went out;
-- the outbox's dedupe keys still make "never twice" a constraint.
ALTER TABLE capa ADD COLUMN reminded_stage TEXT;
ALTER TABLE capa ADD COLUMN escalated_at TEXT;

-- Open actions nobody in the department was told of yet (a small, shrinking set).
CREATE INDEX capa_unnotified ON capa(department_id, audit_id)
    WHERE notified_at IS NULL AND state IN ('open', 'planned');

-- Actions told before a staff member joined the department (late joiners get them too).
CREATE INDEX capa_department_notified ON capa(department_id, notified_at);

-- capa_state_due extended to cover the reminder pass: it reads open actions by due date,
-- with what went out already, from the index alone.
CREATE INDEX capa_reminders ON capa(state, due_date, notified_at, reminded_stage, escalated_at);

-- Staff and leads by role, for the recipients of notices.
CREATE INDEX person_roles_role ON person_roles(role, department_id);
