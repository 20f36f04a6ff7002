"""The retention rule of families.retention, in the database too (PostgreSQL
only), so that the triggers guarding signed notes can let a record go on the
one day the law allows it and not before, whatever code asks.

Kept identical to families/retention.py (tests/families/test_retention.py
compares the two on the awkward dates): 25th birthday, or 26th for a child 17
when their care ended; born on 29 February, the birthday in a common year is
1 March.
"""

from django.db import migrations

RETENTION = """
CREATE OR REPLACE FUNCTION families_birthday(born date, age integer) RETURNS date AS $$
    SELECT CASE
        WHEN extract(month FROM born) = 2 AND extract(day FROM born) = 29
             AND NOT (((extract(year FROM born)::int + age) % 4 = 0
                       AND (extract(year FROM born)::int + age) % 100 <> 0)
                      OR (extract(year FROM born)::int + age) % 400 = 0)
        THEN make_date(extract(year FROM born)::int + age, 3, 1)
        ELSE make_date(extract(year FROM born)::int + age,
                       extract(month FROM born)::int, extract(day FROM born)::int)
    END
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION families_age_on(born date, day date) RETURNS integer AS $$
    SELECT extract(year FROM day)::int - extract(year FROM born)::int
        - CASE WHEN (extract(month FROM day), extract(day FROM day))
                    < (extract(month FROM born), extract(day FROM born))
               THEN 1 ELSE 0 END
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION families_child_past_retention(child bigint, today date)
RETURNS boolean AS $$
    SELECT COALESCE((
        SELECT families_birthday(
                   date_of_birth,
                   CASE WHEN discharged_on IS NOT NULL
                             AND families_age_on(date_of_birth, discharged_on) = 17
                        THEN 26 ELSE 25 END
               ) <= today
        FROM families_child WHERE id = child
    ), false)
$$ LANGUAGE sql STABLE;

-- The practice is in the UK and so is the rule: today is London's date.
CREATE OR REPLACE FUNCTION families_child_past_retention(child bigint) RETURNS boolean AS $$
    SELECT families_child_past_retention(child, (now() AT TIME ZONE 'Europe/London')::date)
$$ LANGUAGE sql STABLE;
"""

DROP = """
DROP FUNCTION IF EXISTS families_child_past_retention(bigint);
DROP FUNCTION IF EXISTS families_child_past_retention(bigint, date);
DROP FUNCTION IF EXISTS families_age_on(date, date);
DROP FUNCTION IF EXISTS families_birthday(date, integer);
"""


def _on_postgres(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0003_consent_to_share_with_doctor"),
    ]

    operations = [
        migrations.RunPython(_on_postgres(RETENTION), _on_postgres(DROP), elidable=False),
    ]
