"""Where finished calls are kept: the local spool, the database writer, and their health."""
