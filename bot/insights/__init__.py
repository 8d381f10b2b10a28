"""Charts and figures for the ministry's operators: /stats, the weekly digest, the report."""
