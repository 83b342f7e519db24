-- Messages sent per channel, recipient and day, for the caps on SMS and email (a recipient
-- '*' counts the whole organisation's). Replaces the SMS-only counter.
CREATE TABLE notify.daily_sends (
    channel      text NOT NULL,
    destination  text NOT NULL,
    day          date NOT NULL,
    sent         integer NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, destination, day)
);
DROP TABLE notify.sms_daily;
