-- Passcodes (salted scrypt hashes only), failed-attempt counters for slowing
-- down guessing, app settings (practice passcode and the like), the couple's
-- monthly check-in day, one-time notices, and which item a follow-up depends on.
CREATE TABLE secrets (
    subject      VARCHAR PRIMARY KEY,   -- 'partner:<id>' or 'practice'
    kdf          VARCHAR NOT NULL,      -- e.g. 'scrypt:n=16384,r=8,p=1'
    salt         BLOB NOT NULL,
    digest       BLOB NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE auth_failures (
    subject      VARCHAR PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_failure TIMESTAMP NOT NULL
);

CREATE TABLE settings (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE notices (
    subject  VARCHAR NOT NULL,
    notice   VARCHAR NOT NULL,
    shown_at TIMESTAMP NOT NULL,
    PRIMARY KEY (subject, notice)
);

ALTER TABLE couples ADD COLUMN checkin_day SMALLINT DEFAULT 28;

ALTER TABLE instrument_items ADD COLUMN show_if_item VARCHAR;
