-- The database and role the control plane uses, created once when the PostgreSQL container
-- initialises an empty data directory (initdb.d/10-weft-database.sh runs this file with psql,
-- passing the password as the psql variable weft_password).
-- The role is deliberately not a superuser: superusers bypass row-level security, and the
-- control plane relies on it as the second wall around tenant data.
CREATE ROLE weft LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'weft_password';
-- The role requests run as (SET LOCAL ROLE in each request's transaction): row-level security
-- policies apply to it, so a query that forgets its organization filter sees no other tenant.
-- Created here because `weft` may not create roles; the first migration grants it privileges.
CREATE ROLE weft_tenant NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
GRANT weft_tenant TO weft;
CREATE DATABASE weft OWNER weft;
-- Only its owner (and administrators) may connect to it.
REVOKE ALL ON DATABASE weft FROM PUBLIC;
