-- Which calendar measures each running clock ('24x7' or 'business'): the console counts a
-- business clock's time left in working time (剩 1 個工作天 3 小時), a 24x7 one in hours.
ALTER TABLE projections.sla_state
    ADD COLUMN response_calendar    text,
    ADD COLUMN resolution_calendar  text,
    ADD COLUMN review_calendar      text;
