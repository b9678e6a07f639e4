"""Custom menus of the counties' Official Accounts: one `<slug>.toml` per county (data only).

Each file: `county = "..."` and up to 3 `[[button]]` tables, each with a `name` and up to 5
`sub` buttons `{ name = "...", key = "<intent id>" }` (a CLICK button whose key names the
intent the assistant answers) or `{ name = "...", url = "https://..." }` (a VIEW link).
"""
