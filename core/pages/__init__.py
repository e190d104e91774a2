"""Public pages: the home page and the language switch. Issue 3 grows this into the CMS."""
