-- A site's places and equipment as the registry's events left them: what the forms offer,
-- what a complaint links to, and what QR sheets are printed from. Written with the events.
CREATE TABLE intake.places (
    site      text NOT NULL,
    code      text NOT NULL,
    name      text NOT NULL,
    building  text,
    floor     text,
    room      text,
    retired   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (site, code)
);

CREATE TABLE intake.assets (
    site              text NOT NULL,
    code              text NOT NULL,
    type              text NOT NULL,
    name              text NOT NULL,
    serial            text,
    model             text,
    installed_on      date,
    place             text,
    maintenance_team  text,
    retired           boolean NOT NULL DEFAULT false,
    PRIMARY KEY (site, code)
);
