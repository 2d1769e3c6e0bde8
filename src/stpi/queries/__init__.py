"""Read the store and compute what a command, page or document shows; returns plain objects / DataFrames, never prints.

The command line (``stpi.cli``) and the web app (``stpi.web``) both call these functions, so what a
command prints and what a page shows come from the same numbers.
"""
