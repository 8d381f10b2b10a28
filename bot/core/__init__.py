"""Start, help, menu, language and cancel, and the fallbacks that answer everything else."""
