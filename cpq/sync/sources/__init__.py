"""Where a back-office export comes from: a folder of files, or an ERP's HTTP API."""
