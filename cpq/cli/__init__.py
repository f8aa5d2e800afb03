"""The ``cpq`` command."""
