-- A daily snapshot of the corrective-action figures per department, taken by the scheduler
-- once a day from now on, so that the management review can show trends the database
-- cannot rebuild later (how many actions were open or overdue on a past day).
-- day is the local date the figures describe (open and overdue at its end, closed during it);
-- the primary key makes taking a day's snapshot twice a no-op. Plain SQL (TEXT, INTEGER) that
-- also runs on PostgreSQL.
CREATE TABLE review_snapshots (
    day             TEXT NOT NULL,
    department_id   INTEGER NOT NULL REFERENCES departments(id),
    open_actions    INTEGER NOT NULL,
    overdue_actions INTEGER NOT NULL,
    closed_in_day   INTEGER NOT NULL,
    taken_at        TEXT NOT NULL,
    PRIMARY KEY (day, department_id)
);
