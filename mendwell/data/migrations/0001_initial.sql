-- Couples, partners, monthly check-ins, their answers, and a snapshot of
-- each instrument version an answer was given under.
CREATE SEQUENCE couple_ids START 1;
CREATE SEQUENCE partner_ids START 1;
CREATE SEQUENCE checkin_ids START 1;

CREATE TABLE couples (
    couple_id  INTEGER PRIMARY KEY DEFAULT nextval('couple_ids'),
    name       VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE partners (
    partner_id INTEGER PRIMARY KEY DEFAULT nextval('partner_ids'),
    couple_id  INTEGER NOT NULL,
    slot       SMALLINT NOT NULL CHECK (slot IN (1, 2)),
    name       VARCHAR NOT NULL,
    UNIQUE (couple_id, slot)
);

-- One per partner per calendar month (period = first day of the month).
CREATE TABLE checkins (
    checkin_id   BIGINT PRIMARY KEY DEFAULT nextval('checkin_ids'),
    couple_id    INTEGER NOT NULL,
    partner_id   INTEGER NOT NULL,
    period       DATE NOT NULL CHECK (day(period) = 1),
    status       VARCHAR NOT NULL CHECK (status IN ('draft', 'submitted')),
    started_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    UNIQUE (partner_id, period)
);

-- No primary key on purpose: at millions of rows an index costs 6x the load
-- time and 30x the disk. One row per (checkin, instrument, item) is kept by
-- the store, which serialises writes to a check-in (see Store._lock_checkin).
CREATE TABLE responses (
    checkin_id         BIGINT NOT NULL,
    instrument_id      VARCHAR NOT NULL,
    instrument_version INTEGER NOT NULL,
    item_id            VARCHAR NOT NULL,
    value              DOUBLE,
    text               VARCHAR
);

CREATE TABLE instrument_versions (
    instrument_id VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    content_hash  VARCHAR NOT NULL,
    title         VARCHAR NOT NULL,
    definition    VARCHAR NOT NULL,  -- the validated instrument as JSON
    recorded_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (instrument_id, version)
);
