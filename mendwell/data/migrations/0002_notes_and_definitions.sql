-- The free-text note of a check-in (private or shared), and each instrument
-- version's structure as tables so scores can be computed in SQL. Rows for
-- versions recorded before this migration are rebuilt from their JSON
-- snapshot by the store right after migrating.
CREATE TABLE notes (
    checkin_id BIGINT PRIMARY KEY,
    body       VARCHAR NOT NULL,
    is_private BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE instrument_items (
    instrument_id VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    item_id       VARCHAR NOT NULL,
    position      INTEGER NOT NULL,
    kind          VARCHAR NOT NULL,
    subscale_id   VARCHAR,
    reverse       BOOLEAN NOT NULL,
    scale_min     DOUBLE NOT NULL,
    scale_max     DOUBLE NOT NULL,
    private       BOOLEAN NOT NULL,
    themes        VARCHAR[] NOT NULL,
    mirror        VARCHAR,
    PRIMARY KEY (instrument_id, version, item_id)
);

CREATE TABLE instrument_subscales (
    instrument_id VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    subscale_id   VARCHAR NOT NULL,
    position      INTEGER NOT NULL,
    title         VARCHAR NOT NULL,
    higher_is     VARCHAR NOT NULL,
    scoring       VARCHAR NOT NULL,
    reliability   DOUBLE,
    private       BOOLEAN NOT NULL,
    PRIMARY KEY (instrument_id, version, subscale_id)
);

CREATE TABLE instrument_bands (
    instrument_id VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    subscale_id   VARCHAR NOT NULL,
    position      INTEGER NOT NULL,
    below         DOUBLE,
    label         VARCHAR NOT NULL,
    tone          VARCHAR NOT NULL,
    PRIMARY KEY (instrument_id, version, subscale_id, position)
);

CREATE TABLE instrument_options (
    instrument_id VARCHAR NOT NULL,
    version       INTEGER NOT NULL,
    item_id       VARCHAR NOT NULL,
    value         INTEGER NOT NULL,
    label         VARCHAR NOT NULL,
    theme         VARCHAR,
    PRIMARY KEY (instrument_id, version, item_id, value)
);
