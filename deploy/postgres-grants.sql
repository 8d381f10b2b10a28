-- The app role's rights in the bot's PostgreSQL database (README: "PostgreSQL roles").
-- Run as the owner role, in the bot's database, after every `esign-bot db upgrade`
-- (idempotent):  psql "postgresql://esign_owner@HOST/esign" -f deploy/postgres-grants.sql
-- The owner role owns every table and runs the migrations; the bot runs as esign_app.

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO esign_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO esign_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO esign_app;

-- The audit log: read and append only. Not its owner, the app role can neither ALTER the
-- table nor drop or disable its triggers; without these rights it cannot empty it either.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM esign_app;

-- The schema version belongs to the migrations.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM esign_app;
