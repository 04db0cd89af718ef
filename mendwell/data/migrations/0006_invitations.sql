-- Invitations: a single-use link that lets one partner make their own account on their own phone.
-- Only a digest of the link's secret is kept, so the table cannot be used to forge one.
CREATE TABLE invitations (
    token_digest VARCHAR PRIMARY KEY,
    partner_id   INTEGER NOT NULL,
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    used_at      TIMESTAMP
);
