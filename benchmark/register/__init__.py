"""The municipality's own decisions: a case-system export, read where it is, aggregated."""
