"""Domain logic: no Sanic here, only the store and domain errors."""
