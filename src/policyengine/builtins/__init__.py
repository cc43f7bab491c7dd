"""Built-in plugins: the core commands (``packs``, ``evaluate``, ``validate``) and the output
formats, registered through the same hooks as a third party's."""
