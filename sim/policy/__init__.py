"""Rules in force: the law per department, policies that change it on a date, and scenario files
(TOML) that name a base, parameter overrides and policies."""
