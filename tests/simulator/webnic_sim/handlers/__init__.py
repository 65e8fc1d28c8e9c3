"""The simulator's request handlers, one module per WebNIC resource (plus /_sim/ admin)."""
