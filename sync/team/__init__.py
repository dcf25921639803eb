"""Team sync through a folder the team already syncs: the file format (files), the folder as a
transport (folder), and one sync round gluing it to the database (team)."""
