"""pinakes-sync: keeps a local folder in sync with a Pinakes Sync server, through pinakes_client."""

__version__ = "0.1.0"
