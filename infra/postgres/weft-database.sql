-- The database and role the control plane uses, created once when the PostgreSQL container
-- initialises an empty data directory (initdb.d/10-weft-database.sh runs this file with psql,
-- passing the password as the psql variable weft_password).
-- The role is deliberately not a superuser: superusers bypass row-level security, and the
-- control plane relies on it as the second wall around tenant data.
CREATE ROLE weft LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'weft_password';
CREATE DATABASE weft OWNER weft;
-- Only its owner (and administrators) may connect to it.
REVOKE ALL ON DATABASE weft FROM PUBLIC;
