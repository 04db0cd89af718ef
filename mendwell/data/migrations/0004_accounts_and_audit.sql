-- Who is at the screen: accounts (partners, therapists, the practice owner), the couples a
-- therapist is granted, server-side sign-ins behind the browser's cookie (with the couple a
-- screen share is bound to), and an append-only, hash-chained audit trail.
CREATE SEQUENCE account_ids START 1;

CREATE TABLE accounts (
    account_id   INTEGER PRIMARY KEY DEFAULT nextval('account_ids'),
    name         VARCHAR NOT NULL,            -- as the person typed it, shown back to them
    name_key     VARCHAR NOT NULL UNIQUE,     -- case- and space-folded: what sign-in matches
    role         VARCHAR NOT NULL CHECK (role IN ('partner', 'therapist')),
    is_owner     BOOLEAN NOT NULL DEFAULT false,
    partner_id   INTEGER UNIQUE,              -- a partner account belongs to exactly one partner
    totp_secret  VARCHAR,                     -- a therapist's second factor, when enrolled
    created_at   TIMESTAMP NOT NULL,
    CHECK ((role = 'partner') = (partner_id IS NOT NULL))
);

CREATE TABLE grants (
    account_id INTEGER NOT NULL,
    couple_id  INTEGER NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, couple_id)
);

CREATE TABLE sign_ins (
    sign_in_id      VARCHAR PRIMARY KEY,      -- random; the browser holds it only inside a signed cookie
    account_id      INTEGER NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    last_seen       TIMESTAMP NOT NULL,
    ended_at        TIMESTAMP,
    share_couple_id INTEGER                   -- set while this sign-in is screen sharing that couple
);

CREATE SEQUENCE audit_seq START 1;

CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    logged_at TIMESTAMP NOT NULL,
    actor     VARCHAR NOT NULL,               -- an account name, 'operator' (the command line) or 'anonymous'
    action    VARCHAR NOT NULL,
    couple_id INTEGER,
    detail    VARCHAR NOT NULL,               -- never any answer or note content
    prev_hash VARCHAR NOT NULL,
    hash      VARCHAR NOT NULL
);

-- The chain's head: every append updates this one row, so two appends at once conflict and retry
-- (in one order) instead of both extending the same entry.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash VARCHAR NOT NULL
);
INSERT INTO audit_head VALUES (1, 0, '');
