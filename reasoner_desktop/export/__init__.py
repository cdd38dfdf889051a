"""Writers and importers (markdown, json, html, pdf, txt). No Qt except the PDF writer."""
