"""The complainant's own pages: the report form (from a link or a QR code) and the status
page their acknowledgement links to. No account: a signed link, rate limits, plain HTML."""
