"""Tools for pack authors: cases and their runner, coverage, lint, diff, the new-pack
scaffold, the generated pack pages and the pytest plugin. Each registers its commands
through :func:`policyengine.hookspecs.register_commands` like a third party's."""
