"""The compiled plan of a pack: one module per rule kind."""
