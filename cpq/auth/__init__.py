"""Who is calling: roles, scopes and the principal a request acts as (pure)."""
